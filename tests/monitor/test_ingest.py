"""`monitor ingest` asks the run's known-URL and redirect checks: a page stored under another
address (its http/https twin, where its redirect landed, an old address leading to it) is that
article, updated in place, never a second row; a saved file named by its canonical link too."""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from testkit import BASE_ARTICLE, QUICK_FETCH, entity_block, mini_config

import db as store
from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.ingest import IngestOutcome, ingest_targets
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

TEMPLATE = (Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html").read_text("utf-8")
PAGE = TEMPLATE.replace("시의회, 내년 예산안 심사 착수", "일산테크노밸리 입주 기업 늘어")
# Old addresses of the outlet's pages and where they redirect now.
MOVED = {
    "http://news.test/old/1": "http://news.test/news/1?utm_source=old",
    "http://news.test/old/2": "http://news.test/news/2",
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    text = mini_config(
        entity_block("ilsan-techno-valley", "일산테크노밸리"),
        outlets=(("news.test", "테스트일보", "local"),),
    )
    return parse_config(tomllib.loads(text + QUICK_FETCH), tmp_path / "config.toml")


Ingest = Callable[[str], IngestOutcome]


@pytest.fixture
def requests() -> Counter[str]:
    return Counter()


@pytest.fixture
def ingest(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    requests: Counter[str],
) -> Ingest:
    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requests[url] += 1
        if url in MOVED:
            return httpx.Response(301, headers={"location": MOVED[url]})
        if request.url.path.startswith("/news/"):
            return httpx.Response(200, text=PAGE, headers={"content-type": "text/html"})
        return httpx.Response(404)

    def fetcher() -> Fetcher:
        settings = FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0)
        return Fetcher(settings, client=httpx.Client(transport=httpx.MockTransport(handle)))

    analyser = Analyser(kiwi, config.entities, config.topics)

    def once(target: str) -> IngestOutcome:
        _run, [outcome] = ingest_targets(
            config, memory_db, analyser, [target], fetcher=fetcher, clock=clock
        )
        return outcome

    return once


def _urls(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT url FROM articles ORDER BY id")]


def test_an_old_address_redirecting_onto_a_stored_article_updates_it(
    ingest: Ingest, memory_db: sqlite_utils.Database, requests: Counter[str]
) -> None:
    stored = "https://news.test/news/1"  # a feed gave it under https; the redirect says http
    article_id, _ = store.save_article(
        memory_db, replace(BASE_ARTICLE, url=stored, title="기사"), None, None
    )
    outcome = ingest("http://news.test/old/1")
    assert (outcome.outcome, outcome.article_id, outcome.url) == ("updated", article_id, stored)
    assert _urls(memory_db) == [stored]
    # The old address, and the twin of the stored one, are that article too, on request again.
    for again in ("http://news.test/old/1", "http://news.test/news/1"):
        assert ingest(again).article_id == article_id
    assert _urls(memory_db) == [stored]
    assert requests["http://news.test/old/1"] == 2


def test_where_an_ingested_pages_redirect_landed_is_that_article(
    ingest: Ingest, memory_db: sqlite_utils.Database
) -> None:
    first = ingest("http://news.test/old/2")
    assert first.outcome == "new" and first.url == "http://news.test/old/2"
    later = ingest("https://news.test/news/2")  # the landing address, under the other scheme
    assert (later.outcome, later.article_id) == ("updated", first.article_id)
    assert _urls(memory_db) == ["http://news.test/old/2"]


def test_a_saved_page_naming_the_twin_of_a_stored_article_updates_it(
    ingest: Ingest, memory_db: sqlite_utils.Database, tmp_path: Path
) -> None:
    stored = "http://example.kr/news/articleView.html?idxno=1"  # its canonical link says https
    article_id, _ = store.save_article(
        memory_db, replace(BASE_ARTICLE, url=stored, title="기사"), None, None
    )
    saved = tmp_path / "page.html"
    saved.write_text(PAGE, encoding="utf-8")
    outcome = ingest(str(saved))
    assert (outcome.outcome, outcome.article_id, outcome.url) == ("updated", article_id, stored)
    assert _urls(memory_db) == [stored]
