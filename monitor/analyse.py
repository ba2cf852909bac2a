"""The analyse stage: entities, relevance, topic, tone and the story fingerprint of one article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp import EntitySpec, Judgement, Mention, TopicSpec
from nlp.entities import EntityTagger, build_tagger, tag_entities
from nlp.kiwi import Kiwi
from nlp.relevance import judge_relevance
from nlp.stories import Fingerprint, fingerprint_text
from nlp.tone import classify_tone
from nlp.topics import classify_topic


@dataclass(frozen=True)
class Analysis:
    """What the NLP stage concluded about one article's own title and body."""

    mentions: tuple[Mention, ...]
    relevance: Judgement
    topic: Judgement
    tone: Judgement
    fingerprint: Fingerprint

    @property
    def relevant(self) -> bool:
        """Whether the relevance judgement says the article is about the cluster."""
        return self.relevance.value == "relevant"


class Analyser:
    """Holds the one Kiwi-backed entity tagger of a process and applies every NLP step."""

    def __init__(
        self, kiwi: Kiwi, entities: Sequence[EntitySpec], topics: Sequence[TopicSpec]
    ) -> None:
        self.entities = tuple(entities)
        self.topics = tuple(topics)
        self.tagger: EntityTagger = build_tagger(kiwi, self.entities)

    def analyse(self, title: str, body: str) -> Analysis:
        """Tag, judge and fingerprint an article's own title and body (never the page around it)."""
        mentions = tag_entities(self.tagger, title, body)
        return Analysis(
            mentions=mentions,
            relevance=judge_relevance(title, body, mentions, self.entities),
            topic=classify_topic(title, body, self.topics),
            tone=classify_tone(title, body),
            fingerprint=fingerprint_text(body or title),
        )
