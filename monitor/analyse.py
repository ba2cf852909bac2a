"""The analyse stage: entities, relevance, topic, tone and the story fingerprint of one article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp import EntitySpec, Judgement, Mention, TopicSpec
from nlp.classify import Classifiers, article_features
from nlp.entities import EntityTagger, build_tagger, tag_entities
from nlp.kiwi import Kiwi
from nlp.relevance import judge_relevance, names_city_and_sector
from nlp.stories import FactWeights, Fingerprint, fingerprint_text, reference_weights
from nlp.tone import classify_tone, explain_tone
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
    """Holds the one Kiwi-backed entity tagger of a process and applies every NLP step.

    With trained classifiers, an article that names a tracked entity is judged by the models;
    one that names none is irrelevant by rule and never reaches Kiwi (most collected articles).
    Without classifiers, the documented rules judge every article.
    """

    def __init__(
        self,
        kiwi: Kiwi,
        entities: Sequence[EntitySpec],
        topics: Sequence[TopicSpec],
        classifiers: Classifiers | None = None,
        story_weights: FactWeights | None = None,
    ) -> None:
        self.entities = tuple(entities)
        # Story matching weighs shared facts by their rarity in the shipped labelled set.
        self.story_weights = story_weights or reference_weights()
        self.topics = tuple(topics)
        self.tagger: EntityTagger = build_tagger(kiwi, self.entities)
        self.classifiers = classifiers
        self.core_entities = frozenset(spec.id for spec in self.entities if spec.core)
        # A topic model trained on other categories than the configured ones cannot be used.
        topic_ids = {t.id for t in self.topics}
        self.topic_model_usable = (
            classifiers is not None and set(classifiers.topic.classes) <= topic_ids
        )

    def mentions(self, title: str, body: str) -> tuple[Mention, ...]:
        """The tracked entities named in an article's title and body."""
        return tag_entities(self.tagger, title, body)

    def features(self, title: str, body: str, mentions: Sequence[Mention]) -> dict[str, float]:
        """The classifiers' features of one article (Kiwi lemmas, mentions, tone and topic cues)."""
        return article_features(self.tagger.kiwi, title, body, mentions, self.topics)

    def analyse(self, title: str, body: str) -> Analysis:
        """Tag, judge and fingerprint an article's own title and body (never the page around it)."""
        mentions = self.mentions(title, body)
        fingerprint = fingerprint_text(body or title)
        models = self.classifiers
        city_sector = bool(names_city_and_sector(title, body))
        if models is None or not (mentions or city_sector):
            return Analysis(
                mentions=mentions,
                relevance=judge_relevance(title, body, mentions, self.entities),
                topic=classify_topic(title, body, self.topics),
                tone=classify_tone(title, body),
                fingerprint=fingerprint,
            )
        features = self.features(title, body, mentions)
        topic = (
            models.topic.judge(features)
            if self.topic_model_usable
            else classify_topic(title, body, self.topics)
        )
        # The cluster's own names (core entities) and the city's bio sector named without any
        # tracked body decide relevance by rule, as documented; the model judges the articles
        # that only name related bodies (국립암센터, 킨텍스, LIH …).
        by_rule = not mentions or any(m.entity in self.core_entities for m in mentions)
        relevance = (
            judge_relevance(title, body, mentions, self.entities)
            if by_rule
            else models.relevance.judge(features)
        )
        return Analysis(
            mentions=mentions,
            relevance=relevance,
            topic=topic,
            tone=explain_tone(models.tone.judge(features), title, body),
            fingerprint=fingerprint,
        )
