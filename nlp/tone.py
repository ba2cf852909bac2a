"""Lexicon-based tone of Korean public-sector news: positive, neutral or negative."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp._records import Judgement
from nlp.text import SENTENCE

__all__ = [
    "CueHit",
    "ToneCues",
    "classify_tone",
    "explain_tone",
    "find_tone_cues",
    "locate_hedges",
    "locate_tone_cues",
]


def _cue_list(text: str) -> tuple[str, ...]:
    """Comma-separated cue words (some hold a space: "첫 삽") as a tuple."""
    return tuple(word.strip() for word in text.split(",") if word.strip())


# The press-office vocabulary of docs/TONE.md: criticism, delay, failure, suspicion, conflict,
# audit findings, incidents, cuts and closures (유찰, 불용, 부적정, 고장, 유출, 파업, 감축 ...).
_NEGATIVE = _cue_list(
    """
    지연, 무산, 차질, 논란, 비판, 의혹, 특혜, 반발, 우려, 표류, 좌초, 부실, 갈등, 감사 지적,
    난항, 백지화, 취소, 중단, 위기, 불투명, 철회, 반대, 실패, 지적, 의문, 제동, 답보, 불발,
    탈락, 고배, 삭감, 질타, 해명, 보류, 늦어, 늦춰, 연기, 저조, 먹구름, 빨간불, 적신호, 파행,
    공방, 충돌, 반토막, 혈세, 낭비, 외유, 깜깜이, 졸속, 난립, 남발, 이탈, 민원, 불편, 소외,
    불만, 미흡, 부진, 그쳐, 그친, 못 미, 급감, 적자, 악화, 피해, 폐쇄, 축소, 손실, 위법, 고발,
    수사, 패싱, 꼬집, 따졌, 도마, 불신, 몸살, 발 동동, 허탈, 빈손, 부풀리, 보여주기, 침체,
    역성장, 지지부진, 제자리, 경고, 혼란, 과열, 과다, 비상, 걸림돌, 한계, 약점, 호소, 토로,
    사각지대, 위협, 과잉, 인력난, 어려움, 고통, 잇단, 줄줄이, 발목, 엇박자, 규탄, 사퇴, 징계,
    소송, 사고, 유찰, 미달, 불용, 미반영, 부결, 반려, 후퇴, 미진, 원점, 반쪽, 공회전, 헛바퀴,
    안갯속, 오리무중, 유명무실, 공수표, 빈껍데기, 늑장, 뒷북, 허술, 잡음, 불협화음, 적체, 속출,
    부적정, 주의 처분, 시정 요구, 기관 경고, 위반, 적발, 과태료, 기소, 구속, 압수수색, 누락,
    오류, 고장, 손상, 유출, 파업, 농성, 시위, 항의, 악취, 감축, 구조조정, 폐업, 철수, 자금난,
    해지
    """
)
# ...and achievements, agreements, designations won, openings, praise.
_POSITIVE = _cue_list(
    """
    협약, 첫 삽, 착공, 유치, 선정, 개소, 성과, 기대, 도약, 활성화, 선도, 확정, 성공, 출범,
    첫발, 본격화, 탄력, 기여, 강화, 육성, 창출, 호평, 우수, 성료, 성황, 호응, 확보, 체결, 돌파,
    역대 최대, 최초, 수상, 달성, 합의, 손잡, 맞손, 결실, 교두보, 가시화, 주목, 입증, 환영,
    쾌거, 발판, 마중물, 청신호, 순항, 가속, 인기, 개원, 개관, 준공, 공감, 통과, 지정, 효과,
    개선, 최대, 강점, 기회, 속도, 획득, 최다, 기부, 나눔, 향상, 단축, 흥행, 선발, 1위, 인증,
    개통, 혜택, 만족, 호황, 수주, 승인, 완공, 신기록, 반등, 흑자, 호조, 훈풍, 물꼬, 숨통, 날개,
    돌파구, 낭보
    """
)
# Hedges turn a report of good news into a neutral one ("다만 재원은 정해지지 않았다").
_HEDGES = _cue_list(
    """
    다만, 하지만, 그러나, 반면, 아직, 과제, 관건, 미정, 정해지지, 불확실, 장담, 변수, 숙제,
    남았, 남아, 지켜봐야, 미지수
    """
)
# Cue words that begin other words: 반려동물 is a pet, not a rejection; 유치원 a kindergarten,
# 민원실 the civic-service desk, 지적재산 intellectual property, 구속력 binding force.
_FALSE_FRIENDS = {
    "반려": "동물|견|묘|식물|인|가족|생활",
    "유치": "원",
    "민원": "실|인|창구|센터",
    "지적": "장애|재산|능력|호기심|측량|도",
    "구속": "력",
    "연기": "자|력|학",
    "사고": "방식|력",
    "비상": "구|계단|벨",
}
# Shortfalls said with a count: "입주 계약은 2곳뿐", "3건뿐"; and 속 빈 강정.
_NEGATIVE_PATTERNS = (r"\d[\d,.]*\s?(?:곳|건|명|개사|개|가구|%)\s?뿐", r"속\s?빈\s?강정")


_Trie = dict[str, "_Trie"]
_END = ""  # the key that marks a cue ending at a trie node


def _trie_regex(node: _Trie) -> str:
    """The regex of one trie node: its branches first (so a longer cue wins), then its end."""
    branches = [re.escape(char) + _trie_regex(child) for char, child in node.items() if char]
    if _END not in node:
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    word = next(iter(node[_END]))
    end = f"(?!{_FALSE_FRIENDS[word]})" if word in _FALSE_FRIENDS else ""
    return "(?:" + "|".join([*branches, end]) + ")" if branches else end


def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a cue list, as a trie: at each position only the branch of its first
    character is tried, and the longest cue there wins; false friends are refused."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {word: {}}
    return re.compile(_trie_regex(trie))


# One pattern per polarity, longest cue first, so a longer cue wins at its position ("감사
# 지적" over "지적") and a text is scanned once per polarity, not once per cue.
_NEGATIVE_CUES = _alternation(_NEGATIVE)
_POSITIVE_CUES = _alternation(_POSITIVE)
# Apart from the trie: in one alternation they would cost the regex engine its fast scan for the
# characters a cue can start with (4x slower).
_SHORTFALLS = re.compile("|".join(_NEGATIVE_PATTERNS))
# A cue followed closely by one of these is negated ("우려 해소", "지연되지 않도록").
_NEGATORS = re.compile(r"^[가-힣\s]{0,6}?(않|없|해소|불식|아니|벗어|극복|털어)")
_NEGATION_WINDOW = 10
# A positive cue directly followed by a negative one ("개소 무산", "유치 실패") is what failed.
_UNDONE = re.compile(r"^[가-힣]{0,2}\s?(?:" + _NEGATIVE_CUES.pattern + ")")
# The hopes of a press release ("활성화될 것으로 기대한다", a mayor's "지원을 아끼지 않겠다") are
# not news of a success: docs/TONE.md has such a piece neutral. A positive cue inside a quotation
# or in a sentence that ends in a hope, plan or promise is "hoped" and does not count as praise.
# Criticism is often quoted ("예산 낭비"), so quoted negative cues still count.
_QUOTATION = re.compile(r'"[^"\n]*"|“[^”\n]*”')
_HOPE = re.compile(r"기대|전망|계획|방침|예정|목표|구상|하겠|할 것|될 것|키우겠|추진한다|추진할")
_HOPE_TAIL_CHARS = 25  # the predicate at a Korean sentence's end says what kind of sentence it is
_TITLE_WEIGHT = 2.0
_MIN_WEIGHT = 1.5  # below this much evidence the article is neutral
_MIN_BALANCE = 0.25  # |pos - neg| / (pos + neg) must exceed this to leave neutral


@dataclass(frozen=True)
class CueHit:
    """One lexicon cue in a text: word, polarity ("+", "-", "~" when negated) and offset.

    `hoped` marks a positive cue that only voices a hope or plan (quoted, or in a sentence ending
    in 기대·계획·하겠다 ...): evidence of a press release's wishes, not of a success.
    """

    word: str
    polarity: str
    start: int
    hoped: bool = False


def _hoped_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that voice hopes: quotations and sentences ending in a hope or plan."""
    spans = [(m.start(), m.end()) for m in _QUOTATION.finditer(text)]
    for sentence in SENTENCE.finditer(text):
        if _HOPE.search(sentence.group()[-_HOPE_TAIL_CHARS:]):
            spans.append((sentence.start(), sentence.end()))
    return spans


