"""A listed URL that redirects to a stored article (or to its http/https twin or another form
of its canonical URL) is that article: no second row, on this run or the next, and within one
run whichever of two listed addresses is fetched first. Across runs both ways round: the old
address is not fetched again, and the address a stored page's redirect landed on (in any of
its forms) is that stored article.
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
from testkit import BASE_ARTICLE, NEWS_TEST_FEED, loopback_config

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
ANOTHER_ADDRESS = "already stored under another address"

CONFIG = loopback_config(NEWS_TEST_FEED)


def _page(title: str) -> bytes:
    html = TEMPLATE.replace("시의회, 내년 예산안 심사 착수", title)
    return html.replace(
        '<link rel="canonical" href="https://example.kr/news/articleView.html?idxno=1">', ""
    ).encode()


def _feed(*paths: str) -> bytes:
    """A feed listing each path on http://news.test (or each full URL as it is)."""
    items = "".join(
        f"<item><title>기사 {path}</title>"
        f"<link>{escape(path if '://' in path else 'http://news.test' + path)}</link>"
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

    for path in (urlsplit(u).path for u in listed):
        if path.startswith("/news/"):
            server.routes[path] = article
    for target in moved.values():
        server.routes[urlsplit(target).path] = article


@pytest.fixture
def role(request: pytest.FixtureRequest) -> str:
    """The feed's role: coverage, or (parametrized indirectly) the city's press releases."""
    return str(getattr(request, "param", "coverage"))


@pytest.fixture
def config(tmp_path: Path, role: str) -> Config:
    text = CONFIG.replace('kind = "rss"', f'kind = "rss"\nrole = "{role}"')
    return parse_config(tomllib.loads(text), tmp_path / "config.toml")


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
    report = run()
    assert (report.fetched, report.new_articles, report.errors) == (1, 0, ())
    assert report.skipped[SKIP] == 1
    assert _urls(memory_db) == [stored]
    # The next run knows the old address as the article's: not fetched, never stored.
    again = run()
    assert (again.fetched, again.new_articles, again.errors) == (0, 0, ())
    assert again.skipped[ANOTHER_ADDRESS] == 1
    assert _urls(memory_db) == [stored]
    assert (fault_server.hits("/old/7"), fault_server.hits("/news/7")) == (1, 1)


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


@pytest.mark.parametrize(
    "listed",
    [
        "http://news.test/news/5",
        "https://news.test/news/5",
        "http://news.test/news/5?utm_source=rss#top",
    ],
)
def test_where_a_stored_pages_redirect_landed_is_that_article_on_later_runs(
    run: Run, memory_db: sqlite_utils.Database, fault_server: FaultServer, listed: str
) -> None:
    # Run 1 stores the page under the old address the feed gave; it redirected to /news/5.
    _serve(fault_server, ("/old/5",), {"/old/5": "http://news.test/news/5"})
    assert run().new_articles == 1
    assert _urls(memory_db) == ["http://news.test/old/5"]
    # Run 2's feed lists the new address directly (or its twin, or with tracking parameters).
    _serve(fault_server, (listed,), {})
    report = run()
    assert (report.fetched, report.new_articles, report.errors) == (0, 0, ())
    assert report.skipped[ANOTHER_ADDRESS] == 1
    assert _urls(memory_db) == ["http://news.test/old/5"]
    assert fault_server.hits("/news/5") == 1


@pytest.mark.parametrize("role", ["press_release"], indirect=True)
def test_a_press_release_redirecting_onto_a_stored_article_marks_it(
    run: Run, memory_db: sqlite_utils.Database, fault_server: FaultServer
) -> None:
    # The city's board lists its release under an address that redirects to a page a feed
    # brought in earlier as coverage: that article is the press release (never coverage).
    stored = "https://news.test/news/6"
    store.save_article(memory_db, replace(BASE_ARTICLE, url=stored, title="기사"), None, None)
    _serve(fault_server, ("/old/6",), {"/old/6": "http://news.test/news/6"})
    report = run()
    assert (report.new_articles, report.skipped[SKIP]) == (0, 1)
    rows = memory_db.execute("SELECT url, role FROM articles").fetchall()
    assert rows == [(stored, "press_release")]
    # Known by its old address from now on: the next run marks it again without a fetch.
    again = run()
    assert (again.fetched, again.skipped[ANOTHER_ADDRESS]) == (0, 1)
