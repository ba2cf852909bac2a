"""Tests for charset handling of feeds and listing pages, and for zone-less feed dates."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scrapers._decode import decode_markup
from scrapers._records import FetchSettings, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source, has_zone

KST = ZoneInfo("Asia/Seoul")
HANGUL = re.compile(r"[가-힣]")
# Latin-1 read of EUC-KR bytes: the tell-tale of a wrong decode.
MOJIBAKE = re.compile(r"[\u0080-\u00ff]")


def _fetcher() -> Fetcher:
    return Fetcher(FetchSettings(per_host_delay_s=0.0, retries=0), sleep=lambda _s: None)


def _assert_clean_korean(titles: list[str]) -> None:
    assert titles
    # Most titles are Korean (a few real ones are English, e.g. "RT considered harmful").
    assert sum(bool(HANGUL.search(t)) for t in titles) >= 0.7 * len(titles), titles
    assert not any("\ufffd" in t or MOJIBAKE.search(t) for t in titles), titles


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/rss+xml; charset=euc-kr", "text/xml; charset=utf-8"],
)
def test_ricanet_feed_declared_euc_kr_decodes_as_cp949(
    http_server: Any, shared_data: Path, content_type: str
) -> None:
    base, routes = http_server
    body = (shared_data / "encodings" / "cp949_ricanet_rss_4.xml").read_bytes()
    routes["/rss"] = lambda: (200, {"Content-Type": content_type}, body)
    with _fetcher() as fetcher:
        result = collect_source(SourceSpec(name="r", kind="rss", url=base + "/rss"), fetcher)
    _assert_clean_korean([e.title or "" for e in result.entries])
    assert len(result.entries) == body.count(b"<item>")


@pytest.mark.parametrize(
    "name", ["eucKR_acnnewswire_rss_3.xml", "eucKR_egloos_rss_2.xml", "chosun_rss_1.xml"]
)
def test_other_korean_feeds_decode(http_server: Any, shared_data: Path, name: str) -> None:
    base, routes = http_server
    body = (shared_data / "encodings" / name).read_bytes()
    routes["/rss"] = lambda: (200, {"Content-Type": "application/xml"}, body)
    with _fetcher() as fetcher:
        result = collect_source(SourceSpec(name="r", kind="rss", url=base + "/rss"), fetcher)
    titles = [e.title or "" for e in result.entries]
    assert any(HANGUL.search(t) for t in titles)
    assert not any("\ufffd" in t for t in titles)


def test_undeclared_euc_kr_snippet_is_detected(shared_data: Path) -> None:
    body = (shared_data / "encodings" / "eucKR_chromium949_snippet_1.html").read_bytes()
    text = decode_markup(body, None)
    assert "한나라당" in text
    assert "\ufffd" not in text


def test_decode_markup_prefers_what_decodes() -> None:
    korean = "<p>똠방각하 뷁 고양시</p>"  # 똠 and 뷁 exist only in cp949, not strict EUC-KR
    cp949 = ("<?xml version='1.0' encoding='ks_c_5601-1987'?>" + korean).encode("cp949")
    assert korean in decode_markup(cp949, None)
    # A header claiming UTF-8 over cp949 bytes is wrong; the declaration is used instead.
    assert korean in decode_markup(cp949, "utf-8")
    # A permissive header charset (latin-1) must not win over a working declaration.
    assert korean in decode_markup(cp949, "iso-8859-1")
    assert decode_markup("\ufeff<p>고양</p>".encode(), "euc-kr") == "<p>고양</p>"
    # A site that moved to UTF-8 but still labels itself euc-kr.
    moved = "<meta charset='euc-kr'><p>고양 발표 교통 문화</p>".encode()  # valid cp949 too
    assert "고양 발표 교통 문화" in decode_markup(moved, "euc-kr")


def test_listing_page_in_cp949_uses_meta_charset(http_server: Any) -> None:
    base, routes = http_server
    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=euc-kr'>"
        "</head><body><table class='bbs'><tr><td><a href='/view.do?no=7'>똠방각하 보도자료</a>"
        "</td><td>2026-11-20</td></tr></table></body></html>"
    ).encode("cp949")
    routes["/board"] = lambda: (200, {"Content-Type": "text/html"}, page)
    spec = SourceSpec(name="b", kind="listing", url=base + "/board", selector="table.bbs a")
    with _fetcher() as fetcher:
        result = collect_source(spec, fetcher)
    assert [e.title for e in result.entries] == ["똠방각하 보도자료"]


def _rss(dates: list[str]) -> bytes:
    items = "".join(
        f"<item><title>기사 {n}</title><link>https://a.kr/{n}</link><pubDate>{d}</pubDate></item>"
        for n, d in enumerate(dates)
    )
    head = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
    return f"{head}{items}</channel></rss>".encode()


def test_zone_less_feed_dates_are_kst(http_server: Any) -> None:
    base, routes = http_server
    body = _rss(
        [
            "Sat, 21 Nov 2026 09:00:00",  # no zone: Korean local time
            "Sat, 21 Nov 2026 09:00:00 +0000",  # explicit UTC
            "Sat, 21 Nov 2026 09:00:00 +0900",
            "2026.11.21 09:30",  # a form feedparser cannot read
        ]
    )
    routes["/rss"] = lambda: (200, {"Content-Type": "application/rss+xml"}, body)
    with _fetcher() as fetcher:
        result = collect_source(SourceSpec(name="r", kind="rss", url=base + "/rss"), fetcher)
    times = [e.published_at for e in result.entries]
    assert times == [
        datetime(2026, 11, 21, 9, 0, tzinfo=KST),
        datetime(2026, 11, 21, 18, 0, tzinfo=KST),
        datetime(2026, 11, 21, 9, 0, tzinfo=KST),
        datetime(2026, 11, 21, 9, 30, tzinfo=KST),
    ]


def test_zone_less_atom_dates_are_kst_and_since_applies(http_server: Any) -> None:
    base, routes = http_server
    atom = (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<title>a</title>"
        "<entry><title>새 글</title><link href='https://a.kr/new'/>"
        "<updated>2026-11-21T08:00:00</updated></entry>"
        "<entry><title>옛 글</title><link href='https://a.kr/old'/>"
        "<updated>2026-11-21T06:00:00</updated></entry></feed>"
    ).encode()
    routes["/atom"] = lambda: (200, {"Content-Type": "application/atom+xml"}, atom)
    # 07:00 KST: read as UTC the old entry (06:00Z = 15:00 KST) would wrongly pass.
    since = datetime(2026, 11, 21, 7, 0, tzinfo=KST)
    with _fetcher() as fetcher:
        result = collect_source(
            SourceSpec(name="a", kind="rss", url=base + "/atom"), fetcher, since=since
        )
    assert [(e.title, e.published_at) for e in result.entries] == [
        ("새 글", datetime(2026, 11, 21, 8, 0, tzinfo=KST))
    ]


@pytest.mark.parametrize(
    ("raw", "zoned"),
    [
        ("Sat, 21 Nov 2026 09:00:00", False),
        ("Sat, 21 Nov 2026 09:00:00 GMT", True),
        ("Tue, 27 Dec 2005 13:30:33+0900", True),
        ("2026-11-21T09:00:00Z", True),
        ("2026-11-21T09:00:00.123+09:00", True),
        ("2026-11-21T09:00:00", False),
        ("2026-11-21", False),
        ("Sat Nov 21 09:00:00 2026", False),
    ],
)
def test_has_zone(raw: str, zoned: bool) -> None:
    assert has_zone(raw) is zoned
