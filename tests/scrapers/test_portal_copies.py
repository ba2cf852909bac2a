"""Portal copies (n.news.naver.com, news.naver.com read links, v.daum.net) belong to the outlet
that wrote them: they join that outlet's article, in its story, and never count as another
outlet. (It drives monitor.run_once over httpx MockTransport.)"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlite_utils

from db import tally
from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.pipeline import run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

PAGES = Path(__file__).parents[1] / "data" / "pages"
TEMPLATE = (PAGES / "ndsoft.html").read_text("utf-8")

CONFIG = """
[database]
path = "unused.db"

[[sources]]
name = "outlets"
kind = "rss"
url = "http://feeds.test/outlets.xml"

[[sources]]
name = "portals"
kind = "rss"
url = "http://feeds.test/portals.xml"

[[entities]]
id = "lih-g"
name = "룩셈부르크 고양보건연구소"
aliases = ["LIH-G"]

[[entities]]
id = "ncc"
name = "국립암센터"

[[outlets]]
domain = "hankyung.com"
name = "한국경제"
tier = "economic"
naver_oid = "015"

[[outlets]]
domain = "kyeonggi.com"
name = "경기일보"
tier = "local"
naver_oid = "666"
"""

NAVER_TITLE = "LIH-G, 국립암센터와 첫 국제 공동연구 착수"
DAUM_TITLE = '고양시의회, 바이오 클러스터 예산 30% 삭감…집행부 "사업 차질"'
HANKYUNG = "https://www.hankyung.com/article/2024082112345"
KYEONGGI = "https://www.kyeonggi.com/article/20241203580123"
# Three addresses of one Naver copy, as sources give them; one is stored.
NAVER_FORMS = (
    "https://news.naver.com/main/read.naver?mode=LSD&oid=015&aid=0005012345",
    "https://n.news.naver.com/mnews/article/015/0005012345?sid=102",
    "https://m.news.naver.com/article/015/0005012345",
)
NAVER_KEY = "https://n.news.naver.com/mnews/article/015/0005012345"
DAUM = "https://v.daum.net/v/20241203162012345"


def _outlet_page(title: str, stamp: str) -> str:
    """The outlet's own page for a story (an ndsoft page, as many Korean outlets run)."""
    return TEMPLATE.replace("시의회, 내년 예산안 심사 착수", title).replace(
        "2024.11.27 11:39", stamp
    )


def _feed(links: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>{u.replace('&', '&amp;')}</link></item>" for u, t in links
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>f</title>"
        f"<link>http://feeds.test/</link><description>d</description>{items}</channel></rss>"
    )


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")


def _run(
    config: Config,
    kiwi: Kiwi,
    db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    portal_links: list[tuple[str, str]],
    extra_pages: dict[str, str] | None = None,
) -> None:
    pages = extra_pages or {}
    pages |= {
        HANKYUNG: _outlet_page(NAVER_TITLE.replace('"', "&quot;"), "2024.08.21 09:30"),
        KYEONGGI: _outlet_page(DAUM_TITLE.replace('"', "&quot;"), "2024.12.03 16:05"),
        NAVER_KEY: (PAGES / "portal_naver_mnews.html").read_text("utf-8"),
        DAUM: (PAGES / "portal_daum.html").read_text("utf-8"),
    }
    feeds = {
        "http://feeds.test/outlets.xml": _feed([(HANKYUNG, NAVER_TITLE), (KYEONGGI, DAUM_TITLE)]),
        "http://feeds.test/portals.xml": _feed(portal_links),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url in feeds:
            return httpx.Response(200, text=feeds[url], headers={"content-type": "text/xml"})
        if url in pages:
            return httpx.Response(200, text=pages[url], headers={"content-type": "text/html"})
        return httpx.Response(404)

    fetcher = Fetcher(
        FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0),
        client=httpx.Client(transport=httpx.MockTransport(handle)),
    )
    analyser = Analyser(kiwi, config.entities, config.topics)
    run_once(config, db, fetcher=fetcher, analyser=analyser, clock=clock)


def _stored(db: sqlite_utils.Database, url: str) -> tuple[str, str, int]:
    row = db.execute(
        "SELECT outlet, tier, effective_story FROM effective_articles WHERE url = ?", [url]
    ).fetchone()
    assert row is not None, url
    return row[0], row[1], row[2]


def test_a_naver_copy_joins_its_outlets_article(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    _run(config, kiwi, memory_db, clock, [(u, NAVER_TITLE) for u in NAVER_FORMS])
    assert memory_db.execute(
        "SELECT COUNT(*) FROM articles WHERE url LIKE '%naver.com%'"
    ).fetchone() == (1,)
    own, copy = _stored(memory_db, HANKYUNG), _stored(memory_db, NAVER_KEY)
    # The office id 015 names 한국경제, whatever the portal page calls itself.
    assert copy == own and own[:2] == ("한국경제", "economic")
    _, total = tally(memory_db, "outlet", "2024-08-01", "2024-08-31")
    assert (total.articles, total.outlets) == (1, 1)  # one outlet's article, not two
    assert_recount(memory_db, "2024-08-01", "2024-08-31")


def test_a_naver_copy_of_an_office_outside_the_registry_is_not_the_portals(
    config: Config, kiwi: Kiwi, memory_db: sqlite_utils.Database, clock: Callable[[], datetime]
) -> None:
    unknown = NAVER_KEY.replace("/015/", "/999/")
    config = replace(config, outlets=tuple(o for o in config.outlets if o.naver_oid != "015"))
    page = (PAGES / "portal_naver_mnews.html").read_text("utf-8")
    _run(config, kiwi, memory_db, clock, [(unknown, NAVER_TITLE)], {unknown: page})
    row = memory_db.execute(
        "SELECT COALESCE(outlet, outlet_domain) FROM articles WHERE url = ?", [unknown]
    ).fetchone()
    assert row is not None
    # Counted under the office that wrote it, not under an outlet called "Naver".
    assert row[0] == "한국경제"


def test_a_daum_copy_joins_its_outlets_article(
    config: Config, kiwi: Kiwi, memory_db: sqlite_utils.Database, clock: Callable[[], datetime]
) -> None:
    _run(config, kiwi, memory_db, clock, [(DAUM, DAUM_TITLE)])
    own, copy = _stored(memory_db, KYEONGGI), _stored(memory_db, DAUM)
    assert own[:2] == ("경기일보", "local")
    assert copy == own