def locate_tone_cues(text: str) -> list[CueHit]:
    """Every lexicon cue in `text` with its offset; negated or undone cues carry polarity "~"."""
    hits: list[CueHit] = []
    hoped = _hoped_spans(text)
    for cues, polarity in ((_NEGATIVE_CUES, "-"), (_SHORTFALLS, "-"), (_POSITIVE_CUES, "+")):
        for match in cues.finditer(text):
            after = text[match.end() : match.end() + _NEGATION_WINDOW]
            undone = polarity == "+" and _UNDONE.match(after)
            negated = bool(_NEGATORS.match(after) or undone)
            wished = polarity == "+" and any(a <= match.start() < b for a, b in hoped)
            hits.append(CueHit(match.group(), "~" if negated else polarity, match.start(), wished))
    return sorted(hits, key=lambda hit: hit.start)


def locate_hedges(text: str) -> list[int]:
    """Offsets of the hedging words in `text` (다만, 아직, 과제로 남았다 ...)."""
    return sorted(m.start() for hedge in _HEDGES for m in re.finditer(re.escape(hedge), text))


_Scored = tuple[float, float, list[str], list[str], list[str], list[str]]


def _score_cues(text: str, weight: float) -> _Scored:
    """Weights of un-negated positive and negative cues in `text`, and the words of each kind
    (positive, negative, negated, hoped)."""
    positive = negative = 0.0
    pos_words: list[str] = []
    neg_words: list[str] = []
    negated: list[str] = []
    hoped: list[str] = []
    for hit in locate_tone_cues(text):
        if hit.polarity == "+" and hit.hoped:
            hoped.append(hit.word)  # a hope, not an achievement
        elif hit.polarity == "+":
            positive += weight
            pos_words.append(hit.word)
        elif hit.polarity == "-":
            negative += weight
            neg_words.append(hit.word)
        else:
            negated.append(hit.word)
    return positive, negative, pos_words, neg_words, negated, hoped


