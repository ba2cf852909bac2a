"""Per-item outcomes of run_once over httpx MockTransport: nothing stops a run or is lost."""

from __future__ import annotations

import base64
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from testkit import loopback_config, rss_source

from db import MAX_PAGE_ATTEMPTS
from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.pipeline import run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings, SourceSpec
from scrapers.fetch import Fetcher

PAGES = Path(__file__).parents[1] / "data" / "pages"

CONFIG = loopback_config(
    rss_source("good", "http://news.test/rss.xml"), rss_source("broken", "http://down.test/rss.xml")
)

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>테스트일보</title><link>http://news.test/</link><description>d</description>
<item><title>기사</title><link>http://news.test/news/articleView.html?idxno=1</link>
<pubDate>Wed, 27 Nov 2024 11:39:00 +0900</pubDate></item>
<item><title>섹션</title><link>http://news.test/section</link>
<pubDate>Wed, 27 Nov 2024 11:40:00 +0900</pubDate></item>
<item><title>일산테크노밸리 기업 입주 협약</title><link>http://news.test/gone</link>
<pubDate>Wed, 27 Nov 2024 12:00:00 +0900</pubDate>
<content:encoded><![CDATA[<p>고양시는 일산테크노밸리에 바이오 기업 세 곳이
입주하기로 하고 27일 협약을 맺었다고 밝혔다.
시는 기업들이 연구시설을 먼저 짓고 2026년부터 생산시설을 갖출 계획이라고 설명했다.</p>
<p>시 관계자는 입주 기업이 늘어나면 일산테크노밸리가
수도권 북부의 바이오 거점이 될 것이라고 기대했다.
협약식에는 기업 대표와 시 관계자 등 30여 명이 참석했다.</p>]]></content:encoded></item>
</channel></rss>"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")


def _transport(requests: Counter[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requests[url] += 1
        html = {"content-type": "text/html; charset=utf-8"}
        if url == "http://news.test/rss.xml":
            return httpx.Response(200, text=FEED, headers={"content-type": "application/rss+xml"})
        if url.startswith("http://down.test/"):
            return httpx.Response(503)
        if url == "http://news.test/news/articleView.html?idxno=1":
            return httpx.Response(200, content=(PAGES / "ndsoft.html").read_bytes(), headers=html)
        if url == "http://news.test/section":
            return httpx.Response(200, content=(PAGES / "section.html").read_bytes(), headers=html)
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def test_outcomes_per_item_and_nothing_fetched_twice(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
) -> None:
    requests: Counter[str] = Counter()
    analyser = Analyser(kiwi, config.entities, config.topics)
    client = httpx.Client(transport=_transport(requests))
    fetcher = Fetcher(
        FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0), client=client
    )

    first = run_once(config, memory_db, fetcher=fetcher, analyser=analyser, clock=clock)
    assert (first.sources, first.sources_ok) == (2, 1)
    assert first.source_problems == (("broken", "HTTP 503"),)
    assert first.fetched == 2  # the article and the section front; the third page is gone
    assert first.new_articles == 2  # the article, and the gone page from the feed's full text
    stages = sorted((e.stage, e.url) for e in first.errors)
    assert stages == [
        ("extract", "http://news.test/section"),
        ("source", "http://down.test/rss.xml"),
    ]

    from_feed = memory_db.execute(
        "SELECT method, relevant, outlet, published_date FROM articles WHERE url = ?",
        ["http://news.test/gone"],
    ).fetchone()
    assert from_feed[0] == "feed"
    assert from_feed[1:] == (1, "테스트일보", "2024-11-27")
    # The section front is kept raw (no article) so it is not fetched again.
    assert memory_db.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 3

    # A page without an article is tried again on the next runs (it may have been a maintenance
    # page), MAX_PAGE_ATTEMPTS times in all; stored articles are never fetched again.
    for _ in range(MAX_PAGE_ATTEMPTS):
        later = run_once(config, memory_db, fetcher=fetcher, analyser=analyser, clock=clock)
        assert later.new_articles == 0
    assert requests["http://news.test/section"] == MAX_PAGE_ATTEMPTS
    assert requests["http://news.test/news/articleView.html?idxno=1"] == 1
    assert requests["http://news.test/gone"] == 1
    assert [e.stage for e in later.errors] == ["source"]
    rows = memory_db.execute("SELECT status, errors FROM runs ORDER BY id").fetchall()
    assert rows[0] == ("partial", 2)
    assert rows[-1] == ("partial", 1)


def _google_token(url: str) -> str:
    payload = b"\x08\x13\x22" + bytes([len(url)]) + url.encode() + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


GOOGLE_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>"일산테크노밸리" - Google 뉴스</title>
<item><title>일산테크노밸리 기업 입주 협약 - 테스트일보</title>
<link>https://news.google.com/rss/articles/CBMiQkFVX3lxTE9wYXF1ZTE?oc=5</link>
<pubDate>Wed, 27 Nov 2024 03:00:00 GMT</pubDate><source url="http://news.test">테스트일보</source></item>
<item><title>고양시, 일산테크노밸리 바이오 앵커기업 유치 박차 - 경기일보</title>
<link>https://news.google.com/rss/articles/CBMiQkFVX3lxTE9wYXF1ZTI?oc=5</link>
<pubDate>Wed, 27 Nov 2024 04:00:00 GMT</pubDate><source url="https://www.kyeonggi.com">경기일보</source></item>
<item><title>기사 - 테스트일보</title>
<link>https://news.google.com/rss/articles/{_google_token("http://news.test/news/articleView.html?idxno=1")}?oc=5</link>
<pubDate>Wed, 27 Nov 2024 02:39:00 GMT</pubDate><source url="http://news.test">테스트일보</source></item>
</channel></rss>"""


def test_google_news_hits_resolve_dedupe_or_keep_their_headline(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
) -> None:
    google = SourceSpec("google", "google_news", url="https://news.google.com/rss/search?q=x")
    config = replace(config, sources=(config.sources[0], google))
    requests: Counter[str] = Counter()
    inner = _transport(requests)

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith("https://news.google.com/rss/search"):
            requests[url] += 1
            return httpx.Response(200, text=GOOGLE_FEED, headers={"content-type": "text/xml"})
        if url.startswith("https://news.google.com/rss/articles/"):
            requests[url] += 1  # today's tokens lead to a script page, not the article
            return httpx.Response(200, text="<html><script>go()</script></html>")
        return inner.handle_request(request)

    fetcher = Fetcher(
        FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0),
        client=httpx.Client(transport=httpx.MockTransport(handle)),
    )
    analyser = Analyser(kiwi, config.entities, config.topics)
    report = run_once(config, memory_db, fetcher=fetcher, analyser=analyser, clock=clock)

    # The old-style token named the publisher URL the feed also listed: fetched once.
    assert requests["http://news.test/news/articleView.html?idxno=1"] == 1
    # The same outlet's same headline, found by the feed under its own URL, is not a second item.
    assert report.skipped["same headline from another source"] == 1
    rows = memory_db.execute(
        "SELECT title, outlet, method, relevant, published_date FROM articles "
        "WHERE url LIKE 'https://news.google.com/%'"
    ).fetchall()
    assert rows == [
        (
            "고양시, 일산테크노밸리 바이오 앵커기업 유치 박차",
            "경기일보",
            "headline",
            1,
            "2024-11-27",
        )
    ]
