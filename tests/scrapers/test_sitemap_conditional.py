"""Sitemaps are revalidated like feeds: a url set that has not changed answers 304 and brings
nothing new; an index is always read in full; validators count only after a clean run."""

from __future__ import annotations

import sqlite_utils
from faults import FaultRequest, FaultServer, Reply

import db as store
from scrapers import FetchSettings, MemoryCrawlState, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source

XML = {"Content-Type": "application/xml; charset=utf-8"}
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _urlset(base: str, paths: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p}</loc><lastmod>2024-11-27T09:00:00+09:00</lastmod></url>"
        for p in paths
    )
    return f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='{SM}'>{urls}</urlset>".encode()


def _index(base: str) -> bytes:
    # No lastmod: the index stays byte for byte the same while its child changes.
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='{SM}'>"
        f"<sitemap><loc>{base}/news.xml</loc></sitemap></sitemapindex>"
    ).encode()


class Revalidating:
    """A document served with an ETag, answering 304 to that ETag, as nginx does."""

    def __init__(self, body: bytes, version: str = "v1") -> None:
        self.body = body
        self.version = version

    def __call__(self, request: FaultRequest) -> Reply:
        etag = f'"{self.version}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, {"ETag": etag})
        return Reply(200, {**XML, "ETag": etag}, self.body)


def _fetcher(state: object) -> Fetcher:
    return Fetcher(
        FetchSettings(per_host_delay_s=0.0, retries=0, respect_robots=False),
        sleep=lambda _s: None,
        state=state,  # type: ignore[arg-type]
    )


def _conditional(server: FaultServer, path: str) -> list[bool]:
    return ["if-none-match" in r.headers for r in server.requests if r.path == path]


def test_an_unchanged_sitemap_answers_304_with_nothing_new(fault_server: FaultServer) -> None:
    base = fault_server.base_url
    fault_server.routes["/news.xml"] = Revalidating(_urlset(base, ["/a/1", "/a/2"]))
    spec = SourceSpec(name="sitemap", kind="sitemap", url=base + "/news.xml")
    with _fetcher(MemoryCrawlState()) as fetcher:
        first = collect_source(spec, fetcher)
        again = collect_source(spec, fetcher)
    assert len(first.entries) == 2 and not first.not_modified
    assert again.entries == () and again.not_modified
    assert _conditional(fault_server, "/news.xml") == [False, True]


def test_an_index_is_read_in_full_and_its_children_revalidated(
    fault_server: FaultServer,
) -> None:
    base = fault_server.base_url
    child = Revalidating(_urlset(base, ["/a/1"]))
    fault_server.routes["/index.xml"] = Revalidating(_index(base))
    fault_server.routes["/news.xml"] = child
    spec = SourceSpec(name="sitemap", kind="sitemap", url=base + "/index.xml")
    with _fetcher(MemoryCrawlState()) as fetcher:
        assert len(collect_source(spec, fetcher).entries) == 1
        assert collect_source(spec, fetcher).entries == ()  # the child answered 304
        child.body, child.version = _urlset(base, ["/a/1", "/a/2"]), "v2"
        changed = collect_source(spec, fetcher)
    assert sorted(e.url for e in changed.entries) == [base + "/a/1", base + "/a/2"]
    assert _conditional(fault_server, "/index.xml") == [False, False, False]
    assert _conditional(fault_server, "/news.xml") == [False, True, True]


def test_sitemap_validators_count_only_after_a_clean_run(
    fault_server: FaultServer, memory_db: sqlite_utils.Database
) -> None:
    base = fault_server.base_url
    fault_server.routes["/news.xml"] = Revalidating(_urlset(base, ["/a/1"]))
    spec = SourceSpec(name="sitemap", kind="sitemap", url=base + "/news.xml")

    def run(page_error: str | None) -> int:
        run_id = store.start_run(memory_db, "run", "2024-11-27T09:00:00+09:00")
        with _fetcher(store.CrawlStore(memory_db, run_id, "2024-11-27T09:00:00+09:00")) as f:
            found = len(collect_source(spec, f).entries)
        if page_error:
            # One of the sitemap's pages failed: it must come back on the next run.
            page = base + "/a/1"
            store.record_error(memory_db, run_id, page, "fetch", page_error, "t", "sitemap")
        store.finish_run(memory_db, run_id, "2024-11-27T09:05:00+09:00", "ok")
        return found

    assert run("HTTP 503") == 1
    assert run(None) == 1  # read in full again, not hidden behind a 304
    assert run(None) == 0  # the clean run's validators hold
    assert _conditional(fault_server, "/news.xml") == [False, False, True]
