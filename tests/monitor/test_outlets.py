"""Which outlet an article counts under: registry by domain, portal copies by Naver office id."""

from __future__ import annotations

import pytest

from monitor.config import OutletSpec
from monitor.outlets import resolve_outlet

OUTLETS = (
    OutletSpec("yna.co.kr", "연합뉴스", "wire", "001"),
    OutletSpec("newspim.com", "뉴스핌", "internet"),
    OutletSpec("kyeonggi.com", "경기일보", "local"),
    OutletSpec("biz.kyeonggi.com", "경기일보 경제", "economic"),
)


@pytest.mark.parametrize(
    ("url", "name", "tier"),
    [
        ("https://www.newspim.com/news/view/20241127000123", "뉴스핌", "internet"),
        ("https://m.kyeonggi.com/article/20241127580001", "경기일보", "local"),
        ("https://biz.kyeonggi.com/article/1", "경기일보 경제", "economic"),  # longest suffix wins
        ("https://n.news.naver.com/mnews/article/001/0015071234", "연합뉴스", "wire"),
        ("https://news.naver.com/main/read.naver?oid=001&aid=0015071234", "연합뉴스", "wire"),
    ],
)
def test_registry_and_portal_copies(url: str, name: str, tier: str) -> None:
    outlet = resolve_outlet(url, OUTLETS)
    assert (outlet.name, outlet.tier) == (name, tier)


def test_unknown_outlet_keeps_the_page_name_and_host() -> None:
    outlet = resolve_outlet("https://www.example-news.kr/a/1", OUTLETS, page_outlet=" 예시뉴스 ")
    assert (outlet.name, outlet.domain, outlet.tier) == ("예시뉴스", "example-news.kr", None)


def test_unknown_naver_office_is_not_counted_as_naver() -> None:
    outlet = resolve_outlet(
        "https://n.news.naver.com/mnews/article/999/1", OUTLETS, entry_outlet="X"
    )
    assert outlet.domain == "naver:999"
    assert outlet.name == "X"


def test_lookalike_domain_does_not_match() -> None:
    assert resolve_outlet("https://fakenewspim.com/1", OUTLETS).name is None


def test_a_named_outlet_behind_a_redirect_gets_its_registry_tier() -> None:
    outlet = resolve_outlet(
        "https://news.google.com/rss/articles/CBMiabc", OUTLETS, entry_outlet="뉴스핌"
    )
    assert (outlet.name, outlet.domain, outlet.tier) == ("뉴스핌", "newspim.com", "internet")
