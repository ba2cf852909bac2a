"""Backfill walks against a loopback server: Google News date windows, Naver pages, sitemaps,
paged listings; where each stops, what it yields and how a stored cursor resumes it."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scrapers._errors import SourceError, SourceSkipped
from scrapers._records import BackfillStep, FetchSettings, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import (
    backfill_source,
    backfill_unsupported,
    collect_source,
    google_news_window_url,
)

KST = ZoneInfo("Asia/Seoul")
Route = tuple[int, dict[str, str], bytes]
RecordingServer = Any  # the conftest fixture type; tests are not a package to import it from
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
XML = {"Content-Type": "application/xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}
ENV = {"NAVER_CLIENT_ID": "id-123", "NAVER_CLIENT_SECRET": "secret-456"}
SINCE = datetime(2024, 11, 1, tzinfo=KST)
UNTIL = date(2024, 11, 27)


def _fetcher() -> Fetcher:
    return Fetcher(FetchSettings(per_host_delay_s=0.0, retries=0), sleep=lambda _s: None)


def _walk(spec: SourceSpec, cursor: str | None = None, **kwargs: Any) -> list[BackfillStep]:
    with _fetcher() as fetcher:
        return list(
            backfill_source(
                spec, fetcher, since=SINCE, until=UNTIL, cursor=cursor, environ=ENV, **kwargs
            )
        )


# --- Google News -------------------------------------------------------------------------------


def _google_feed(first: date, count: int) -> bytes:
    """A Google News search feed of `count` items published on `first` (links to publishers)."""
    items = "".join(
        f"<item><title>기사 {first} {i} - 테스트일보</title>"
        f"<link>https://news.test/{first.isoformat()}/{i}</link>"
        f"<pubDate>{first.strftime('%a, %d %b %Y')} 09:00:00 +0900</pubDate>"
        f"<source url='https://news.test'>테스트일보</source></item>"
        for i in range(count)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>search - Google News</title>{items}</channel></rss>"
    ).encode()


def _window_of(query: str) -> tuple[date, date]:
    """The first and last day a query's after:/before: operators ask for."""
    terms = dict(t.split(":", 1) for t in query.split() if ":" in t)
    return (
        date.fromisoformat(terms["after"]) + timedelta(days=1),
        date.fromisoformat(terms["before"]) - timedelta(days=1),
    )


def _google(capped: Sequence[tuple[date, date]]) -> Callable[[Any], Route]:
    """Answer each window with 3 items on its first day, or with the 100-item cap when listed."""

    def respond(request: Any) -> Route:
        first, last = _window_of(request.query["q"])
        return (200, RSS, _google_feed(first, 100 if (first, last) in capped else 3))

    return respond


def _google_spec(server: RecordingServer, **keys: Any) -> SourceSpec:
    return SourceSpec(
        name="google",
        kind="google_news",
        query="일산테크노밸리",
        base_url=f"{server.base_url}/rss/search",
        **keys,
    )


def test_google_news_windows_carry_after_and_before_and_split_a_capped_window(
    recording_server: RecordingServer,
) -> None:
    recording_server.respond = _google([(date(2024, 11, 14), date(2024, 11, 20))])
    steps = _walk(_google_spec(recording_server))
    queries = [r.query["q"] for r in recording_server.requests]
    assert queries == [
        "일산테크노밸리 after:2024-11-20 before:2024-11-28",  # 11-21..11-27
        "일산테크노밸리 after:2024-11-13 before:2024-11-21",  # 11-14..11-20: capped
        "일산테크노밸리 after:2024-11-17 before:2024-11-21",  # its newer half, 11-18..11-20
        "일산테크노밸리 after:2024-11-13 before:2024-11-18",  # its older half, 11-14..11-17
        "일산테크노밸리 after:2024-11-06 before:2024-11-14",  # 11-07..11-13
        "일산테크노밸리 after:2024-10-31 before:2024-11-07",  # 11-01..11-06, clipped at since
    ]
    for request in recording_server.requests:
        assert request.path == "/rss/search"
        assert (request.query["hl"], request.query["gl"], request.query["ceid"]) == (
            "ko",
            "KR",
            "KR:ko",
        )
    # The capped answer is not a window: its halves are.
    assert [s.label for s in steps] == [
        "2024-11-21..2024-11-27",
        "2024-11-18..2024-11-20",
        "2024-11-14..2024-11-17",
        "2024-11-07..2024-11-13",
        "2024-11-01..2024-11-06",
    ]
    assert [s.final for s in steps] == [False, False, False, False, True]
    assert all(s.result is not None and len(s.result.entries) == 3 for s in steps)
    assert steps[0].result is not None and steps[0].result.entries[0].outlet == "테스트일보"
    assert [json.loads(s.cursor)["next_end"] for s in steps] == [
        "2024-11-20",
        "2024-11-17",
        "2024-11-13",
        "2024-11-06",
        "2024-10-31",
    ]
    assert [(s.units_done, s.units_total) for s in steps] == [
        (7, 27),
        (10, 27),
        (14, 27),
        (21, 27),
        (27, 27),
    ]
    assert all(not s.warnings for s in steps)


