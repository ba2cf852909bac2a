"""Tone lexicon: positive, neutral, negative, negation and title weight."""

from __future__ import annotations

from nlp._records import Judgement
from nlp.tone import classify_tone, explain_tone, locate_hedges, locate_tone_cues


def test_positive() -> None:
    judgement = classify_tone(
        "고양시, 바이오 연구소 유치 성공", "협약으로 클러스터 활성화가 기대된다."
    )
    assert judgement.value == "positive"
    assert "유치" in judgement.reason


def test_negative() -> None:
    judgement = classify_tone(
        "테크노밸리 사업 지연 논란", "부지 보상 차질로 사업이 표류하고 있다는 비판이 나온다."
    )
    assert judgement.value == "negative"
    assert "지연" in judgement.reason and "표류" in judgement.reason


def test_neutral_without_cues() -> None:
    assert classify_tone("시의회 정례회 개회", "의원들이 안건을 심사한다.").value == "neutral"


def test_neutral_when_balanced() -> None:
    assert classify_tone("협약 두고 논란", "").value == "neutral"


def test_negation_flips_negative_cue() -> None:
    judgement = classify_tone("사업 지연 우려 해소", "일정에 차질은 없다고 밝혔다.")
    assert judgement.value != "negative"
    assert "negated" in judgement.reason


def test_title_weighs_more_than_body() -> None:
    judgement = classify_tone("연구소 개소 무산", "기대를 모았다.")
    assert judgement.value == "negative"


def test_cues_are_located_with_negation_and_failure() -> None:
    hits = locate_tone_cues("연구소 개소 무산, 일정 차질은 없다. 협약 체결")
    found = {(h.word, h.polarity) for h in hits}
    assert ("개소", "~") in found  # what failed is not an achievement
    assert ("무산", "-") in found
    assert ("차질", "~") in found  # 차질은 없다: negated
    assert ("협약", "+") in found and ("체결", "+") in found
    assert [h.start for h in hits] == sorted(h.start for h in hits)


def test_hedges_are_located() -> None:
    text = "협약을 맺었다. 다만 재원은 아직 정해지지 않았다."
    assert len(locate_hedges(text)) == 3
    assert locate_hedges("협약을 맺었다.") == []


def test_hopes_and_quoted_praise_are_not_achievements() -> None:
    # docs/TONE.md: a plain announcement closing on the mayor's hopes stays neutral.
    body = (
        "고양시는 바이오산업 육성 기본계획 수립 용역 착수보고회를 열었다고 3일 밝혔다.\n"
        '이동환 시장은 "바이오 클러스터 활성화에 최선을 다하겠다"고 말했다.\n'
        "시는 이번 용역으로 기업 유치가 본격화할 것으로 기대하고 있다."
    )
    hits = locate_tone_cues(body)
    assert {h.word for h in hits if h.hoped} >= {"활성화", "유치"}
    judgement = classify_tone("고양시, 바이오산업 기본계획 용역 착수보고회", body)
    assert judgement.value == "neutral"
    assert "only hoped" in judgement.reason


def test_achievements_reported_as_done_still_count() -> None:
    body = "고양시는 룩셈부르크 국립보건원과 연구소 설치 협약을 체결했다고 밝혔다."
    assert not any(h.hoped for h in locate_tone_cues(body))
    assert classify_tone("고양시, 연구소 설치 협약 체결", body).value == "positive"


def test_quoted_criticism_still_counts() -> None:
    body = '시의원은 "사업이 2년째 표류하고 있다"며 "예산 낭비"라고 비판했다.'
    assert classify_tone("시의회, 바이오 사업 질타", body).value == "negative"


def test_words_that_begin_with_a_cue_are_not_that_cue() -> None:
    # 반려동물 is a pet, not a rejection; 민원실 a desk; 구속력 binding force.
    mou = classify_tone("고양시, 반려동물 바이오 기업 3곳과 입주 협약", "협약을 체결했다.")
    assert mou.value == "positive" and "반려" not in mou.reason
    assert [h.word for h in locate_tone_cues("민원실에 비치, 법적 구속력은 없다")] == []
    assert [h.polarity for h in locate_tone_cues("특허 신청을 반려했다")] == ["-"]


def test_a_shortfall_said_with_a_count_is_negative() -> None:
    # docs/TONE.md's own example: "협약 14건 중 입주는 2곳뿐" is negative.
    judgement = classify_tone(
        "투자협약 14건…실제 입주는 2곳뿐", "협약을 맺은 기업 14곳 가운데 입주 계약은 2곳뿐이다."
    )
    assert judgement.value != "positive" and "negative: 2곳뿐" in judgement.reason
    assert classify_tone("입주 2곳뿐…분양 또 지연", "").value == "negative"


def test_a_models_verdict_names_the_lexicon_cues_first() -> None:
    model = Judgement("negative", 0.8, "model tone v3: 따르다, 우려, 년")
    explained = explain_tone(
        model, "착공 또 지연", "부지 보상이 난항을 겪으며 사업이 표류하고 있다."
    )
    assert explained.reason.startswith("model tone v3: ")
    words = explained.reason.split(": ", 1)[1].split(", ")
    assert {"지연", "난항", "표류"} <= set(words[:4]) and "따르다" in words
    neutral = Judgement("neutral", 0.6, "model tone v3: 개최")
    assert explain_tone(neutral, "착공 또 지연", "") == neutral
