"""Story fingerprints: syndicated copies group, different stories do not, bytes round-trip."""

from __future__ import annotations

import re
import struct
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from nlp._errors import NlpError
from nlp.stories import (
    STORY_WINDOW_DAYS,
    Fingerprint,
    StaleFingerprint,
    StoryEvidence,
    copy_similarity,
    fact_similarity,
    fingerprint_text,
    is_same_story,
    is_versioned_headline,
    match_story,
    pick_story,
    reference_weights,
    story_facts,
)
from nlp.text import title_key

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


# --- the fact signal, versions, stale bytes, choosing a story ---------------------------------

WEIGHTS = reference_weights()
REWRITE_A = (
    "고양시, 국립암센터와 정밀의료 공동연구센터 설립 협약",
    "경기 고양특례시는 지난 14일 시청 접견실에서 국립암센터와 '정밀의료 공동연구센터' 설립을 "
    "위한 업무협약을 맺었다고 15일 밝혔다.\n"
    "양 기관은 3년간 50억원을 들여 일산테크노밸리 안에 연구센터를 세우고 암 환자 유전체 "
    "데이터를 함께 분석한다. 센터에는 연구원 40명이 상주할 예정이다.\n"
    '이동환 시장은 "정밀의료 도시로 가는 첫걸음"이라고 말했다.',
)
REWRITE_B = (
    "국립암센터-고양특례시, 50억 들여 정밀의료 연구센터 세운다",
    "국립암센터가 고양특례시와 손잡고 일산테크노밸리에 정밀의료 공동연구센터를 짓는다.\n"
    "두 기관은 14일 협약식을 열고 향후 3년 동안 총 50억원을 투입하기로 합의했다. 연구 인력 "
    "40명 규모의 센터는 암 유전체 분석과 임상 데이터 공유를 맡는다.\n"
    "국립암센터 관계자는 지역 병원과 기업의 참여도 늘려가겠다고 했다.",
)
SAME_WEEK_OTHER_EVENT = (
    "국립암센터·고양시, 킨텍스서 암 예방 시민 건강강좌",
    "국립암센터와 고양특례시가 16일 킨텍스 제2전시장에서 시민 300명을 대상으로 암 예방 "
    "건강강좌를 열었다.\n"
    "강좌에서는 생활 습관과 조기 검진의 중요성이 소개됐고, 무료 상담 부스도 운영됐다.\n"
    "시 관계자는 하반기에도 찾아가는 건강강좌를 6회 더 열겠다고 밝혔다.",
)
KST_ = timezone(timedelta(hours=9))


def _evidence(
    text: tuple[str, str],
    day: int,
    *,
    outlet: str,
    hour: int = 9,
    entities: frozenset[str] = frozenset({"ncc"}),
) -> StoryEvidence:
    title, body = text
    return StoryEvidence(
        key=f"https://{outlet}.example/{day}/{hour}/{title_key(title)[:10]}",
        published_date=date(2025, 5, day),
        published_at=datetime(2025, 5, day, hour, tzinfo=KST_),
        outlet=outlet,
        headline=title,
        fingerprint=fingerprint_text(body or title),
        facts=story_facts(title, body),
        entities=entities,
    )


def test_rewrites_of_one_release_join_on_facts_not_text() -> None:
    a, b = _evidence(REWRITE_A, 15, outlet="a"), _evidence(REWRITE_B, 15, outlet="b")
    assert a.fingerprint is not None and b.fingerprint is not None
    assert not is_same_story(a.fingerprint, b.fingerprint)  # the text alone misses them
    found = match_story(a, b, WEIGHTS)
    assert found is not None and found.kind == "facts", fact_similarity(a.facts, b.facts, WEIGHTS)


def test_same_entity_same_week_different_event_stays_apart() -> None:
    release = _evidence(REWRITE_A, 15, outlet="a")
    other = _evidence(SAME_WEEK_OTHER_EVENT, 17, outlet="b")
    assert match_story(release, other, WEIGHTS) is None
    assert match_story(_evidence(REWRITE_B, 15, outlet="c"), other, WEIGHTS) is None


