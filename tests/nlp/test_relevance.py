"""Relevance rule: core entities alone, other entities only with Goyang-cluster context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp._records import EntitySpec
from nlp.entities import EntityTagger, build_tagger, tag_entities
from nlp.kiwi import Kiwi
from nlp.relevance import judge_relevance

ENTITIES = (
    EntitySpec("lih-g", "룩셈부르크 고양보건연구소", ("LIH-G",), parent="lih", core=True),
    EntitySpec("lih", "룩셈부르크 국립보건원", ("LIH",), context=("룩셈부르크",)),
    EntitySpec("ncc", "국립암센터", ("NCC",), context=("암센터",)),
    EntitySpec("ilsan-techno-valley", "일산테크노밸리", ("고양 일산테크노밸리",), core=True),
    EntitySpec("kintex", "킨텍스", ()),
)


@pytest.fixture(scope="module")
def tagger(kiwi: Kiwi) -> EntityTagger:
    """One tagger over the test entities."""
    return build_tagger(kiwi, ENTITIES)


CASES = [
    ("core entity alone", "LIH-G 개소식 열려", "연구소가 문을 열었다.", "relevant"),
    ("core in body", "고양시 소식", "시는 일산테크노밸리 입주 기업을 모집한다.", "relevant"),
    (
        "tracked with cluster context",
        "고양시·국립암센터 정밀의료 협약",
        "고양시는 국립암센터와 바이오 클러스터 조성을 위한 협약을 맺었다.",
        "relevant",
    ),
    (
        "ncc clinical near miss",
        "국립암센터, 새 면역항암 치료법 임상 돌입",
        "국립암센터 연구진은 환자 대상 임상시험을 시작했다.",
        "irrelevant",
    ),
    (
        "goyang without bio",
        "고양시, 킨텍스 주차장 확충",
        "킨텍스 일대 교통 혼잡을 줄인다.",
        "irrelevant",
    ),
    (
        "other city cluster",
        "송도 바이오 클러스터 확장",
        "인천 송도와 오송, 대구 바이오 클러스터가 경쟁한다.",
        "irrelevant",
    ),
    (
        "luxembourg without goyang",
        "룩셈부르크 국립보건원 연구 성과",
        "룩셈부르크 국립보건원은 바이오 연구 성과를 발표했다.",
        "irrelevant",
    ),
    ("nothing", "날씨", "맑겠다.", "irrelevant"),
    (
        "the city's bio policy naming no tracked body",
        "고양시, 바이오산업 조례 개정안 입법예고",
        "개정안은 출연기관 설립 근거를 담았다.",
        "relevant",
    ),
    (
        "city and sector in the lead sentence",
        "억대 예산 포럼, 남은 건 기념사진뿐",
        "고양시가 매년 여는 바이오 포럼이 성과가 없다는 비판이 나왔다. 시는 반박했다.",
        "relevant",
    ),
    (
        "city and sector only deep in the body",
        "시의회 정례회 폐회",
        "조례안 12건을 처리했다.\n고양시 관계자는 바이오 관련 예산도 논의했다고 말했다.",
        "irrelevant",
    ),
    (
        "bio-energy is not the sector",
        "고양 바이오가스화시설 증설 추진",
        "주민들은 악취부터 해결하라고 요구했다.",
        "irrelevant",
    ),
    (
        "a cat is not the city",
        "고양이 바이오 사료 인기",
        "반려묘 사료 시장이 커진다.",
        "irrelevant",
    ),
    (
        "a cat is no cluster context for a tracked body",
        "킨텍스 펫테크 전시회 개막",
        "킨텍스에서 고양이와 강아지를 위한 바이오 헬스케어 제품이 소개됐다.",
        "irrelevant",
    ),
]


@pytest.mark.parametrize(("kind", "title", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_near_miss_table(
    tagger: EntityTagger, kind: str, title: str, body: str, expected: str
) -> None:
    mentions = tag_entities(tagger, title, body)
    judgement = judge_relevance(title, body, mentions, ENTITIES)
    assert judgement.value == expected, (kind, judgement)
    assert 0.0 <= judgement.score <= 1.0
    assert judgement.reason


def test_title_mention_weighs_more(tagger: EntityTagger) -> None:
    filler = "일반 내용이다. " * 80
    in_title = judge_relevance(
        "LIH-G 소식", filler, tag_entities(tagger, "LIH-G 소식", filler), ENTITIES
    )
    deep = filler + "LIH-G도 언급됐다."
    in_deep = judge_relevance("소식", deep, tag_entities(tagger, "소식", deep), ENTITIES)
    assert in_title.value == in_deep.value == "relevant"
    assert in_title.score > in_deep.score
    assert "LIH-G" in in_title.reason


def test_real_unrelated_pages_are_irrelevant(tagger: EntityTagger, shared_data: Path) -> None:
    pages = sorted((shared_data / "korean-pages").glob("*.json"))
    assert pages
    for page in pages:
        gold = json.loads(page.read_text(encoding="utf-8"))
        title, body = gold["title"], "\n\n".join(gold["paragraphs"])
        judgement = judge_relevance(title, body, tag_entities(tagger, title, body), ENTITIES)
        assert judgement.value == "irrelevant", (page.name, judgement)
