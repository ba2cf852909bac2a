"""Pure text processing: page bytes -> Article; text -> mentions, labels and story fingerprints."""

from nlp._errors import DecodeError, ExtractionError, ModelError, NlpError, NoArticleError
from nlp._records import (
    Article,
    Decoded,
    EntitySpec,
    Judgement,
    Mention,
    SiteRules,
    TopicSpec,
)
from nlp.decode import decode_page
from nlp.entities import EntityTagger, build_tagger, tag_entities
from nlp.extract import extract_article, extract_fragment
from nlp.kiwi import load_kiwi
from nlp.relevance import judge_relevance
from nlp.stories import Fingerprint, copy_similarity, fingerprint_text, is_same_story
from nlp.text import normalize_text, title_key
from nlp.tone import classify_tone
from nlp.topics import DEFAULT_TOPICS, classify_topic

__all__ = [
    "DEFAULT_TOPICS",
    "Article",
    "DecodeError",
    "Decoded",
    "EntitySpec",
    "EntityTagger",
    "ExtractionError",
    "Fingerprint",
    "Judgement",
    "Mention",
    "ModelError",
    "NlpError",
    "NoArticleError",
    "SiteRules",
    "TopicSpec",
    "build_tagger",
    "classify_tone",
    "classify_topic",
    "copy_similarity",
    "decode_page",
    "extract_article",
    "extract_fragment",
    "fingerprint_text",
    "is_same_story",
    "judge_relevance",
    "load_kiwi",
    "normalize_text",
    "tag_entities",
    "title_key",
]