def test_google_news_resumes_after_the_stored_window(recording_server: RecordingServer) -> None:
    recording_server.respond = _google([])
    first_run = _walk(_google_spec(recording_server))
    recording_server.requests.clear()
    resumed = _walk(_google_spec(recording_server), cursor=first_run[1].cursor)
    assert [r.query["q"].split(" ", 1)[1] for r in recording_server.requests] == [
        "after:2024-11-06 before:2024-11-14",
        "after:2024-10-31 before:2024-11-07",
    ]
    assert [s.label for s in resumed] == [s.label for s in first_run[2:]]


def test_google_news_single_capped_day_is_kept_with_a_warning(
    recording_server: RecordingServer,
) -> None:
    day = date(2024, 11, 27)
    recording_server.respond = _google([(day, day)])
    with _fetcher() as fetcher:
        steps = list(
            backfill_source(
                _google_spec(recording_server, backfill_window_days=1),
                fetcher,
                since=datetime(2024, 11, 27, tzinfo=KST),
                until=day,
            )
        )
    assert len(steps) == 1 and steps[0].final
    assert steps[0].result is not None and len(steps[0].result.entries) == 100
    assert "cap" in steps[0].warnings[0] and "2024-11-27" in steps[0].warnings[0]


def test_google_news_window_url_keeps_a_configured_url_and_drops_stale_operators() -> None:
    spec = SourceSpec(
        name="g",
        kind="google_news",
        url="https://mirror.test/rss/search?q=%EA%B3%A0%EC%96%91+when%3A7d&hl=ko&gl=KR",
    )
    url = google_news_window_url(spec, date(2024, 1, 1), date(2024, 1, 7))
    assert url == (
        "https://mirror.test/rss/search?q=%EA%B3%A0%EC%96%91+after%3A2023-12-31+before%3A"
        "2024-01-08&hl=ko&gl=KR"
    )


def test_google_news_failed_window_ends_the_walk_with_its_error(
    recording_server: RecordingServer,
) -> None:
    def respond(request: Any) -> Route:
        first, _ = _window_of(request.query["q"])
        if first == date(2024, 11, 14):
            return (503, {}, b"busy")
        return (200, RSS, _google_feed(first, 2))

    recording_server.respond = respond
    steps = _walk(_google_spec(recording_server))
    assert [s.error for s in steps] == [None, "HTTP 503"]
    # The failed window's cursor is where the walk stood before it: it is asked again.
    assert steps[1].cursor == steps[0].cursor and not steps[1].final


def test_kinds_that_cannot_go_back_say_why() -> None:
    rss = SourceSpec(name="feed", kind="rss", url="https://news.test/rss.xml")
    assert "RSS" in (backfill_unsupported(rss) or "")
    with _fetcher() as fetcher, pytest.raises(SourceSkipped, match="RSS"):
        backfill_source(rss, fetcher, since=SINCE, until=UNTIL)
    assert backfill_unsupported(SourceSpec(name="g", kind="google_news")) is not None
    assert backfill_unsupported(SourceSpec(name="s", kind="sitemap", url="https://x.test/")) is None


def test_a_cursor_of_another_kind_is_refused(recording_server: RecordingServer) -> None:
    with _fetcher() as fetcher, pytest.raises(SourceError, match="does not fit"):
        backfill_source(
            _google_spec(recording_server),
            fetcher,
            since=SINCE,
            until=UNTIL,
            cursor='{"kind":"listing","page":3}',
        )


