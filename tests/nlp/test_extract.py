"""extract_article on the real Korean pages and on small hand-written pages per strategy."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from nlp._dates import KST
from nlp._errors import NoArticleError
from nlp.decode import decode_page
from nlp.extract import extract_article
from nlp.text import normalize_text

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
REAL = [
    "hankookilbo-2025-05-15",
    "hankookilbo-2026-07-12",
    "mk-2025-05-27",
    "mk-2025-05-28",
    "mk-2025-06-03",
]
SIDEBAR_MARKERS = ("많이 본 뉴스", "인기뉴스", "많이 본", "관련기사", "무단전재")


def token_f1(found: str, gold: str) -> float:
    """Bag-of-\\w+-tokens F1 between two texts."""
    a, b = Counter(re.findall(r"\w+", found)), Counter(re.findall(r"\w+", gold))
    tp = sum((a & b).values())
    if tp == 0:
        return 0.0
    precision, recall = tp / sum(a.values()), tp / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def words(text: str) -> list[str]:
    """\\w+ tokens of the normalised text, the form titles are compared under."""
    return re.findall(r"\w+", normalize_text(text))


def load(name: str) -> str:
    """Decode a hand-written test page."""
    return decode_page((PAGES / name).read_bytes(), None).text


@pytest.mark.parametrize("name", REAL)
def test_real_pages_match_gold(shared_data: Path, name: str) -> None:
    folder = shared_data / "korean-pages"
    gold = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    html = decode_page((folder / f"{name}.html").read_bytes(), "text/html").text
    article = extract_article(html, gold["url"])
    assert words(article.title) == words(gold["title"])
    assert token_f1(article.body, "\n".join(gold["paragraphs"])) >= 0.9
    assert article.published_at == datetime.fromisoformat(gold["published"])
    assert set(gold["authors"]) <= set(article.authors) or article.authors
    assert not any(marker in article.body for marker in SIDEBAR_MARKERS)
    assert article.language == "ko"


def test_ndsoft_page_drops_boilerplate_and_keeps_metadata() -> None:
    article = extract_article(load("ndsoft.html"), "https://example.kr/1")
    assert article.method == "cms:ndsoft"
    assert article.title == "시의회, 내년 예산안 심사 착수"
    assert article.paragraphs[0].startswith("고양시의회가 27일")
    assert article.authors == ("최환금",)
    body = article.body
    for junk in ("사진=", "▲", "관련기사", "@newspim.com", "무단전재", "많이 본 뉴스"):
        assert junk not in body
    assert len(article.paragraphs) == 3
    assert article.published_at == datetime(2024, 11, 27, 11, 39, tzinfo=KST)
    assert article.updated_at == datetime(2024, 11, 28, 9, 5, tzinfo=KST)
    assert article.canonical_url == "https://example.kr/news/articleView.html?idxno=1"
    assert article.outlet == "경기신문"


def test_euc_kr_page_extracts_like_its_utf8_twin() -> None:
    twin = extract_article(load("ndsoft.html"), "u")
    article = extract_article(load("euckr.html"), "u")
    assert article.paragraphs == twin.paragraphs


def test_jsonld_graph_body_and_distrusted_z_stamp() -> None:
    article = extract_article(load("jsonld.html"), "u")
    assert article.method == "jsonld"
    assert article.title == "정부, 반도체 지원책 발표"
    assert len(article.paragraphs) == 3
    assert article.outlet == "예시일보"
    assert article.authors == ("홍길동",)
    # The stamp says 11:35Z while the page shows 입력 11:35: a KST time mislabelled as UTC.
    assert article.published_at == datetime(2024, 11, 27, 11, 35, tzinfo=KST)


def test_generic_scorer_with_flag_byline_and_translation() -> None:
    article = extract_article(load("generic.html"), "u")
    assert article.method == "generic"
    assert article.title == "지역 소멸 위기, 해법은 어디에"
    assert "기획" in article.flags
    assert article.authors == ("주기범",)
    assert article.paragraphs[0].startswith("인구 감소가")
    assert "Population" not in article.body
    assert article.translation is not None and article.translation.startswith("Population")
    assert "정치" not in article.body


def test_section_front_is_not_an_article() -> None:
    with pytest.raises(NoArticleError):
        extract_article(load("section.html"), "u")


def test_dateline_with_agency_moves_reporter_to_authors() -> None:
    body = "".join(
        f"<p>{text}</p>"
        for text in (
            "(서울=연합뉴스) 홍길동 김철수 기자 = 기획재정부는 27일 내년 경제정책방향을 "
            "발표했다. 성장률 전망치는 2.1%로 제시됐다.",
            "정부는 내수 회복을 위해 상반기 재정 집행을 앞당기기로 했다. 소상공인 지원도 확대된다.",
            "다만 대외 불확실성이 커지고 있어 하방 위험이 크다는 지적도 나왔다. "
            "정부는 분기마다 전망을 점검하기로 했다.",
            "hong@yna.co.kr",
        )
    )
    article = extract_article(f'<html><body><div id="articleBody">{body}</div></body></html>', "u")
    assert article.paragraphs[0].startswith("기획재정부는")
    assert article.method == "cms:common"
    assert "@" not in article.body
    assert article.authors == ("홍길동", "김철수")


def test_nextjs_flight_payload_body() -> None:
    article = extract_article(load("nextjs.html"), "u")
    assert article.method == "nextjs"
    assert article.title == "서울 심야버스 두 배로"
    assert article.lead == ("부제 한 줄", "부제 두 줄")
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("서울시가 내년부터")
    assert article.published_at == datetime(2024, 11, 12, 9, 30, tzinfo=KST)


@pytest.mark.parametrize("name", REAL)
def test_real_pages_keep_the_deck_out_of_the_body(shared_data: Path, name: str) -> None:
    folder = shared_data / "korean-pages"
    gold = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    article = extract_article((folder / f"{name}.html").read_text(encoding="utf-8"), gold["url"])
    if gold["deck"]:
        assert article.lead
        assert words(article.lead[0])[:3] == words(gold["deck"][0])[:3]
        assert not article.body.startswith(article.lead[0])


def test_a_date_in_a_sidebar_is_not_the_articles_date() -> None:
    article = extract_article(load("sidebar_first.html"), "u")
    assert article.published_at == datetime(2024, 11, 27, 11, 39, tzinfo=KST)
    assert "많이 본 뉴스" not in article.body


def test_machine_translation_tail_deck_and_byline_with_stamp() -> None:
    article = extract_article(load("translated.html"), "u")
    assert article.authors == ("박정호",)
    assert len(article.lead) == 2 and "룩셈부르크" in article.lead[0]
    assert article.paragraphs[0].startswith("고양특례시는")
    assert len(article.paragraphs) == 3
    assert article.translation is not None and "Gyeonggi Province" in article.translation
    assert article.published_at == datetime(2024, 11, 27, 13, 35, tzinfo=KST)


def test_naver_portal_copy_with_br_paragraphs() -> None:
    article = extract_article(load("naver.html"), "u")
    assert article.method == "cms:naver"
    assert article.authors == ("홍길동",)
    assert article.paragraphs[0].startswith("한국은행 금융통화위원회가")
    assert len(article.paragraphs) == 3
    assert "자료사진" not in article.body and "@" not in article.body
    assert article.canonical_url == "https://n.news.naver.com/article/001/0000000001"
    assert article.published_at == datetime(2024, 11, 28, 10, 12, tzinfo=KST)
    assert article.updated_at == datetime(2024, 11, 28, 11, 40, tzinfo=KST)


def test_legacy_table_layout_in_euc_kr_with_bare_text_body() -> None:
    raw = (PAGES / "legacy_table_euckr.html").read_bytes()
    decoded = decode_page(raw, "text/html")
    assert decoded.encoding == "cp949"
    article = extract_article(decoded.text, "u")
    assert article.method == "generic"
    assert article.title == "지역 축제 관광객 몰려"
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("올해로 열 번째를")
    assert article.authors == ("김옛날",)
    assert "무단전재" not in article.body and "다른 기사" not in article.body
    assert article.published_at == datetime(2018, 8, 25, 15, 24, tzinfo=KST)
