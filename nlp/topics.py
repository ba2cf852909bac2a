"""Topic categories and the first topic rule: keyword weights over title and body."""

from __future__ import annotations

from collections.abc import Sequence

from nlp._records import Judgement, TopicSpec

__all__ = ["DEFAULT_TOPICS", "classify_topic"]

# A keyword in the title says more about the topic than one in the body.
_TITLE_WEIGHT = 3.0
_BODY_WEIGHT = 1.0
# Repeats in a long body should not swamp one title hit.
_BODY_CAP = 3

DEFAULT_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        "agreement",
        "협약·투자유치",
        (
            "협약",
            "업무협약",
            "MOU",
            "양해각서",
            "투자유치",
            "투자 유치",
            "유치",
            "체결",
            "입주 계약",
            "손잡",
            "맞손",
        ),
    ),
    TopicSpec(
        "meeting",
        "회의·간담회·자문",
        ("회의", "간담회", "자문", "자문위원", "협의회", "위원회", "면담", "방문", "논의"),
    ),
    TopicSpec(
        "event",
        "포럼·행사·교육",
        (
            "포럼",
            "행사",
            "교육",
            "세미나",
            "심포지엄",
            "콘퍼런스",
            "컨퍼런스",
            "박람회",
            "개소식",
            "설명회",
        ),
    ),
    TopicSpec(
        "overseas",
        "해외협력·벤치마킹",
        ("해외", "벤치마킹", "방문단", "출장", "순방", "국외", "현지 방문", "해외 방문"),
    ),
    TopicSpec(
        "infrastructure",
        "조성·착공·지정",
        ("조성", "착공", "지정", "준공", "부지", "건립", "특화단지", "기반시설", "분양", "개발"),
    ),
    TopicSpec(
        "policy",
        "계획·조례·용역·예산",
        (
            "계획",
            "조례",
            "용역",
            "예산",
            "전략",
            "정책",
            "추진계획",
            "국비",
            "공모",
            "건의안",
            "촉구",
            "제언",
            "보고서",
        ),
    ),
    TopicSpec("other", "기타", ()),
)


def _fallback_id(topics: Sequence[TopicSpec]) -> str:
    """The catch-all topic: the one without keywords, else "other"."""
    for topic in topics:
        if not topic.keywords:
            return topic.id
    return "other"


def classify_topic(title: str, body: str, topics: Sequence[TopicSpec]) -> Judgement:
    """Pick the topic whose keywords weigh most (title counts more); the catch-all when none."""
    best_id, best_score = _fallback_id(topics), 0.0
    best_terms: tuple[str, ...] = ()
    total = 0.0
    for topic in topics:
        score = 0.0
        terms: list[str] = []
        # Longest keywords first so "투자유치" is not counted again as "유치".
        remaining_title, remaining_body = title, body
        for keyword in sorted(topic.keywords, key=len, reverse=True):
            in_title = remaining_title.count(keyword)
            in_body = min(remaining_body.count(keyword), _BODY_CAP)
            if in_title or in_body:
                terms.append(keyword)
                score += _TITLE_WEIGHT * in_title + _BODY_WEIGHT * in_body
                remaining_title = remaining_title.replace(keyword, " ")
                remaining_body = remaining_body.replace(keyword, " ")
        total += score
        if score > best_score:
            best_id, best_score, best_terms = topic.id, score, tuple(terms)
    if best_score == 0.0:
        return Judgement(best_id, 0.0, "no topic keyword")
    return Judgement(best_id, round(best_score / total, 3), "keywords: " + ", ".join(best_terms))
