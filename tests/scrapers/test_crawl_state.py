"""What fetching remembers across runs: feed validators (a 304 is "nothing new"), the Naver
API's daily budget, and the known items a search stops paging at."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlite_utils
from faults import FaultRequest, FaultServer, Reply

import db as store
from scrapers import FetchSettings, MemoryCrawlState, SourceError, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source

KST = ZoneInfo("Asia/Seoul")
ENV = {"NAVER_CLIENT_ID": "id", "NAVER_CLIENT_SECRET": "secret"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
FEED = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
    "<item><title>고양시 소식</title><link>https://news.test/a/1</link></item>"
    "</channel></rss>"
).encode()


def _fetcher(
    state: Any = None, clock: Callable[[], datetime] | None = None, **settings: Any
) -> Fetcher:
    options: dict[str, Any] = {"state": state}
    if clock is not None:
        options["clock"] = clock
    return Fetcher(
        FetchSettings(per_host_delay_s=0.0, retries=0, respect_robots=False, **settings),
        sleep=lambda _s: None,
        **options,
    )


def _revalidating_feed(request: FaultRequest) -> Reply:
    """A feed server that answers 304 to the right validators, like Apache or nginx."""
    if request.headers.get("if-none-match") == '"v1"':
        return Reply(304, {"ETag": '"v1"'})
    return Reply(
        200, {**RSS, "ETag": '"v1"', "Last-Modified": "Wed, 27 Nov 2024 00:00:00 GMT"}, FEED
    )


def test_a_feed_is_revalidated_and_304_means_nothing_new(fault_server: FaultServer) -> None:
    fault_server.routes["/rss"] = _revalidating_feed
    spec = SourceSpec(name="feed", kind="rss", url=fault_server.base_url + "/rss")
    with _fetcher(MemoryCrawlState()) as fetcher:
        first = collect_source(spec, fetcher)
        again = collect_source(spec, fetcher)
    assert len(first.entries) == 1 and not first.not_modified
    assert again.entries == () and again.not_modified
    sent = [r.headers for r in fault_server.requests if r.path == "/rss"]
    assert "if-none-match" not in sent[0]
    assert sent[1]["if-none-match"] == '"v1"'
    assert sent[1]["if-modified-since"] == "Wed, 27 Nov 2024 00:00:00 GMT"


def test_pages_are_never_conditional(fault_server: FaultServer) -> None:
    fault_server.routes["/page"] = lambda _r: Reply(
        200, {"ETag": '"p"', "Content-Type": "text/html"}, b"<p>x</p>"
    )
    with _fetcher(MemoryCrawlState()) as fetcher:
        fetcher.fetch(fault_server.base_url + "/page")
        fetcher.fetch(fault_server.base_url + "/page")
    assert all("if-none-match" not in r.headers for r in fault_server.requests)


def test_stored_validators_count_only_after_a_clean_run(memory_db: sqlite_utils.Database) -> None:
    url = "https://news.test/rss"

    def run(error: str | None) -> int:
        run_id = store.start_run(memory_db, "run", "2024-11-27T09:00:00+09:00")
        crawl = store.CrawlStore(memory_db, run_id, "2024-11-27T09:00:00+09:00")
        crawl.save_feed_validators(url, "feed", f'"{run_id}"', None)
        # While its run is going, a validator is not trusted: the items are not stored yet.
        assert crawl.feed_validators(url) == (None, None) or run_id > 1
        if error:
            store.record_error(
                memory_db, run_id, "https://news.test/a/1", "fetch", error, "t", "feed"
            )
        store.finish_run(memory_db, run_id, "2024-11-27T09:05:00+09:00", "ok")
        return run_id

    crawl = store.CrawlStore(memory_db, 0, "t")
    first = run(None)
    assert crawl.feed_validators(url) == (f'"{first}"', None)
    # A run in which one of the feed's items failed: the next run reads the whole feed again,
    # so the failed item is retried instead of hiding behind a 304.
    run("HTTP 503")
    assert crawl.feed_validators(url) == (None, None)
    third = run(None)
    assert crawl.feed_validators(url) == (f'"{third}"', None)
    interrupted = store.start_run(memory_db, "run", "t")
    store.CrawlStore(memory_db, interrupted, "t").save_feed_validators(url, "feed", '"x"', None)
    store.finish_run(memory_db, interrupted, "t", "interrupted")
    assert crawl.feed_validators(url) == (None, None)


def _naver_api(total: int) -> Callable[[FaultRequest], Reply]:
    newest = datetime(2024, 11, 27, 18, 0, tzinfo=KST)

    def respond(request: FaultRequest) -> Reply:
        start = int(request.query["start"])
        items = [
            {
                "title": f"고양시 {i}",
                "originallink": f"https://www.outlet.test/news/{i}",
                "link": f"https://n.news.naver.com/mnews/article/001/{i:010d}",
                "description": "",
                "pubDate": (newest - timedelta(minutes=i)).strftime("%a, %d %b %Y %H:%M:%S +0900"),
            }
            for i in range(start - 1, min(total, start + 99))
        ]
        return Reply(
            200, {"Content-Type": "application/json"}, json.dumps({"items": items}).encode()
        )

    return respond


def _naver_spec(server: FaultServer, max_pages: int = 10) -> SourceSpec:
    return SourceSpec(
        name="naver", kind="naver_news", query="고양", base_url=server.base_url, max_pages=max_pages
    )


def test_naver_budget_is_counted_per_kst_day_and_stops_with_a_reason(
    fault_server: FaultServer, memory_db: sqlite_utils.Database
) -> None:
    fault_server.routes["/v1/search/news.json"] = _naver_api(1000)
    now = [datetime(2024, 11, 27, 23, 50, tzinfo=KST)]
    run_id = store.start_run(memory_db, "run", "t")
    state = store.CrawlStore(memory_db, run_id, "t")
    with _fetcher(state, clock=lambda: now[0], naver_daily_calls=3) as fetcher:
        first = collect_source(_naver_spec(fault_server), fetcher, environ=ENV)
        assert len(first.entries) == 300  # three pages read, the rest left for tomorrow
        assert any("daily budget used up (3 calls on 2024-11-27 KST)" in n for n in first.notes)
        with pytest.raises(SourceError, match="naver API daily budget used up"):
            collect_source(_naver_spec(fault_server), fetcher, environ=ENV)
        assert store.api_calls_on(memory_db, "naver", "2024-11-27") == 3
        now[0] += timedelta(minutes=15)  # past midnight KST: a new day's budget
        assert (
            len(collect_source(_naver_spec(fault_server, 1), fetcher, environ=ENV).entries) == 100
        )
    assert store.api_calls_on(memory_db, "naver", "2024-11-28") == 1
    assert fault_server.hits("/v1/search/news.json") == 4  # no request beyond the budget


def test_naver_stops_paging_once_items_are_known(fault_server: FaultServer) -> None:
    fault_server.routes["/v1/search/news.json"] = _naver_api(1000)

    class Known(MemoryCrawlState):
        def known_urls(self, urls: Any) -> set[str]:
            # An earlier run stored everything from item 150 on.
            return {u for u in urls if int(u.rsplit("/", 1)[1]) >= 150}

    with _fetcher(Known()) as fetcher:
        result = collect_source(_naver_spec(fault_server), fetcher, environ=ENV)
    assert [r.query["start"] for r in fault_server.requests] == ["1", "101"]
    assert len(result.entries) == 200
    assert any("already stored" in note for note in result.notes)


def test_naver_copy_is_the_fallback_when_the_publisher_is_gone() -> None:
    """The API gives both links; the publisher's is the key, the Naver copy the fallback."""
    item = {
        "title": "고양시",
        "originallink": "https://m.outlet.test/news/7?utm_source=naver",
        "link": "https://n.news.naver.com/mnews/article/001/0000000007?sid=102",
        "pubDate": "Wed, 27 Nov 2024 09:00:00 +0900",
    }
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.path == "/v1/search/news.json":
            return httpx.Response(200, json={"items": [item]})
        if request.url.host == "n.news.naver.com":
            return httpx.Response(200, html="<p>copy</p>")
        return httpx.Response(404)

    settings = FetchSettings(per_host_delay_s=0.0, retries=0, respect_robots=False)
    client = httpx.Client(transport=httpx.MockTransport(handle))
    with Fetcher(settings, client=client) as fetcher:
        spec = SourceSpec(
            name="naver", kind="naver_news", query="고양", base_url="https://api.test"
        )
        (entry,) = collect_source(spec, fetcher, environ=ENV).entries
        page = fetcher.fetch(entry.url)
    assert entry.url == "https://www.outlet.test/news/7"
    assert page.url == entry.url and page.body == b"<p>copy</p>"
    # The canonical form first, then the publisher's own form, then the portal copy.
    assert asked[1:] == [
        "https://www.outlet.test/news/7",
        "https://m.outlet.test/news/7?utm_source=naver",
        "https://n.news.naver.com/mnews/article/001/0000000007?sid=102",
    ]