def test_a_rewrite_judged_about_another_subject_does_not_join_on_facts() -> None:
    a, b = _evidence(REWRITE_A, 15, outlet="a"), _evidence(REWRITE_B, 15, outlet="b")
    apart = replace(b, relevant=False)
    assert match_story(replace(a, relevant=True), apart, WEIGHTS) is None
    assert match_story(replace(a, relevant=True), replace(b, relevant=True), WEIGHTS) is not None
    assert match_story(a, apart, WEIGHTS) is not None  # one verdict unknown: facts still count


def test_shared_facts_need_a_shared_entity_and_the_window() -> None:
    a = _evidence(REWRITE_A, 15, outlet="a")
    b = _evidence(REWRITE_B, 15, outlet="b", entities=frozenset({"kintex"}))
    assert match_story(a, b, WEIGHTS) is None
    late = _evidence(REWRITE_B, 15 + STORY_WINDOW_DAYS + 1, outlet="b")
    assert match_story(a, late, WEIGHTS) is None


def test_flash_and_roundup_of_one_outlet_join() -> None:
    flash = _evidence(("[1보] 고양시-국립암센터 정밀의료 협약", ""), 15, outlet="wire", hour=9)
    roundup = _evidence((REWRITE_A[0] + "(종합)", REWRITE_A[1]), 15, outlet="wire", hour=13)
    found = match_story(flash, roundup, WEIGHTS)
    assert found is not None and found.kind == "version"
    # Another outlet's flash, or the same outlet days later, is not a version of it.
    other_outlet = _evidence(("[1보] 고양시-국립암센터 정밀의료 협약", ""), 15, outlet="other")
    assert match_story(other_outlet, roundup, WEIGHTS) is None
    next_day = _evidence(("[속보] 국립암센터 신임 원장 취임", ""), 17, outlet="wire")
    assert match_story(next_day, roundup, WEIGHTS) is None


def test_version_labels_are_recognised() -> None:
    for headline in (
        "[1보] 고양시 협약",
        "고양시 협약(종합)",
        "[속보] 협약",
        "협약 (2보)",
        "협약(수정)",
    ):
        assert is_versioned_headline(headline), headline
    assert not is_versioned_headline("고양시, 바이오 협약 체결")


def test_pick_story_prefers_earlier_then_lowest_story() -> None:
    article = _evidence(REWRITE_B, 16, outlet="b")
    earlier = _evidence(REWRITE_A, 15, outlet="a")
    later = _evidence(REWRITE_A, 17, outlet="c")
    assert pick_story(article, [(9, later), (4, earlier)], WEIGHTS) == 4
    assert pick_story(article, [(9, later)], WEIGHTS) == 9  # a late find joins later copies
    assert pick_story(article, [(7, earlier), (3, earlier)], WEIGHTS) == 3
    assert pick_story(article, [], WEIGHTS) is None


def test_old_format_bytes_are_stale() -> None:
    old = struct.pack("<II", 40, 128) + bytes(8 * 128)
    with pytest.raises(StaleFingerprint):
        Fingerprint.from_bytes(old)
    assert Fingerprint.from_bytes(fingerprint_text(RELEASE).to_bytes()).shingles > 0


def test_minhash_estimates_the_exact_jaccard() -> None:
    def shingles(text: str) -> set[str]:
        squeezed = re.sub(r"[\W_]+", "", text.lower())
        return {squeezed[i : i + 5] for i in range(len(squeezed) - 4)}

    for a, b in ((RELEASE, EDITED_LEAD), (RELEASE, OTHER), (REWRITE_A[1], REWRITE_B[1])):
        exact = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
        hits = sum(
            x == y
            for x, y in zip(
                fingerprint_text(a).hashvalues, fingerprint_text(b).hashvalues, strict=True
            )
        )
        # 128 permutations: the estimate's standard error is at most 0.045.
        assert abs(hits / 128 - exact) < 0.15, (exact, hits)