# --- Naver News --------------------------------------------------------------------------------

NEWEST = datetime(2024, 11, 27, 8, 0, tzinfo=KST)


def _naver_item(index: int) -> dict[str, str]:
    """The index-th newest item, one hour older per index."""
    published = NEWEST - timedelta(hours=index)
    return {
        "title": f"<b>고양</b> 소식 {index}",
        "originallink": f"https://www.outlet.kr/news/{index}",
        "link": f"https://n.news.naver.com/mnews/article/001/{index:010d}",
        "description": "설명",
        "pubDate": published.strftime("%a, %d %b %Y %H:%M:%S +0900"),
    }


def _naver(total: int) -> Callable[[Any], Route]:
    def respond(request: Any) -> Route:
        start, display = int(request.query["start"]), int(request.query["display"])
        items = [_naver_item(i) for i in range(start - 1, min(total, start - 1 + display))]
        return (200, JSON, json.dumps({"total": total, "items": items}).encode())

    return respond


def _naver_spec(server: RecordingServer) -> SourceSpec:
    # max_pages is the everyday cap; a backfill pages as far as the API allows.
    return SourceSpec(name="naver", kind="naver_news", query="고양", base_url=server.base_url)


def test_naver_pages_by_date_until_items_are_older_than_since(
    recording_server: RecordingServer,
) -> None:
    recording_server.respond = _naver(5000)
    since = NEWEST - timedelta(hours=150)
    with _fetcher() as fetcher:
        steps = list(
            backfill_source(
                _naver_spec(recording_server), fetcher, since=since, until=UNTIL, environ=ENV
            )
        )
    assert [r.query["start"] for r in recording_server.requests] == ["1", "101"]
    assert all(
        r.query["sort"] == "date" and r.query["display"] == "100" for r in recording_server.requests
    )
    assert [s.label for s in steps] == ["results 1-100", "results 101-200"]
    assert [s.final for s in steps] == [False, True]
    found = [e for s in steps if s.result for e in s.result.entries]
    assert len(found) == 151  # items 0..150; item 151 is an hour older than since
    assert all(e.published_at is not None and e.published_at >= since for e in found)
    assert json.loads(steps[0].cursor) == {"kind": "naver_news", "start": 101}
    assert not any(s.warnings for s in steps)


def test_naver_limit_of_1000_results_is_a_warning(recording_server: RecordingServer) -> None:
    recording_server.respond = _naver(5000)
    with _fetcher() as fetcher:
        steps = list(
            backfill_source(
                _naver_spec(recording_server),
                fetcher,
                since=NEWEST - timedelta(days=365),
                until=UNTIL,
                environ=ENV,
            )
        )
    assert [r.query["start"] for r in recording_server.requests][-1] == "901"
    assert len(steps) == 10 and steps[-1].final
    assert "1,000-result limit" in steps[-1].warnings[0]


def test_naver_resumes_at_the_stored_offset_and_needs_credentials(
    recording_server: RecordingServer,
) -> None:
    recording_server.respond = _naver(250)
    steps = _walk(_naver_spec(recording_server), cursor='{"kind":"naver_news","start":201}')
    assert [r.query["start"] for r in recording_server.requests] == ["201"]
    assert len(steps) == 1 and steps[0].final  # a short page is the last one
    with _fetcher() as fetcher, pytest.raises(SourceSkipped, match="NAVER_CLIENT_ID"):
        backfill_source(
            _naver_spec(recording_server), fetcher, since=SINCE, until=UNTIL, environ={}
        )


