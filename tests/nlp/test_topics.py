"""Topic rule: keyword weights over title and body, catch-all when nothing scores."""

from __future__ import annotations

import pytest

from nlp.topics import DEFAULT_TOPICS, classify_topic

CASES = [
    ("agreement", "고양시, 바이오 기업과 업무협약 체결", "투자유치를 위한 협약을 맺었다."),
    ("meeting", "바이오 자문위원회 간담회 개최", "위원들은 현안을 논의했다."),
    ("event", "정밀의료 국제 포럼 개막", "세미나와 설명회가 이어진다."),
    ("overseas", "시장, 룩셈부르크 벤치마킹 출장", "유럽 연구기관을 찾았다."),
    ("infrastructure", "테크노밸리 착공", "부지 조성과 기반시설 공사가 시작됐다."),
    ("policy", "바이오 육성 조례 제정", "예산과 용역 계획을 세웠다."),
]


@pytest.mark.parametrize(("expected", "title", "body"), CASES, ids=[c[0] for c in CASES])
def test_each_category(expected: str, title: str, body: str) -> None:
    judgement = classify_topic(title, body, DEFAULT_TOPICS)
    assert judgement.value == expected, judgement
    assert judgement.reason.startswith("keywords:")
    assert 0.0 < judgement.score <= 1.0


def test_other_when_nothing_scores() -> None:
    judgement = classify_topic("오늘의 날씨", "맑고 따뜻하겠다.", DEFAULT_TOPICS)
    assert judgement.value == "other"
    assert judgement.score == 0.0


def test_title_outweighs_body() -> None:
    judgement = classify_topic("바이오 포럼 열려", "회의 회의 자리에서", DEFAULT_TOPICS)
    assert judgement.value == "event"
