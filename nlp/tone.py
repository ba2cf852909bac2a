"""Lexicon-based tone of Korean public-sector news: positive, neutral or negative."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp._records import Judgement

__all__ = ["ToneCues", "classify_tone", "find_tone_cues"]

_NEGATIVE = (
    "지연",
    "무산",
    "차질",
    "논란",
    "비판",
    "의혹",
    "특혜",
    "반발",
    "우려",
    "표류",
    "좌초",
    "부실",
    "갈등",
    "감사 지적",
    "난항",
    "백지화",
    "취소",
    "중단",
    "위기",
    "불투명",
    "철회",
    "반대",
    "실패",
    "지적",
    "의문",
    "제동",
    "답보",
    "불발",
)
_POSITIVE = (
    "협약",
    "첫 삽",
    "착공",
    "유치",
    "선정",
    "개소",
    "성과",
    "기대",
    "도약",
    "활성화",
    "선도",
    "확정",
    "성공",
    "출범",
    "첫발",
    "본격화",
    "탄력",
    "기여",
    "강화",
    "육성",
    "창출",
    "호평",
    "우수",
)
# A cue followed closely by one of these is negated ("우려 해소", "지연되지 않도록").
_NEGATORS = re.compile(r"^[가-힣\s]{0,6}?(않|없|해소|불식|아니|벗어|극복|털어)")
_NEGATION_WINDOW = 10
# A positive cue directly followed by a negative one ("개소 무산", "유치 실패") is what failed.
_UNDONE = re.compile(r"^[가-힣]{0,2}\s?(?:" + "|".join(map(re.escape, _NEGATIVE)) + ")")
_TITLE_WEIGHT = 2.0
_MIN_WEIGHT = 1.5  # below this much evidence the article is neutral
_MIN_BALANCE = 0.25  # |pos - neg| / (pos + neg) must exceed this to leave neutral


def _score_cues(
    text: str, cues: tuple[str, ...], weight: float
) -> tuple[float, list[str], list[str]]:
    """Weight of un-negated cues in `text`, the words counted, and the negated ones."""
    total = 0.0
    counted: list[str] = []
    negated: list[str] = []
    for cue in sorted(cues, key=len, reverse=True):
        for match in re.finditer(re.escape(cue), text):
            after = text[match.end() : match.end() + _NEGATION_WINDOW]
            if _NEGATORS.match(after) or (cues is _POSITIVE and _UNDONE.match(after)):
                negated.append(cue)
                continue
            total += weight
            counted.append(cue)
        # Shorter cues inside a longer one ("지적" in "감사 지적") count once.
        text = text.replace(cue, " " * len(cue))
    return total, counted, negated


@dataclass(frozen=True)
class ToneCues:
    """The lexicon's tone cues found in one article (title cues weigh double)."""

    positive: float
    negative: float
    positive_words: tuple[str, ...]
    negative_words: tuple[str, ...]
    negated_words: tuple[str, ...]


def find_tone_cues(title: str, body: str) -> ToneCues:
    """Weighted, un-negated positive and negative cues of the lexicon in title and body."""
    neg_t, neg_words_t, negated_t = _score_cues(title, _NEGATIVE, _TITLE_WEIGHT)
    neg_b, neg_words_b, negated_b = _score_cues(body, _NEGATIVE, 1.0)
    pos_t, pos_words_t, _ = _score_cues(title, _POSITIVE, _TITLE_WEIGHT)
    pos_b, pos_words_b, _ = _score_cues(body, _POSITIVE, 1.0)
    return ToneCues(
        positive=pos_t + pos_b,
        negative=neg_t + neg_b,
        positive_words=tuple(sorted(set(pos_words_t + pos_words_b))),
        negative_words=tuple(sorted(set(neg_words_t + neg_words_b))),
        negated_words=tuple(sorted(set(negated_t + negated_b))),
    )


def classify_tone(title: str, body: str) -> Judgement:
    """Classify the tone from weighted lexicon cues with negation; neutral when weak or balanced."""
    cues = find_tone_cues(title, body)
    negative, positive = cues.negative, cues.positive
    total = negative + positive
    balance = (positive - negative) / total if total else 0.0
    parts = []
    if cues.positive_words:
        parts.append("positive: " + ", ".join(cues.positive_words))
    if cues.negative_words:
        parts.append("negative: " + ", ".join(cues.negative_words))
    if cues.negated_words:
        parts.append("negated: " + ", ".join(cues.negated_words))
    reason = "; ".join(parts) or "no tone cue"
    if total < _MIN_WEIGHT or abs(balance) <= _MIN_BALANCE:
        return Judgement("neutral", round(1.0 - abs(balance), 3), reason)
    value = "positive" if balance > 0 else "negative"
    return Judgement(value, round(abs(balance), 3), reason)
