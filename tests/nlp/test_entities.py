"""Entity tagging: particles, multi-word names, spacing, Latin aliases, ambiguity, offsets."""

from __future__ import annotations

import pytest

from nlp._records import EntitySpec
from nlp.entities import EntityTagger, build_tagger, tag_entities
from nlp.kiwi import Kiwi

ENTITIES = (
    EntitySpec(
        "lih-g", "룩셈부르크 고양보건연구소", ("LIH-G", "고양보건연구소"), parent="lih", core=True
    ),
    EntitySpec(
        "lih", "룩셈부르크 국립보건원", ("LIH", "룩셈부르크 보건연구소"), context=("룩셈부르크",)
    ),
    EntitySpec("ncc", "국립암센터", ("NCC",), context=("암센터", "일산", "고양")),
    EntitySpec("goyang-institute", "고양연구원", ("고양시정연구원",)),
    EntitySpec("kintex", "킨텍스", ("KINTEX",), generic=()),
    EntitySpec("dongguk-bmc", "동국대 바이오메디캠퍼스", ("동국대 BMC",), context=("동국대",)),
    EntitySpec("nhis-ilsan", "국민건강보험 일산병원", ("건보 일산병원", "일산병원")),
    EntitySpec(
        "bio-cluster",
        "바이오 클러스터",
        ("바이오클러스터",),
        generic=("바이오 클러스터",),
        context=("고양",),
        core=True,
    ),
)


@pytest.fixture(scope="module")
def tagger(kiwi: Kiwi) -> EntityTagger:
    """One tagger over the test entities."""
    return build_tagger(kiwi, ENTITIES)


def _ids(tagger: EntityTagger, title: str, body: str = "") -> list[tuple[str, str]]:
    return [(m.entity, m.text) for m in tag_entities(tagger, title, body)]


def test_particles_attach_without_breaking_names(tagger: EntityTagger) -> None:
    found = _ids(tagger, "", "고양시는 국립암센터와 협약을 맺었다. LIH-G가 참여한다.")
    assert ("ncc", "국립암센터") in found
    assert ("lih-g", "LIH-G") in found


def test_multi_word_name_is_one_mention(tagger: EntityTagger) -> None:
    found = _ids(tagger, "룩셈부르크 고양보건연구소 개소", "")
    assert found == [("lih-g", "룩셈부르크 고양보건연구소")]


def test_spacing_variant(tagger: EntityTagger) -> None:
    assert _ids(tagger, "", "국립 암센터 연구진이 발표했다.") == [("ncc", "국립 암센터")]


def test_latin_case_and_word_boundary(tagger: EntityTagger) -> None:
    body = "국립암센터는 NCCN 지침을 따른다. ncc 표기는 소문자다."
    assert _ids(tagger, "", body) == [("ncc", "국립암센터")]


def test_short_acronym_needs_context(tagger: EntityTagger) -> None:
    assert _ids(tagger, "", "NCC 보고서가 공개됐다.") == []
    assert _ids(tagger, "", "NCC 보고서가 공개됐다. 일산 소재 기관이다.") == [("ncc", "NCC")]


def test_generic_alias_needs_context(tagger: EntityTagger) -> None:
    assert _ids(tagger, "", "송도 바이오 클러스터가 커졌다.") == []
    found = _ids(tagger, "", "고양 바이오 클러스터가 커졌다.")
    assert ("bio-cluster", "바이오 클러스터") in found


def test_parent_and_branch_stay_apart(tagger: EntityTagger) -> None:
    found = _ids(
        tagger, "", "룩셈부르크 국립보건원과 LIH-G는 다르다. LIH 본원은 룩셈부르크에 있다."
    )
    assert found == [("lih", "룩셈부르크 국립보건원"), ("lih-g", "LIH-G"), ("lih", "LIH")]
    assert all(e != "lih" for e, _ in _ids(tagger, "", "LIH-G 소장이 방문했다."))


def test_alias_maps_to_same_id(tagger: EntityTagger) -> None:
    assert _ids(tagger, "고양시정연구원 보고서", "고양연구원은 밝혔다.") == [
        ("goyang-institute", "고양시정연구원"),
        ("goyang-institute", "고양연구원"),
    ]


def test_offsets_and_sentences(tagger: EntityTagger) -> None:
    title = "킨텍스서 바이오 행사"
    body = "첫 문장이다. 행사는 킨텍스에서 열린다.\n\n다음 문단이다."
    mentions = tag_entities(tagger, title, body)
    assert [(m.field, m.text) for m in mentions] == [("title", "킨텍스"), ("body", "킨텍스")]
    for mention in mentions:
        text = title if mention.field == "title" else body
        assert text[mention.start : mention.end] == mention.text
    assert mentions[1].sentence == "행사는 킨텍스에서 열린다."
    assert mentions[0].sentence == title


def test_mixed_script_alias_is_not_ambiguous(tagger: EntityTagger) -> None:
    assert _ids(tagger, "", "동국대 BMC에서 열린다.") == [("dongguk-bmc", "동국대 BMC")]
    assert _ids(tagger, "", "BMC 소식") == []


def test_a_university_hospital_is_not_the_bare_name_it_ends_in(tagger: EntityTagger) -> None:
    # 동국대학교일산병원 is Dongguk University's hospital, not the NHIS 일산병원.
    assert _ids(tagger, "동국대학교일산병원, 심혈관센터 개소", "동국대일산병원이 밝혔다.") == []
    assert _ids(tagger, "", "일산병원은 건보 일산병원으로도 불린다.") == [
        ("nhis-ilsan", "일산병원"),
        ("nhis-ilsan", "건보 일산병원"),
    ]
    assert _ids(tagger, "", "고양일산병원과 협약") == [("nhis-ilsan", "일산병원")]
