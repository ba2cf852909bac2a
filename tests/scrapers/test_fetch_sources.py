"""Tests for URL canonicalisation, the polite fetcher and feed/listing sources."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from scrapers._errors import FetchError, SourceSkipped
from scrapers._records import FetchSettings, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source
from scrapers.urls import canonicalize_url

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM:80/a?b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
        ("https://x.kr/news?idxno=5&utm_source=t&fbclid=z", "https://x.kr/news?idxno=5"),
        (
            "https://news.naver.com/main/read.naver?oid=001&aid=0012345",
            "https://n.news.naver.com/mnews/article/001/0012345",
        ),
        (
            "https://n.news.naver.com/mnews/article/001/0012345?sid=102",
            "https://n.news.naver.com/mnews/article/001/0012345",
        ),
    ],
)
def test_canonicalize_url_table(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


def test_canonicalize_url_relative_and_scheme() -> None:
    assert canonicalize_url("../b?no=3", "https://a.kr/x/y/z") == "https://a.kr/x/b?no=3"
    with pytest.raises(FetchError):
        canonicalize_url("mailto:a@b.kr")


def _fetcher(sleeps: list[float], **overrides: object) -> Fetcher:
    settings = FetchSettings(per_host_delay_s=0.5, retries=2, backoff_s=0.1, **overrides)  # type: ignore[arg-type]
    return Fetcher(settings, sleep=sleeps.append)


def test_retry_after_on_503_then_success(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    calls = iter([(503, {"Retry-After": "7"}, b""), (200, HTML, b"<p>ok</p>")])
    routes["/a"] = lambda: next(calls)
    sleeps: list[float] = []
    with _fetcher(sleeps) as fetcher:
        assert fetcher.fetch(base + "/a").body == b"<p>ok</p>"
    assert 7.0 in sleeps


def test_no_retry_on_404_and_robots(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    hits: list[int] = []

    def missing() -> tuple[int, dict[str, str], bytes]:
        hits.append(1)
        return (404, HTML, b"")

    routes["/missing"] = missing
    routes["/robots.txt"] = lambda: (200, {}, b"User-agent: *\nDisallow: /private\n")
    with _fetcher([]) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.fetch(base + "/missing")
        with pytest.raises(FetchError, match="robots"):
            fetcher.fetch(base + "/private/x")
    assert len(hits) == 1


def test_size_limits_and_content_type(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    bomb = gzip.compress(b"\0" * 2_000_000)
    routes["/bomb"] = lambda: (200, {**HTML, "Content-Encoding": "gzip"}, bomb)
    routes["/pdf"] = lambda: (200, {"Content-Type": "application/pdf"}, b"%PDF")
    with _fetcher([], max_bytes=100_000) as fetcher:
        with pytest.raises(FetchError, match="too large"):
            fetcher.fetch(base + "/bomb")
        with pytest.raises(FetchError, match="not HTML: application/pdf"):
            fetcher.fetch(base + "/pdf")


def test_redirect_loop_and_politeness(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    routes["/loop"] = lambda: (302, {"Location": "/loop2"}, b"")
    routes["/loop2"] = lambda: (302, {"Location": "/loop"}, b"")
    routes["/p"] = lambda: (200, HTML, b"x")
    sleeps: list[float] = []
    with _fetcher(sleeps) as fetcher:
        with pytest.raises(FetchError, match="redirect loop"):
            fetcher.fetch(base + "/loop")
        results = dict(fetcher.fetch_many([base + "/p", base + "/p?no=2"]))
    assert all(not isinstance(r, FetchError) for r in results.values())
    assert sleeps and all(0 < s <= 0.5 for s in sleeps)


def test_rss_source_over_real_feed(http_server, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    body = (shared_data / "encodings" / "chosun_rss_1.xml").read_bytes()
    routes["/rss"] = lambda: (200, {"Content-Type": "application/rss+xml"}, body)
    with _fetcher([]) as fetcher:
        result = collect_source(SourceSpec(name="c", kind="rss", url=base + "/rss"), fetcher)
    assert result.entries
    assert all(e.url.startswith("http") for e in result.entries)
    assert any(e.content_html for e in result.entries)
    assert all(e.published_at is None or e.published_at.tzinfo for e in result.entries)


def test_google_news_titles_and_listing(http_server) -> None:  # type: ignore[no-untyped-def]
    base, routes = http_server
    feed = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>g</title>"
        "<item><title>고양시 새 정책 발표 - 경기일보</title><link>https://k.kr/a?utm_source=g</link>"
        "<pubDate>Sat, 21 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"
    ).encode()
    routes["/gn"] = lambda: (200, {"Content-Type": "application/xml"}, feed)
    page = (
        "<ul class='board'><li><a href='/view?no=1'>보도자료 하나</a> <span>2026.11.20</span></li>"
        "<li><a href='/view?no=2'>보도자료 둘</a> <span>2026-11-19</span></li></ul>"
    ).encode()
    routes["/list"] = lambda: (200, HTML, page)
    with _fetcher([]) as fetcher:
        news = collect_source(SourceSpec(name="g", kind="google_news", url=base + "/gn"), fetcher)
        board = collect_source(
            SourceSpec(
                name="b",
                kind="listing",
                url=base + "/list",
                selector="ul.board li a",
                role="press_release",
            ),
            fetcher,
        )
    assert news.entries[0].title == "고양시 새 정책 발표"
    assert news.entries[0].outlet == "경기일보"
    assert news.entries[0].url == "https://k.kr/a"
    assert [e.url for e in board.entries] == [base + "/view?no=1", base + "/view?no=2"]
    assert board.entries[0].role == "press_release"
    assert board.entries[0].published_at is not None
    assert board.entries[0].published_at.day == 20


def test_naver_without_credentials_is_skipped() -> None:
    with _fetcher([]) as fetcher, pytest.raises(SourceSkipped, match="NAVER_CLIENT_ID"):
        collect_source(SourceSpec(name="n", kind="naver_news", query="고양"), fetcher, environ={})