@dataclass(frozen=True)
class ToneCues:
    """The lexicon's tone cues found in one article (title cues weigh double)."""

    positive: float
    negative: float
    positive_words: tuple[str, ...]
    negative_words: tuple[str, ...]
    negated_words: tuple[str, ...]
    hoped_words: tuple[str, ...] = ()


def find_tone_cues(title: str, body: str) -> ToneCues:
    """Weighted, un-negated positive and negative cues of the lexicon in title and body."""
    pos_t, neg_t, pos_words_t, neg_words_t, negated_t, hoped_t = _score_cues(title, _TITLE_WEIGHT)
    pos_b, neg_b, pos_words_b, neg_words_b, negated_b, hoped_b = _score_cues(body, 1.0)
    return ToneCues(
        positive=pos_t + pos_b,
        negative=neg_t + neg_b,
        positive_words=tuple(sorted(set(pos_words_t + pos_words_b))),
        negative_words=tuple(sorted(set(neg_words_t + neg_words_b))),
        negated_words=tuple(sorted(set(negated_t + negated_b))),
        hoped_words=tuple(sorted(set(hoped_t + hoped_b))),
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
    if cues.hoped_words:
        parts.append("only hoped: " + ", ".join(cues.hoped_words))
    reason = "; ".join(parts) or "no tone cue"
    if total < _MIN_WEIGHT or abs(balance) <= _MIN_BALANCE:
        return Judgement("neutral", round(1.0 - abs(balance), 3), reason)
    value = "positive" if balance > 0 else "negative"
    return Judgement(value, round(abs(balance), 3), reason)


_REASON_CUES, _REASON_WORDS = 4, 6


def explain_tone(judgement: Judgement, title: str, body: str) -> Judgement:
    """A model's tone verdict with the lexicon's cues of that polarity named first in its reason.

    The model weighs the cues as counts, so its own reason lists only lemmas ("따르다, 우려");
    a reader needs the words that made the piece negative (지연, 난항, 표류).
    """
    if judgement.value not in ("positive", "negative"):
        return judgement
    cues = find_tone_cues(title, body)
    words = cues.positive_words if judgement.value == "positive" else cues.negative_words
    if not words:
        return judgement
    head, _, listed = judgement.reason.partition(": ")
    lemmas = [w for w in listed.split(", ") if w and w != "no decisive word"]
    shown = list(dict.fromkeys([*words[:_REASON_CUES], *lemmas]))[:_REASON_WORDS]
    return Judgement(judgement.value, judgement.score, f"{head}: {', '.join(shown)}")
