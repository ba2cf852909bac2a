"""Tests for the sitemap source: indexes, news sitemaps, cutoffs and broken documents."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scrapers._errors import SourceError
from scrapers._records import FetchSettings, SourceSpec
from scrapers._sitemap import MAX_CHILD_SITEMAPS, parse_w3c_datetime
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source

KST = ZoneInfo("Asia/Seoul")
XML = {"Content-Type": "application/xml; charset=utf-8"}
Route = tuple[int, dict[str, str], bytes]
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def _fetcher() -> Fetcher:
    return Fetcher(FetchSettings(per_host_delay_s=0.0, retries=0), sleep=lambda _s: None)


def _index(base: str, children: Sequence[tuple[str, str | None]]) -> bytes:
    parts = [f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='{SM}'>"]
    for path, lastmod in children:
        stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        parts.append(f"<sitemap><loc>{base}{path}</loc>{stamp}</sitemap>")
    parts.append("</sitemapindex>")
    return "".join(parts).encode()


def _news_urlset(base: str, items: list[tuple[str, str, str]]) -> bytes:
    parts = [f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='{SM}' xmlns:news='{NEWS}'>"]
    for path, title, date in items:
        parts.append(
            f"<url><loc>{base}{path}</loc><news:news><news:publication>"
            "<news:name>고양신문</news:name><news:language>ko</news:language>"
            f"</news:publication><news:publication_date>{date}</news:publication_date>"
            f"<news:title>{title}</news:title></news:news></url>"
        )
    parts.append("</urlset>")
    return "".join(parts).encode()


def _serve(routes: dict[str, Callable[[], Route]], path: str, body: bytes, hits: list[str]) -> None:
    def route() -> Route:
        hits.append(path)
        return (200, XML, body)

    routes[path] = route


def test_sitemap_index_recurses_newest_first_with_since(http_server: Any) -> None:
    base, routes = http_server
    hits: list[str] = []
    index = _index(
        base,
        [
            ("/sm-old.xml", "2026-10-01T00:00:00+09:00"),
            ("/sm-news.xml", "2026-11-21T10:00:00+09:00"),
            ("/sm-plain.xml", "2026-11-20"),
            ("/sm-missing.xml", "2026-11-19T00:00:00Z"),
        ],
    )
    _serve(routes, "/index.xml", index, hits)
    news = _news_urlset(
        base,
        [
            ("/news/1?utm_source=sm", "고양시, 새 정책 발표", "2026-11-21T09:30:00+09:00"),
            ("/news/2", "일산 호수공원 축제", "2026-11-20T08:00:00"),  # naive: KST
            ("/news/3", "지난달 기사", "2026-10-02T08:00:00+09:00"),  # before since
        ],
    )
    _serve(routes, "/sm-news.xml", news, hits)
    plain = (
        f"<urlset xmlns='{SM}'><url><loc>{base}/page/a</loc><lastmod>2026-11-20</lastmod></url>"
        f"<url><loc>{base}/page/b</loc></url><url><loc>mailto:x@y.kr</loc></url></urlset>"
    ).encode()
    _serve(routes, "/sm-plain.xml", plain, hits)
    _serve(routes, "/sm-old.xml", _news_urlset(base, []), hits)
    since = datetime(2026, 11, 20, 6, 0, tzinfo=KST)
    spec = SourceSpec(name="sm", kind="sitemap", url=base + "/index.xml")
    with _fetcher() as fetcher:
        result = collect_source(spec, fetcher, since=since)
    # The old child is skipped by its lastmod; the others go most recent first.
    assert hits == ["/index.xml", "/sm-news.xml", "/sm-plain.xml"]
    by_url = {e.url: e for e in result.entries}
    assert set(by_url) == {
        base + "/news/1",
        base + "/news/2",
        base + "/page/a",
        base + "/page/b",
    }
    first = by_url[base + "/news/1"]
    assert first.title == "고양시, 새 정책 발표"
    assert first.outlet == "고양신문"
    assert first.published_at == datetime(2026, 11, 21, 9, 30, tzinfo=KST)
    assert by_url[base + "/news/2"].published_at == datetime(2026, 11, 20, 8, 0, tzinfo=KST)
    # A date-only lastmod on the cutoff day is kept: it covers the whole day.
    assert by_url[base + "/page/a"].published_at == datetime(2026, 11, 20, tzinfo=KST)
    assert by_url[base + "/page/b"].published_at is None
    reasons = dict(result.problems)
    assert "HTTP 404" in reasons[base + "/sm-missing.xml"]
    assert reasons["mailto:x@y.kr"] == "unsupported scheme"


def test_sitemap_index_is_bounded(http_server: Any) -> None:
    base, routes = http_server
    hits: list[str] = []
    start = datetime(2026, 11, 1, tzinfo=KST)
    children = [(f"/c{n}.xml", (start + timedelta(days=n)).isoformat()) for n in range(25)]
    _serve(routes, "/index.xml", _index(base, children), hits)
    for n in range(25):
        body = _news_urlset(base, [(f"/a/{n}", f"기사 {n}", "2026-11-21T09:00:00+09:00")])
        _serve(routes, f"/c{n}.xml", body, hits)
    spec = SourceSpec(name="sm", kind="sitemap", url=base + "/index.xml")
    with _fetcher() as fetcher:
        result = collect_source(spec, fetcher)
    fetched_children = hits[1:]
    assert len(fetched_children) == MAX_CHILD_SITEMAPS
    assert fetched_children[0] == "/c24.xml"
    assert "/c0.xml" not in fetched_children
    assert len(result.entries) == MAX_CHILD_SITEMAPS


def test_sitemap_gzip_and_self_reference(http_server: Any) -> None:
    base, routes = http_server
    hits: list[str] = []
    # An index listing itself must not loop.
    _serve(routes, "/index.xml", _index(base, [("/index.xml", None), ("/s.xml", None)]), hits)
    body = gzip.compress(_news_urlset(base, [("/g/1", "압축 사이트맵", "2026-11-21")]))
    routes["/s.xml"] = lambda: (200, {"Content-Type": "application/xml"}, body)
    with _fetcher() as fetcher:
        result = collect_source(
            SourceSpec(name="sm", kind="sitemap", url=base + "/index.xml"), fetcher
        )
    assert hits == ["/index.xml"]
    assert [e.title for e in result.entries] == ["압축 사이트맵"]


@pytest.mark.parametrize(
    "body",
    [b"<urlset><url><loc>http://a.kr/x</loc></url>", b"", b"\x1f\x8bnot really gzip"],
)
def test_sitemap_malformed_is_source_error(http_server: Any, body: bytes) -> None:
    base, routes = http_server
    routes["/bad.xml"] = lambda: (200, XML, body)
    spec = SourceSpec(name="sm", kind="sitemap", url=base + "/bad.xml")
    with _fetcher() as fetcher, pytest.raises(SourceError, match="sitemap"):
        collect_source(spec, fetcher)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=KST)),
        ("2026-11-20T09:15", datetime(2026, 11, 20, 9, 15, tzinfo=KST)),
        ("2026-11-20T00:15:00Z", datetime(2026, 11, 20, 9, 15, tzinfo=KST)),
        ("2026-11-20T09:15:00.000+0900", datetime(2026, 11, 20, 9, 15, tzinfo=KST)),
        ("2026-11-20 09:15:00", datetime(2026, 11, 20, 9, 15, tzinfo=KST)),
        ("not a date", None),
    ],
)
def test_parse_w3c_datetime(raw: str, expected: datetime | None) -> None:
    assert parse_w3c_datetime(raw) == expected


def test_sitemap_in_mislabelled_euc_kr(http_server: Any) -> None:
    base, routes = http_server
    body = _news_urlset(base, [("/k/1", "똠방각하 고양시 소식", "2026-11-21T09:00:00+09:00")])
    cp949 = body.replace(b"encoding='UTF-8'", b"encoding='euc-kr'").decode().encode("cp949")
    routes["/k.xml"] = lambda: (200, {"Content-Type": "text/xml"}, cp949)
    spec = SourceSpec(name="sm", kind="sitemap", url=base + "/k.xml")
    with _fetcher() as fetcher:
        result = collect_source(spec, fetcher)
    assert [(e.title, e.outlet) for e in result.entries] == [("똠방각하 고양시 소식", "고양신문")]
