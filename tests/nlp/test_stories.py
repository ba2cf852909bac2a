"""Story fingerprints: syndicated copies group, different stories do not, bytes round-trip."""

from __future__ import annotations

import pytest

from nlp._errors import NlpError
from nlp.stories import Fingerprint, copy_similarity, fingerprint_text, is_same_story

RELEASE = (
    "고양특례시는 26일 룩셈부르크 국립보건원과 고양보건연구소 설립을 위한 업무협약을 "
    "체결했다고 밝혔다. "
    "이번 협약에 따라 양 기관은 일산테크노밸리에 정밀의료 연구 거점을 마련하고 공동 연구 "
    "과제를 발굴한다. "
    "시는 연구소 운영 예산을 지원하고 국내 병원과 기업이 참여하는 협력 체계를 구축할 계획이다. "
    "이동환 시장은 고양이 바이오 산업의 중심지로 도약하는 계기가 될 것이라고 말했다. "
    "연구소는 내년 상반기 개소를 목표로 인력 채용과 장비 도입을 진행한다. "
    "룩셈부르크 측은 유럽 바이오 네트워크와 고양을 연결하는 가교 역할을 하겠다고 전했다."
)
FIRST_SENTENCE_END = RELEASE.index("밝혔다. ") + len("밝혔다. ")
EDITED_LEAD = (
    "[고양=뉴스1 김기자] 경기 고양시가 룩셈부르크 보건연구 기관과 손잡고 연구소를 세운다. "
    + RELEASE[FIRST_SENTENCE_END:]
)
CUT_HALF = RELEASE[: len(RELEASE) // 2]
BYLINE = RELEASE + " 박민수 기자 minsu@example.com 무단전재 및 재배포 금지"
OTHER = (
    "룩셈부르크 고양보건연구소가 개소 1주년을 맞아 연구 성과 발표회를 열었다. "
    "연구진은 암 환자 유전체 분석 결과와 국내 병원과의 공동 임상 계획을 소개했다. "
    "발표회에는 시의원과 지역 기업인 등 100여 명이 참석했으며 향후 인력 확충 방안도 논의됐다."
)


def test_copies_group() -> None:
    base = fingerprint_text(RELEASE)
    for copy in (EDITED_LEAD, CUT_HALF, BYLINE):
        assert is_same_story(base, fingerprint_text(copy)), copy_similarity(
            base, fingerprint_text(copy)
        )
    assert is_same_story(fingerprint_text(EDITED_LEAD), fingerprint_text(CUT_HALF))


def test_different_stories_apart() -> None:
    similarity = copy_similarity(fingerprint_text(RELEASE), fingerprint_text(OTHER))
    assert similarity < 0.3
    assert not is_same_story(fingerprint_text(RELEASE), fingerprint_text(OTHER))


def test_containment_beats_jaccard_for_cut_copy() -> None:
    full, half = fingerprint_text(RELEASE), fingerprint_text(CUT_HALF)
    assert copy_similarity(full, half) > 0.8
    assert half.shingles < full.shingles


def test_bytes_round_trip() -> None:
    fingerprint = fingerprint_text(RELEASE)
    restored = Fingerprint.from_bytes(fingerprint.to_bytes())
    assert restored == fingerprint
    with pytest.raises(NlpError):
        Fingerprint.from_bytes(b"\x00")


def test_empty_text_matches_nothing() -> None:
    assert copy_similarity(fingerprint_text(""), fingerprint_text(RELEASE)) == 0.0
