"""The shortcuts that make extraction fast give the answers of the slow paths they replace."""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import pytest
from testkit import PROSE

from nlp import _dates
from nlp._dates import KST, has_labelled_day, parse_visible_dates
from nlp._errors import ExtractionError
from nlp._extract_guard import check_nesting
from nlp.extract import (
    _COPYRIGHT,
    _break_selector,
    _ends_sentence,
    _hint_kind,
    _is_copyright,
    extract_article,
)


@pytest.mark.parametrize(
    "text",
    [
        "입력 2019.2020.01.02",
        "202019-01-01 and 1920 19 20. 2024 .",
        "기사입력 2024/11/27 [13:35] 수정 2024년11월28일 09:00",
        "12019. 20192020- 2019년",
        "",
        "20",
    ],
)
def test_year_scan_finds_what_the_regex_scan_finds(text: str) -> None:
    expected = [match.span() for match in _dates._YEAR.finditer(text)]
    assert [match.span() for match in _dates._iter_years(text)] == expected


def test_a_labelled_day_is_found_even_where_its_time_is_not_valid() -> None:
    # The wider region read first may run a label's date into a bad time of day.
    assert has_labelled_day("입력 2024.11.27 25:99")
    assert parse_visible_dates("입력 2024.11.27 25:99") == (None, None)
    assert not has_labelled_day("입력 2024.13.45 11:00 and 2024.11.27 bare")


@pytest.mark.parametrize(
    "html",
    ["<div>" * 3_001, "<div>" * 2_000 + "<p>" * 2_000, "<section>본문</section>" * 4_000],
)
def test_nesting_guard_counts_the_same_on_text_and_its_utf8(html: str) -> None:
    def verdict(encoded: bytes | None) -> bool:
        try:
            check_nesting(html, encoded=encoded)
        except ExtractionError:
            return True
        return False

    assert verdict(None) == verdict(html.encode("utf-8"))


def test_custom_break_tags_read_from_utf8_match_those_read_from_text() -> None:
    html = "<Article-Body><p-line>첫 줄</p-line><x-ad>광고</x-ad><DIV-card>둘째</DIV-card>"
    assert _break_selector(html.encode("utf-8")) == _break_selector(html)
    assert "article-body" in _break_selector(html)
    assert "x-ad" not in _break_selector(html)


def test_sentence_end_read_off_the_end_matches_the_regex() -> None:
    alphabet = ["a", ".", "!", "?", '"', "”", "’", "'", "\n", " "]
    for size in range(5):
        for chars in itertools.product(alphabet, repeat=size):
            text = "".join(chars)
            assert _ends_sentence(text) == (re.search(r"[.!?][\"”’']?$", text) is not None)


@pytest.mark.parametrize(
    "line",
    [
        "Copyright 2019 Example Media",
        "ALL RIGHTS RESERVED",
        "All rightſ reserved",  # re.I lets the long s stand for s
        "CopyrİGHT",  # and the dotted capital I for i, which lower() turns into two characters
        "Copyrıght",
        "(C) Example",
        "( c) not a mark",
        "Ⓒ 연합뉴스",
        "무단 전재 및 재배포 금지",
        "저작권자 © 고양신문",
        "Copy right is two words here",
        "시민들이 모여 의견을 나눴다.",
    ],
)
def test_copyright_prefilter_agrees_with_the_regex(line: str) -> None:
    assert _is_copyright(line) == (_COPYRIGHT.search(line) is not None)


@pytest.mark.parametrize(
    ("hint", "kind"),
    [
        ("article-body", 1),
        ("ad-slot", 2),
        ("share_btns", 2),
        ("font-size17", 3),
        ("relatedNews", 2),
        ("address", 0),
        ("sub__news", 0),
        ("sub_news more", 2),
        (" ", 0),
        ("StoryContent", 1),
    ],
)
def test_class_hints_classify_by_words(hint: str, kind: int) -> None:
    assert _hint_kind(hint) == kind


def _generic_page(stamp: str, visible: str) -> str:
    """A page with no known container: its date line is found only by reading the page."""
    paragraphs = "".join(f"<p>{text}</p>" for text in PROSE * 2)
    return (
        f'<html><head><meta property="article:published_time" content="{stamp}"></head>'
        f"<body><h1>심야버스 두 배로</h1><div class='info'>{visible}</div>"
        f"<div class='story'>{paragraphs}</div></body></html>"
    )


def test_a_z_stamp_nine_hours_off_the_visible_line_yields_to_it() -> None:
    # The CMS wrote KST wall time with a Z; the page's 입력 line says so.
    page = _generic_page("2024-11-27T11:39:00Z", "입력 2024.11.27 11:39")
    article = extract_article(page, "https://example.kr/a/1")
    assert article.method == "generic"
    assert article.published_at == datetime(2024, 11, 27, 11, 39, tzinfo=KST)


def test_a_stamp_stands_when_no_labelled_line_could_correct_it() -> None:
    page = _generic_page("2024-11-27T11:39:00Z", "김하늘 기자")
    article = extract_article(page, "https://example.kr/a/1")
    assert article.published_at == datetime(2024, 11, 27, 20, 39, tzinfo=KST)
