"""First relevance rule: is the article about the Goyang bio / precision-medicine cluster?"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp._records import EntitySpec, Judgement, Mention

__all__ = ["judge_relevance", "names_city_and_sector"]

# The city's own bio policy is the cluster even where the piece names no tracked body ("고양시,
# 바이오산업 조례 개정안 입법예고"): the city and the sector in one headline or lead sentence.
_CITY = re.compile(r"고양(?!이)")  # 고양이 is a cat
_SECTOR = re.compile(
    r"바이오(?!가스|매스|에너지|연료|디젤|플라스틱|차|에탄올)|정밀의료|첨단의료|의료산업"
)
_LEAD_SENTENCE = re.compile(r"[^\n]*?(?:[.!?](?=\s)|\n|$)")
_CLUSTER_TERMS = (
    "바이오",
    "정밀의료",
    "클러스터",
    "헬스케어",
    "연구소 유치",
    "연구소 설립",
    "협약",
    "의료산업",
    "바이오헬스",
    "첨단의료",
)
# Mentions early in the body count nearly as much as title ones; deep ones count less.
_TITLE_WEIGHT = 1.0
_LEAD_WEIGHT = 0.8
_DEEP_WEIGHT = 0.55
_LEAD_CHARS = 400


def _mention_weight(mention: Mention) -> float:
    """How much one mention says the article is about its entity (title > lead > deep body)."""
    if mention.field == "title":
        return _TITLE_WEIGHT
    return _LEAD_WEIGHT if mention.start < _LEAD_CHARS else _DEEP_WEIGHT


def _cluster_context(text: str) -> tuple[str, ...]:
    """The place and cluster terms present, or () when Goyang and a bio term do not co-occur."""
    city = _CITY.search(text)
    places = [city.group()] if city else []
    terms = [term for term in _CLUSTER_TERMS if term in text]
    return (*places, *terms) if places and terms else ()


def names_city_and_sector(title: str, body: str) -> tuple[str, ...]:
    """The city and bio-sector words when they meet in the headline or the lead sentence, else ().

    Bio-energy words (바이오가스, 바이오매스 ...) are not the sector.
    """
    lead = _LEAD_SENTENCE.match(body.lstrip())
    for text in (title, lead.group() if lead else ""):
        city, sector = _CITY.search(text), _SECTOR.search(text)
        if city and sector:
            return (city.group(), sector.group())
    return ()


def judge_relevance(
    title: str, body: str, mentions: Sequence[Mention], entities: Sequence[EntitySpec]
) -> Judgement:
    """Judge relevance: core entities alone, other entities only with Goyang-cluster context."""
    core = {spec.id for spec in entities if spec.core}
    tracked = {spec.id for spec in entities}
    core_hits = [m for m in mentions if m.entity in core]
    if core_hits:
        best = max(_mention_weight(m) for m in core_hits)
        names = sorted({m.text for m in core_hits})
        score = min(1.0, best + 0.05 * (len(core_hits) - 1))
        return Judgement("relevant", round(score, 3), f"core entity: {', '.join(names)}")
    other_hits = [m for m in mentions if m.entity in tracked]
    context = _cluster_context(f"{title}\n{body}")
    if other_hits and context:
        best = max(_mention_weight(m) for m in other_hits)
        names = sorted({m.text for m in other_hits})
        score = min(1.0, 0.6 + 0.3 * best + 0.02 * len(context))
        reason = f"tracked entity with cluster context: {', '.join(names)}; {', '.join(context)}"
        return Judgement("relevant", round(score, 3), reason)
    if other_hits:
        names = sorted({m.text for m in other_hits})
        score = 0.2 * max(_mention_weight(m) for m in other_hits)
        return Judgement(
            "irrelevant",
            round(score, 3),
            f"tracked entity without cluster context: {', '.join(names)}",
        )
    city_sector = names_city_and_sector(title, body)
    if city_sector:
        return Judgement(
            "relevant",
            0.6,
            f"the city's bio sector in the headline or lead: {', '.join(city_sector)}",
        )
    if context:
        return Judgement(
            "irrelevant", 0.15, f"cluster terms but no tracked entity: {', '.join(context)}"
        )
    return Judgement("irrelevant", 0.0, "no tracked entity")
