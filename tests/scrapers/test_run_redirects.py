"""A listed URL that redirects to a stored article (or to its http/https twin or another form
of its canonical URL) is that article: no second row, on this run or the next, and within one
run whichever of two listed addresses is fetched first.
(It drives monitor.run_once through a loopback server used as a proxy, so any host reaches it;
what it exercises is where the fetcher's redirects landed against the known URLs.)"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import httpx
import pytest
import sqlite_utils
from faults import FaultRequest, FaultServer, Reply
from testkit import BASE_ARTICLE, QUICK_FETCH

import db as store
from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.pipeline import RunReport, run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

TEMPLATE = (Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html").read_text("utf-8")
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
SKIP = "already stored (reached by redirect)"

CONFIG = (
    '[database]\npath = "unused.db"\n'
    + QUICK_FETCH
    + """
[[sources]]
name = "feed"
kind = "rss"
url = "http://news.test/rss.xml"

[[entities]]
id = "ilsan-techno-valley"
name = "일산테크노밸리"
core = true

[[outlets]]
domain = "news.test"
name = "테스트일보"
tier = "local"
"""
)


def _page(title: str) -> bytes:
    html = TEMPLATE.replace("시의회, 내년 예산안 심사 착수", title)
    return html.replace(
        '<link rel="canonical" href="https://example.kr/news/articleView.html?idxno=1">', ""
    ).encode()


def _feed(*paths: str) -> bytes:
    items = "".join(
        f"<item><title>기사 {path}</title><link>{escape('http://news.test' + path)}</link>"
        "<pubDate>Wed, 27 Nov 2024 09:00:00 +0900</pubDate></item>"
        for path in paths
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>테스트일보</title>{items}</channel></rss>"
    ).encode()


def _serve(server: FaultServer, listed: tuple[str, ...], moved: dict[str, str]) -> None:
    """The feed lists `listed`; each path of `moved` redirects to its target; /news/* pages."""
    server.routes["/rss.xml"] = lambda _r: Reply(200, RSS, _feed(*listed))
    for path, target in moved.items():
        server.routes[path] = lambda _r, to=target: Reply(301, {"Location": to})

    def article(request: FaultRequest) -> Reply:
        return Reply(200, HTML, _page(f"일산테크노밸리 소식 {request.path}"))

    for path in listed:
        if path.startswith("/news/"):
            server.routes[path] = article
    for target in moved.values():
        server.routes[urlsplit(target).path] = article


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")


Run = Callable[[], RunReport]


@pytest.fixture
def run(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    fault_server: FaultServer,
) -> Run:
    analyser = Analyser(kiwi, config.entities, config.topics)

    def once() -> RunReport:
        # One fetch at a time: pages are stored in the order the feed lists them.
        settings = FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0, concurrency=1)
        client = httpx.Client(proxy=fault_server.base_url, follow_redirects=False)
        with Fetcher(settings, client=client) as fetcher:
            return run_once(config, memory_db, fetcher=fetcher, analyser=analyser, clock=clock)

    return once


def _urls(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT url FROM articles ORDER BY id")]


def test_a_redirect_to_the_http_twin_of_a_stored_article_stores_nothing(
    run: Run, memory_db: sqlite_utils.Database, fault_server: FaultServer
) -> None:
    # Stored earlier under https (another source listed it so); the outlet's old address now
    # redirects to the same page under http.
    stored = "https://news.test/news/7"
    store.save_article(memory_db, replace(BASE_ARTICLE, url=stored, title="기사"), None, None)
    _serve(fault_server, ("/old/7",), {"/old/7": "http://news.test/news/7?utm_source=rss"})
    for _ in range(2):  # and again on the next run: the listed address is never stored
        report = run()
        assert (report.fetched, report.new_articles, report.errors) == (1, 0, ())
        assert report.skipped[SKIP] == 1
        assert _urls(memory_db) == [stored]
    assert fault_server.hits("/news/7") == 2


def test_a_redirect_to_a_stored_mobile_address_is_that_article(
    run: Run, memory_db: sqlite_utils.Database, fault_server: FaultServer
) -> None:
    stored = "http://www.news.test/news/8"
    store.save_article(memory_db, replace(BASE_ARTICLE, url=stored, title="기사"), None, None)
    _serve(fault_server, ("/old/8",), {"/old/8": "http://m.news.test/news/8#top"})
    report = run()
    assert (report.new_articles, report.skipped[SKIP]) == (0, 1)
    assert _urls(memory_db) == [stored]


@pytest.mark.parametrize("listed", [("/old/9", "/news/9"), ("/news/9", "/old/9")])
def test_an_old_and_a_new_address_in_one_run_are_one_article(
    run: Run,
    memory_db: sqlite_utils.Database,
    fault_server: FaultServer,
    listed: tuple[str, str],
) -> None:
    # Both listed, neither stored: the one fetched first is stored, the other is the same page.
    _serve(fault_server, listed, {"/old/9": "http://news.test/news/9"})
    report = run()
    assert (report.fetched, report.new_articles, report.skipped[SKIP]) == (2, 1, 1)
    assert _urls(memory_db) == ["http://news.test" + listed[0]]
