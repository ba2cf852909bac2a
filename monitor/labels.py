"""The Korean labels of the stored keys (outlet tier, tone, medium, topic), in one place.

Every surface (digest, tally, report, web) names a key through these tables, so a national
daily is 중앙지 everywhere. Topic labels are configuration (`[[topics]]`, default set in
nlp.topics); `topic_labels` reads them from the config.
"""

from __future__ import annotations

from collections.abc import Mapping

from monitor.config import Config

__all__ = [
    "MEDIUM_LABELS",
    "TIER_LABELS",
    "TONE_LABELS",
    "UNKNOWN_KEY",
    "UNKNOWN_LABEL",
    "label_of",
    "medium_label",
    "tier_label",
    "tone_label",
    "topic_labels",
]

UNKNOWN_KEY = "unknown"
UNKNOWN_LABEL = "미분류"

# The outlet types as Korean press-coverage reports name them.
TIER_LABELS = {
    "national": "중앙지",
    "economic": "경제지",
    "local": "지역지",
    "internet": "인터넷신문",
    "broadcast": "방송",
    "wire": "통신사",
    "trade": "전문지",
}
TONE_LABELS = {"positive": "긍정", "neutral": "중립", "negative": "부정"}
# Online is the default medium and goes unnamed; the team's manual items name theirs.
MEDIUM_LABELS = {"online": "온라인", "print": "지면", "broadcast": "방송"}


def label_of(labels: Mapping[str, str], key: str | None) -> str:
    """A key's label: 미분류 for no key (or `unknown`), the key itself when it has no label."""
    if not key or key == UNKNOWN_KEY:
        return UNKNOWN_LABEL
    return labels.get(key, key)


def tier_label(key: str | None) -> str:
    """중앙지, 경제지, ... for an outlet tier key."""
    return label_of(TIER_LABELS, key)


def tone_label(key: str | None) -> str:
    """긍정, 중립 or 부정 for a tone key."""
    return label_of(TONE_LABELS, key)


def medium_label(key: str | None) -> str:
    """온라인, 지면 or 방송 for a medium key."""
    return label_of(MEDIUM_LABELS, key)


def topic_labels(config: Config) -> dict[str, str]:
    """The configured topics' labels by id (the default set when the file names none)."""
    return {t.id: t.label for t in config.topics}
