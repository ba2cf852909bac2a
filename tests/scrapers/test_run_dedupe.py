"""One article, counted once, however the sources find it: a Google News headline item and
the publisher's page (either order, one run or two; a hit whose outlet has no name by its
headline and day), and one page under http and https.
(It drives monitor.run_once, but what it exercises is the sources' dedupe and the known-URL
check.)"""

from __future__ import annotations

import base64
import tomllib
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from testkit import NEWS_TEST_FEED, loopback_config, rss_source

from db.corrections import set_label
from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.pipeline import RunReport, run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

TEMPLATE = (Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html").read_text("utf-8")
HEADLINE = "일산테크노밸리 바이오 기업 세 곳 입주 협약"
ARTICLE = "http://news.test/news/articleView.html?idxno=7"
TOKEN = "https://news.google.com/rss/articles/CBMiQkFVX3lxTE9wYXF1ZTc?oc=5"
TOKEN_KEY = "https://news.google.com/rss/articles/CBMiQkFVX3lxTE9wYXF1ZTc"

CONFIG = loopback_config(
    '\n[[sources]]\nname = "google"\nkind = "google_news"\nquery = "일산테크노밸리"\n',
    NEWS_TEST_FEED,
    rss_source("secure", "http://news.test/secure.xml"),
)

GOOGLE_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Google 뉴스</title>
<item><title>[종합] {HEADLINE} - 테스트일보</title><link>{TOKEN}</link>
<pubDate>Wed, 27 Nov 2024 03:00:00 GMT</pubDate><source url="http://news.test">테스트일보</source></item>
</channel></rss>"""


def _feed(link: str, title: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>테스트일보</title><link>http://news.test/</link>
<description>d</description><item><title>{title}</title><link>{link}</link>
<pubDate>Wed, 27 Nov 2024 11:39:00 +0900</pubDate></item></channel></rss>"""


PAGE = TEMPLATE.replace("시의회, 내년 예산안 심사 착수", HEADLINE).replace(
    "내년도 예산안", "일산테크노밸리 바이오 기업 입주 협약과 내년도 예산안"
)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")


class Site:
    """The mock web: a Google News search, the outlet's feeds and its article page."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        # The outlet's feed lists the article under a title of its own (a section tag).
        self.feed = _feed(ARTICLE, f"[경제] {HEADLINE}")
        self.secure_feed = _feed(ARTICLE.replace("http://", "https://"), HEADLINE)
        self.google_feed = GOOGLE_FEED

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests[url] += 1
        if url.startswith("https://news.google.com/rss/search"):
            return httpx.Response(200, text=self.google_feed, headers={"content-type": "text/xml"})
        if url.startswith("https://news.google.com/rss/articles/"):
            return httpx.Response(200, text="<html><script>go()</script></html>")
        if url == "http://news.test/rss.xml":
            return httpx.Response(200, text=self.feed, headers={"content-type": "text/xml"})
        if url == "http://news.test/secure.xml":
            return httpx.Response(200, text=self.secure_feed, headers={"content-type": "text/xml"})
        if url.endswith("//news.test/news/articleView.html?idxno=7"):
            return httpx.Response(200, text=PAGE, headers={"content-type": "text/html"})
        return httpx.Response(404)


Run = Callable[..., RunReport]


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def run(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    site: Site,
) -> Run:
    analyser = Analyser(kiwi, config.entities, config.topics)

    def once(*names: str) -> RunReport:
        fetcher = Fetcher(
            FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0),
            client=httpx.Client(transport=httpx.MockTransport(site.handle)),
        )
        return run_once(
            config, memory_db, fetcher=fetcher, analyser=analyser, clock=clock, source_names=names
        )

    return once


def _rows(db: sqlite_utils.Database) -> list[tuple[int, str, str]]:
    return db.execute("SELECT id, url, method FROM articles ORDER BY id").fetchall()


def test_the_article_completes_its_earlier_headline_item(
    run: Run,
    site: Site,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    first = run("google")
    assert first.new_articles == 1
    [(item_id, url, method)] = _rows(memory_db)
    assert (url, method) == (TOKEN_KEY, "headline")
    set_label(memory_db, item_id, relevant=True, at=clock().isoformat())
    assert_recount(memory_db, "2024-11-01", "2024-11-30")

    second = run("feed")
    # The outlet's page arrived: it is the article the headline item stood for, under its id.
    assert second.new_articles == 0
    assert second.skipped["headline item completed by its article"] == 1
    [(kept_id, url, method)] = _rows(memory_db)
    assert kept_id == item_id and url == ARTICLE and method != "headline"
    assert memory_db.execute("SELECT article_id FROM labels").fetchall() == [(item_id,)]
    assert memory_db.execute("SELECT url FROM pages").fetchall() == [(ARTICLE,)]
    mentions = "SELECT COUNT(*) FROM mentions WHERE article_id = ?"
    assert memory_db.execute(mentions, [item_id]).fetchone()[0] > 0
    # Search finds the article's words under the kept id, analysed as the pipeline stored them.
    terms = memory_db.execute("SELECT rowid, analysed, body FROM search_terms").fetchall()
    assert [(t[0], t[1]) for t in terms] == [(item_id, 2)] and terms[0][2].strip()
    assert_recount(memory_db, "2024-11-01", "2024-11-30")

    # The search keeps listing its token: the same headline is stored, nothing is fetched.
    third = run("google")
    assert third.new_articles == 0
    assert third.skipped["same headline already stored"] == 1
    assert site.requests[TOKEN_KEY] == 1 and site.requests[ARTICLE] == 1
    assert [r[0] for r in _rows(memory_db)] == [item_id]
    assert_recount(memory_db, "2024-11-01", "2024-11-30")


def test_a_headline_item_after_its_article_is_not_stored(
    run: Run,
    site: Site,
    memory_db: sqlite_utils.Database,
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    assert run("feed").new_articles == 1
    later = run("google")
    assert later.new_articles == 0
    assert later.skipped["same headline already stored"] == 1
    assert site.requests[TOKEN_KEY] == 0  # decided before any request
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE]
    assert_recount(memory_db, "2024-11-01", "2024-11-30")


def test_one_run_finding_both_stores_one_article(
    run: Run,
    site: Site,
    memory_db: sqlite_utils.Database,
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    # A listing cuts its titles short: only the fetched page's headline matches the hit's.
    site.feed = _feed(ARTICLE, HEADLINE[:12] + "…")
    report = run("google", "feed")
    assert report.new_articles == 1
    done = report.skipped.get("same headline already stored", 0)
    done += report.skipped.get("headline item completed by its article", 0)
    assert done == 1
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE]
    assert_recount(memory_db, "2024-11-01", "2024-11-30")


def test_another_outlets_headline_stays_its_own_item(
    run: Run, site: Site, memory_db: sqlite_utils.Database
) -> None:
    site.feed = _feed(ARTICLE, HEADLINE)
    site.google_feed = GOOGLE_FEED.replace("테스트일보", "경기일보")
    run("google")
    run("feed")
    outlets = memory_db.execute("SELECT outlet, method FROM articles ORDER BY id").fetchall()
    assert outlets[0] == ("경기일보", "headline") and outlets[1][0] == "테스트일보"


def test_http_and_https_of_one_page_are_one_article(
    run: Run, site: Site, memory_db: sqlite_utils.Database
) -> None:
    secure = ARTICLE.replace("http://", "https://")
    # Two sources list the page under both schemes in one run: the https form is fetched.
    report = run("feed", "secure")
    assert report.new_articles == 1 and report.skipped["same page under https"] == 1
    assert [r[1] for r in _rows(memory_db)] == [secure]
    assert site.requests[ARTICLE] == 0
    # Later runs offering either form fetch nothing: the stored https key stands for both.
    later = run("feed")
    assert later.new_articles == 0
    assert later.skipped["already stored under the other scheme"] == 1
    assert site.requests[ARTICLE] == 0 and site.requests[secure] == 1


def test_an_http_only_site_keeps_its_http_key(
    run: Run, site: Site, memory_db: sqlite_utils.Database
) -> None:
    run("feed")
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE]
    # Its https twin turning up later is the same article, not fetched.
    later = run("secure")
    assert later.new_articles == 0
    assert later.skipped["already stored under the other scheme"] == 1
    assert site.requests[ARTICLE.replace("http://", "https://")] == 0


# A hit whose outlet has no name: no " - 매체명" tail and an empty <source>, or no <source>.
NAMELESS = [
    f'<title>{HEADLINE}</title><source url="http://news.test"></source>',
    f"<title>{HEADLINE}</title>",
]


def _google_feed(item: str, link: str = TOKEN) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Google 뉴스</title>
<item>{item}<link>{link}</link><pubDate>Wed, 27 Nov 2024 03:00:00 GMT</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize("item", NAMELESS, ids=["empty source", "no source"])
def test_a_nameless_headline_hit_and_the_article_in_one_run_are_one(
    run: Run, site: Site, memory_db: sqlite_utils.Database, item: str
) -> None:
    site.google_feed = _google_feed(item)
    report = run("google", "feed")
    assert report.new_articles == 1
    assert report.skipped["same headline from another source"] == 1
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE]
    assert site.requests[TOKEN_KEY] == 0


@pytest.mark.parametrize("item", NAMELESS, ids=["empty source", "no source"])
def test_a_nameless_headline_hit_after_its_article_is_not_stored(
    run: Run, site: Site, memory_db: sqlite_utils.Database, item: str
) -> None:
    site.google_feed = _google_feed(item)
    assert run("feed").new_articles == 1
    later = run("google")
    assert (later.new_articles, later.skipped["same headline already stored"]) == (0, 1)
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE]
    assert site.requests[TOKEN_KEY] == 0


def test_the_article_completes_an_earlier_nameless_headline_item(
    run: Run,
    site: Site,
    memory_db: sqlite_utils.Database,
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    site.google_feed = _google_feed(NAMELESS[0])
    assert run("google").new_articles == 1
    [(item_id, url, method)] = _rows(memory_db)
    assert (url, method) == (TOKEN_KEY, "headline")
    second = run("feed")
    assert second.skipped["headline item completed by its article"] == 1
    [(kept_id, url, method)] = _rows(memory_db)
    assert (kept_id, url) == (item_id, ARTICLE) and method != "headline"
    assert_recount(memory_db, "2024-11-01", "2024-11-30")


@pytest.mark.parametrize(
    ("title", "date"),
    [
        (
            "일산테크노밸리 바이오 기업 입주 협약 연기",
            "Wed, 27 Nov 2024 03:00:00 GMT",
        ),  # another story
        (HEADLINE, "Fri, 29 Nov 2024 03:00:00 GMT"),  # the same words two days later
        ("포토뉴스", "Wed, 27 Nov 2024 03:00:00 GMT"),  # too short to name one story
    ],
    ids=["another story", "another day", "short headline"],
)
def test_a_nameless_headline_hit_of_another_story_or_day_stays_its_own_item(
    run: Run, site: Site, memory_db: sqlite_utils.Database, title: str, date: str
) -> None:
    site.feed = _feed(ARTICLE, "포토뉴스") if title == "포토뉴스" else site.feed
    site.google_feed = _google_feed(f"<title>{title}</title>").replace(
        "Wed, 27 Nov 2024 03:00:00 GMT", date
    )
    assert run("feed", "google").new_articles == 2
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE, TOKEN_KEY]


def test_a_nameless_hit_whose_token_embeds_the_url_is_that_page(
    run: Run, site: Site, memory_db: sqlite_utils.Database
) -> None:
    # The token holds the publisher's address (http); another source lists it under https.
    address = ARTICLE.encode()
    message = b"\x08\x13\x22" + bytes([len(address)]) + address + b"\xd2\x01\x05extra"
    token = base64.urlsafe_b64encode(message).decode().rstrip("=")
    site.google_feed = _google_feed(
        "<title>다른 제목의 검색 결과</title>", f"https://news.google.com/rss/articles/{token}"
    )
    report = run("google", "secure")
    assert (report.new_articles, report.skipped["same page under https"]) == (1, 1)
    assert [r[1] for r in _rows(memory_db)] == [ARTICLE.replace("http://", "https://")]