# --- sitemaps ----------------------------------------------------------------------------------

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _index(base: str, children: Sequence[tuple[str, str | None]]) -> bytes:
    parts = [f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='{SM}'>"]
    for path, lastmod in children:
        stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        parts.append(f"<sitemap><loc>{base}{path}</loc>{stamp}</sitemap>")
    return "".join([*parts, "</sitemapindex>"]).encode()


def _urlset(base: str, items: Sequence[tuple[str, str]]) -> bytes:
    parts = [f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='{SM}'>"]
    for path, lastmod in items:
        parts.append(f"<url><loc>{base}{path}</loc><lastmod>{lastmod}</lastmod></url>")
    return "".join([*parts, "</urlset>"]).encode()


def _sitemaps(server: RecordingServer, failing: set[str]) -> None:
    base = server.base_url
    documents = {
        "/sitemap.xml": _index(
            base,
            [
                ("/sm-old.xml", "2024-10-15"),
                ("/sm-2024-11b.xml", "2024-11-20T10:00:00+09:00"),
                ("/sm-nested.xml", "2024-11-05"),
                ("/sm-2024-11a.xml", "2024-11-10"),
                ("/sm-older.xml", "2024-09-01"),
            ],
        ),
        "/sm-2024-11b.xml": _urlset(base, [("/a/1", "2024-11-19"), ("/a/0", "2024-10-02")]),
        "/sm-2024-11a.xml": _urlset(base, [("/a/2", "2024-11-09")]),
        "/sm-nested.xml": _index(
            base, [("/sm-leaf.xml", "2024-11-04"), ("/sm-leaf-old.xml", "2024-10-01")]
        ),
        "/sm-leaf.xml": _urlset(base, [("/a/3", "2024-11-03")]),
    }

    def respond(request: Any) -> Route:
        if request.path in failing:
            return (500, {}, b"down")
        body = documents.get(request.path)
        return (200, XML, body) if body else (404, {}, b"")

    server.respond = respond


def test_sitemap_walks_new_children_newest_first_and_skips_old_ones(
    recording_server: RecordingServer,
) -> None:
    _sitemaps(recording_server, failing=set())
    spec = SourceSpec(name="sm", kind="sitemap", url=f"{recording_server.base_url}/sitemap.xml")
    steps = _walk(spec)
    assert [r.path for r in recording_server.requests] == [
        "/sitemap.xml",
        "/sm-2024-11b.xml",
        "/sm-2024-11a.xml",
        "/sm-nested.xml",
        "/sm-leaf.xml",
    ]
    found = [e.url.rsplit("/", 1)[1] for s in steps if s.result for e in s.result.entries]
    assert found == ["1", "2", "3"]  # /a/0 is older than since
    assert steps[-1].final and steps[-1].result is None
    assert json.loads(steps[-1].cursor)["done"] == [
        f"{recording_server.base_url}/sm-2024-11b.xml",
        f"{recording_server.base_url}/sm-2024-11a.xml",
        f"{recording_server.base_url}/sm-leaf.xml",
    ]


def test_sitemap_failed_child_is_retried_on_resume(recording_server: RecordingServer) -> None:
    _sitemaps(recording_server, failing={"/sm-2024-11a.xml"})
    spec = SourceSpec(name="sm", kind="sitemap", url=f"{recording_server.base_url}/sitemap.xml")
    steps = _walk(spec)
    assert [s.error for s in steps if s.error] == ["HTTP 500"]
    assert not steps[-1].final  # a failed leaf keeps the backfill open
    _sitemaps(recording_server, failing=set())
    recording_server.requests.clear()
    resumed = _walk(spec, cursor=steps[-1].cursor)
    fetched = [r.path for r in recording_server.requests]
    assert fetched == ["/sitemap.xml", "/sm-2024-11a.xml", "/sm-nested.xml"]
    assert resumed[-1].final
    assert [e.url.rsplit("/", 1)[1] for s in resumed if s.result for e in s.result.entries] == ["2"]


# --- listings ----------------------------------------------------------------------------------


def _board(rows: Sequence[tuple[int, str]], next_href: str | None = None) -> bytes:
    """A press-release board page: a pinned old notice, then (id, date) rows, then a pager."""
    lines = ["<html><body><ul class='board'>"]
    lines.append("<li class='notice'><a href='/view?id=1'>공지</a><span>2023.01.02</span></li>")
    for number, day in rows:
        lines.append(
            f"<li><a href='/view?id={number}'>보도자료 {number}</a><span>{day}</span></li>"
        )
    lines.append("</ul>")
    if next_href:
        lines.append(f"<div class='pager'><a class='next' href='{next_href}'>다음</a></div>")
    return "".join([*lines, "</body></html>"]).encode()


PAGES = {
    1: [(100, "2024.11.25"), (99, "2024.11.24")],
    2: [(98, "2024.11.20"), (97, "2024.11.15")],
    3: [(96, "2024.11.02"), (95, "2024.10.28")],
    4: [(94, "2024.10.20"), (93, "2024.10.15")],
    5: [(92, "2024.10.10")],
}


def _listing(server: RecordingServer, *, links: bool = False) -> None:
    def respond(request: Any) -> Route:
        key = "p" if links else "page"
        number = int(request.query.get(key, "1"))
        rows = PAGES.get(number, [])
        next_href = f"/list?p={number + 1}" if links and number + 1 in PAGES else None
        return (200, HTML, _board(rows, next_href))

    server.respond = respond


def _listing_spec(server: RecordingServer, **keys: Any) -> SourceSpec:
    return SourceSpec(
        name="board",
        kind="listing",
        url=f"{server.base_url}/list",
        selector="ul.board a",
        role="press_release",
        **keys,
    )


def test_listing_pages_are_followed_until_older_than_since(
    recording_server: RecordingServer,
) -> None:
    _listing(recording_server)
    steps = _walk(_listing_spec(recording_server, page_param="page"))
    assert [r.query.get("page") for r in recording_server.requests] == [None, "2", "3", "4"]
    ids = [[e.url.rsplit("=", 1)[1] for e in s.result.entries] for s in steps if s.result]
    # The pinned notice is older than since; page 4's rows all are, which ends the walk.
    assert ids == [["100", "99"], ["98", "97"], ["96"], []]
    assert [s.final for s in steps] == [False, False, False, True]
    assert all(e.role == "press_release" for s in steps if s.result for e in s.result.entries)
    assert json.loads(steps[1].cursor)["page"] == 3


def test_listing_follows_next_selector_and_resumes_at_the_stored_page(
    recording_server: RecordingServer,
) -> None:
    _listing(recording_server, links=True)
    spec = _listing_spec(recording_server, next_selector=".pager a.next")
    steps = _walk(spec)
    assert [r.query.get("p") for r in recording_server.requests] == [None, "2", "3", "4"]
    recording_server.requests.clear()
    resumed = _walk(spec, cursor=steps[1].cursor)
    assert [r.query.get("p") for r in recording_server.requests] == ["3", "4"]
    assert [s.label for s in resumed] == ["page 3", "page 4"]


def test_listing_page_cap_is_a_warning_and_the_board_end_stops(
    recording_server: RecordingServer,
) -> None:
    _listing(recording_server)
    capped = _walk(_listing_spec(recording_server, page_param="page", backfill_max_pages=2))
    assert [s.label for s in capped] == ["page 1", "page 2", "page 3"]
    assert capped[-1].result is None and not capped[-1].final
    assert "backfill_max_pages" in capped[-1].warnings[0]
    recording_server.requests.clear()
    with _fetcher() as fetcher:
        ended = list(
            backfill_source(
                _listing_spec(recording_server, page_param="page"),
                fetcher,
                since=datetime(2020, 1, 1, tzinfo=KST),
                until=UNTIL,
            )
        )
    # Page 6 holds only the pinned notice seen before: past the board's end.
    assert [r.query.get("page") for r in recording_server.requests][-1] == "6"
    assert ended[-1].final and ended[-1].result is not None and not ended[-1].result.entries


def test_everyday_listing_follows_rel_next_up_to_max_pages(
    recording_server: RecordingServer,
) -> None:
    def respond(request: Any) -> Route:
        number = int(request.query.get("page", "1"))
        pager = f"<link rel='next' href='/list?page={number + 1}'>"
        return (200, HTML, _board(PAGES[number]).replace(b"<html>", f"<html>{pager}".encode()))

    recording_server.respond = respond
    with _fetcher() as fetcher:
        one = collect_source(_listing_spec(recording_server), fetcher)
        two = collect_source(_listing_spec(recording_server, max_pages=2), fetcher)
    assert len(one.entries) == 3  # the notice and page 1's rows: max_pages defaults to 1
    assert [e.url.rsplit("=", 1)[1] for e in two.entries] == ["1", "100", "99", "98", "97"]


def test_listing_first_page_without_links_is_a_failure_not_the_end(
    recording_server: RecordingServer,
) -> None:
    recording_server.respond = lambda _request: (200, HTML, b"<html><body>redesigned</body></html>")
    steps = _walk(_listing_spec(recording_server, page_param="page"))
    assert len(steps) == 1 and steps[0].error is not None and "selector" in steps[0].error
    assert not steps[0].final
