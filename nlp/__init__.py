"""Pure text processing: page bytes -> Article; text -> mentions, labels and story fingerprints."""

from nlp._errors import DecodeError, ExtractionError, NlpError, NoArticleError
from nlp._records import Article, Decoded, EntitySpec, Judgement, Mention, TopicSpec
from nlp.text import normalize_text

__all__ = [
    "Article",
    "DecodeError",
    "Decoded",
    "EntitySpec",
    "ExtractionError",
    "Judgement",
    "Mention",
    "NlpError",
    "NoArticleError",
    "TopicSpec",
    "normalize_text",
]
