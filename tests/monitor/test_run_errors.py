"""`run --json`'s errors and skips: a failed source names its address, a skipped one no error."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from testkit import NEWS_TEST, entity_block, loopback_config, outlet_block, rss_source

from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.pipeline import RunReport, run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

CONFIG = loopback_config(
    rss_source("good", "http://news.test/rss.xml"),
    """
[[sources]]
name = "google-lih-g"
kind = "google_news"
query = "룩셈부르크 고양보건연구소"

[[sources]]
name = "naver"
kind = "naver_news"
query = "일산테크노밸리"
client_id_env = "QA_OUTPUT_NO_SUCH_ID"
client_secret_env = "QA_OUTPUT_NO_SUCH_SECRET"
""",
    registry=entity_block("ilsan-techno-valley", "일산테크노밸리") + outlet_block(*NEWS_TEST),
)

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>테스트일보</title><link>http://news.test/</link>
<description>d</description></channel></rss>"""


def _handle(request: httpx.Request) -> httpx.Response:
    if str(request.url) == "http://news.test/rss.xml":
        return httpx.Response(200, text=FEED, headers={"content-type": "application/rss+xml"})
    return httpx.Response(503)


def _run(
    config: Config, db: sqlite_utils.Database, kiwi: Kiwi, clock: Callable[[], datetime]
) -> RunReport:
    fetcher = Fetcher(
        FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0),
        client=httpx.Client(transport=httpx.MockTransport(_handle)),
    )
    with fetcher:
        analyser = Analyser(kiwi, config.entities, config.topics)
        return run_once(config, db, fetcher=fetcher, analyser=analyser, clock=clock)


@pytest.fixture
def report(
    tmp_path: Path,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> RunReport:
    monkeypatch.delenv("QA_OUTPUT_NO_SUCH_ID", raising=False)
    config = parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")
    return _run(config, memory_db, kiwi, clock)


def test_a_failed_source_names_its_address_and_itself(report: RunReport) -> None:
    data = json.loads(json.dumps(report.to_json()))
    (error,) = data["errors"]
    assert set(error) >= {"url", "stage", "error", "source"}
    assert error["stage"] == "source" and error["source"] == "google-lih-g"
    # The feed URL that failed, not the source's name.
    assert error["url"].startswith("https://news.google.com/rss/search?")
    assert "HTTP 503" in error["error"]


def test_a_source_without_credentials_is_skipped_not_an_error(
    report: RunReport, memory_db: sqlite_utils.Database
) -> None:
    data = report.to_json()
    assert all(e["source"] != "naver" for e in data["errors"])
    (reason,) = [k for k in data["skipped"] if "Naver credentials" in k]
    assert data["skipped"][reason] == 1
    assert data["skipped_sources"] == [
        {"source": "naver", "reason": reason.removeprefix("source skipped: ")}
    ]
    assert report.any_source_worked and report.sources_ok == 1
    assert "naver" not in dict(report.source_problems)
    recorded = memory_db.execute("SELECT source, url FROM errors").fetchall()
    assert recorded == [("google-lih-g", data["errors"][0]["url"])]


def test_skipped_sources_alone_do_not_make_the_run_partial(
    tmp_path: Path,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
) -> None:
    text = CONFIG.replace('kind = "google_news"', 'kind = "google_news"\nenabled = false')
    config = parse_config(tomllib.loads(text), tmp_path / "config.toml")
    report = _run(config, memory_db, kiwi, clock)
    assert report.errors == () and report.any_source_worked
    status = memory_db.execute("SELECT status FROM runs WHERE id = ?", [report.run_id]).fetchone()
    assert status == ("ok",)
