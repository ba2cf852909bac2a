"""monitor web: the pages over a real loopback server (digest, search, article, tally, report),
escaping of hostile scraped text, only http(s) links, security headers, 404 and 400 answers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from testkit import BASE_ARTICLE, Recount, entity_block, mini_config

import db as store
from monitor.cli import main
from monitor.config import WebConfig, load_config
from monitor.errors import UsageError
from monitor.web import WebApp, choose_address, is_loopback, running_web_server
from nlp.kiwi import Kiwi

CONFIG = mini_config(
    entity_block("ncc", "국립암센터"),
    entity_block("itv", "일산테크노밸리"),
    outlets=(("newspim.com", "뉴스핌", "internet"), ("kyeonggi.com", "경기일보", "local")),
)

CLOCK = lambda: datetime.fromisoformat("2024-11-26T18:00:00+09:00")  # noqa: E731
HOSTILE = '<script>alert("x")</script> 일산테크노밸리 <img src=x onerror=alert(1)>'

BASE = replace(
    BASE_ARTICLE,
    collected_at="2024-11-26T12:00:00+09:00",
    processed_at="2024-11-26T12:00:00+09:00",
    published_at="2024-11-26T10:00:00+09:00",
    published_date="2024-11-26",
    outlet="뉴스핌",
    outlet_domain="newspim.com",
    tier="internet",
)


def _mentions(entity: str, name: str, title: str, body: str) -> tuple[store.MentionRecord, ...]:
    found = []
    for field, text in (("title", title), ("body", body)):
        at = text.find(name)
        if at >= 0:
            found.append(store.MentionRecord(entity, field, at, at + len(name), name))
    return tuple(found)


def _add(database: object, url: str, title: str, body: str, **changes: object) -> int:
    entity = changes.pop("entity", None)
    mentions = (
        _mentions(str(entity[0]), str(entity[1]), title, body) if isinstance(entity, tuple) else ()
    )
    record = replace(BASE, url=url, title=title, body=body, mentions=mentions, **changes)  # type: ignore[arg-type]
    article_id, _ = store.save_article(database, record, None, None)  # type: ignore[arg-type]
    return article_id


@dataclass
class Site:
    base: str
    db_path: Path
    ids: dict[str, int]
    config_path: Path

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(kiwi: Kiwi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A few stored articles served on an ephemeral loopback port."""
    folder = tmp_path_factory.mktemp("web")
    config_path = folder / "config.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    config = load_config(config_path)
    database = store.open_database(config.database_path)
    ncc = ("ncc", "국립암센터")
    itv = ("itv", "일산테크노밸리")
    ids = {}
    ids["agreement"] = _add(
        database,
        "https://www.newspim.com/news/1",
        "고양시, 국립암센터와 정밀의료 협약",
        "고양시가 국립암센터와 정밀의료 협약을 맺었다.\n\n협약은 클러스터 조성을 위한 것이다.",
        entity=ncc,
    )
    ids["copy"] = _add(
        database,
        "https://www.kyeonggi.com/article/7",
        "고양시-국립암센터 정밀의료 맞손",
        "고양시와 국립암센터가 정밀의료 협약을 체결했다.",
        outlet="경기일보",
        outlet_domain="kyeonggi.com",
        tier="local",
        story_id=ids["agreement"],
        published_at="2024-11-26T14:00:00+09:00",
        entity=ncc,
    )
    ids["hostile"] = _add(
        database,
        "javascript:alert(1)",
        HOSTILE,
        "일산테크노밸리 공사가 또 늦어졌다. <b>비판</b>이 나온다.",
        outlet="<i>악성</i>",
        outlet_domain="evil.example",
        tier=None,
        tone="negative",
        topic="infrastructure",
        entity=itv,
    )
    ids["irrelevant"] = _add(
        database,
        "https://www.newspim.com/news/2",
        "코스피 외국인 매도에 약세",
        "코스피가 하락했다.",
        relevant=False,
        topic=None,
        tone="negative",
    )
    ids["yesterday"] = _add(
        database,
        "https://www.kyeonggi.com/article/8",
        "일산테크노밸리 기업 설명회",
        "일산테크노밸리 입주 설명회가 열렸다.",
        outlet="경기일보",
        outlet_domain="kyeonggi.com",
        tier="local",
        topic="event",
        published_at="2024-11-25T09:00:00+09:00",
        published_date="2024-11-25",
        entity=itv,
    )
    database.conn.close()
    app = WebApp(config, clock=CLOCK, kiwi=lambda: kiwi)
    with running_web_server(app, "127.0.0.1", 0) as server:
        yield Site(server.url.rstrip("/"), config.database_path, ids, config_path)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_digest_shows_the_days_relevant_stories_with_links_around_it(site: Site) -> None:
    page = site.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "고양시, 국립암센터와 정밀의료 협약" in html
    assert "코스피" not in html  # not relevant
    assert "일산테크노밸리 기업 설명회" not in html  # the day before
    assert 'href="/?date=2024-11-25"' in html and 'href="/?date=2024-11-27"' in html
    assert f'href="/article/{site.ids["agreement"]}"' in html
    # The syndicated copy is folded into its story, both outlets listed.
    assert "뉴스핌 외 1개 매체" in html
    previous = site.get("/?date=2024-11-25").text
    assert "일산테크노밸리 기업 설명회" in previous
    assert "고양시, 국립암센터와 정밀의료 협약" not in previous


def test_hostile_scraped_text_is_escaped_everywhere_and_only_http_links_are_emitted(
    site: Site,
) -> None:
    pages = [
        site.get("/").text,
        site.get("/search?q=일산테크노밸리").text,
        site.get(f"/article/{site.ids['hostile']}").text,
    ]
    for html in pages:
        assert "<script" not in html
        assert "<img" not in html
        assert "<i>악성</i>" not in html
        assert "&lt;script&gt;" in html
        assert "javascript:" not in html
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert all(h.startswith(("/", "http://", "https://")) for h in hrefs), hrefs


def test_search_highlights_hits_and_applies_filters(site: Site) -> None:
    html = site.get("/search", params={"q": "국립암센터"}).text
    assert "<mark>국립암센터</mark>" in html
    assert f'href="/article/{site.ids["agreement"]}"' in html
    assert f'href="/article/{site.ids["copy"]}"' in html
    # Filters come from config and keep their values.
    assert '<option value="ncc">국립암센터</option>' in html
    assert '<option value="뉴스핌">' in html
    by_entity = site.get("/search", params={"entity": "itv"}).text
    assert f'href="/article/{site.ids["hostile"]}"' in by_entity
    assert f'href="/article/{site.ids["agreement"]}"' not in by_entity
    assert '<option value="itv" selected>' in by_entity
    local = site.get("/search", params={"q": "국립암센터", "tier": "local"}).text
    assert f'href="/article/{site.ids["copy"]}"' in local
    assert f'href="/article/{site.ids["agreement"]}"' not in local
    dated = site.get("/search", params={"entity": "itv", "until": "2024-11-25"}).text
    assert f'href="/article/{site.ids["yesterday"]}"' in dated
    assert f'href="/article/{site.ids["hostile"]}"' not in dated


def test_search_leaves_out_irrelevant_articles_unless_all(site: Site) -> None:
    relevant_only = site.get("/search", params={"q": "코스피"}).text
    assert f'href="/article/{site.ids["irrelevant"]}"' not in relevant_only
    assert "조건에 맞는 기사가 없습니다" in relevant_only
    everything = site.get("/search", params={"q": "코스피", "all": "1"}).text
    assert f'href="/article/{site.ids["irrelevant"]}"' in everything
    assert "관련 없음" in everything


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": '"국립암센터'}, "unbalanced quote"),
        ({"q": "-"}, "lone '-'"),
        ({"entity": "nobody"}, "설정에 없는 대상"),
        ({"tone": "angry"}, "논조"),
        ({"since": "2024-13-40"}, "YYYY-MM-DD"),
        ({"since": "2024-11-26", "until": "2024-11-01"}, "앞섭니다"),
        ({"limit": "0"}, "limit"),
        ({"colour": "red"}, "알 수 없는 조건"),
    ],
)
def test_bad_search_parameters_are_a_400_page_with_a_message(
    site: Site, query: dict[str, str], message: str
) -> None:
    page = site.get("/search", params=query)
    assert page.status_code == 400
    assert message in _text(page.text).replace("&#39;", "'")
    assert "Traceback" not in page.text


def test_article_page_marks_mentions_and_lists_copies(site: Site) -> None:
    page = site.get(f"/article/{site.ids['agreement']}")
    assert page.status_code == 200
    html = page.text
    assert re.search(r"<mark[^>]*>국립암센터</mark>와 정밀의료 협약", html)  # title mention
    assert html.count("<p>") >= 2  # body paragraphs kept apart
    assert 'href="https://www.newspim.com/news/1"' in html
    assert f'href="/article/{site.ids["copy"]}"' in html  # the story's other copy
    assert "경기일보" in html


@pytest.mark.parametrize(
    "path", ["/nope", "/article/999999", "/article/abc", "/article/0", "/search/", "/static/x"]
)
def test_unknown_paths_are_404_with_security_headers(site: Site, path: str) -> None:
    page = site.get(path)
    assert page.status_code == 404
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_every_page_carries_the_policy_and_no_script(site: Site) -> None:
    for path in ["/", "/search?q=협약", f"/article/{site.ids['agreement']}", "/tally", "/report"]:
        page = site.get(path)
        assert page.status_code == 200, path
        assert "script-src" not in page.headers["content-security-policy"]  # none allowed
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in page.text
        assert ' style="' not in page.text  # the policy allows only our stylesheet
    css = site.get("/static/web.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_writes_and_foreign_hosts_are_refused(site: Site) -> None:
    assert httpx.post(site.base + "/", timeout=30).status_code == 405
    head = httpx.head(site.base + "/", timeout=30)
    assert head.status_code == 200 and head.content == b""
    # A page elsewhere reaching us through a DNS name rebound to 127.0.0.1.
    assert site.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert site.get("/", headers={"Host": "localhost"}).status_code == 200


def test_tally_page_and_downloads_equal_a_recount(site: Site, recount: Recount) -> None:
    database = store.open_database(site.db_path)
    expected = recount(database, "2024-11-01", "2024-11-30", "entity")
    database.conn.close()
    html = site.get("/tally", params={"period": "2024-11", "by": "entity"}).text
    assert "국립암센터" in html and "일산테크노밸리" in html
    assert 'href="/search?entity=ncc&amp;since=2024-11-01&amp;until=2024-11-30"' in html
    data = site.get("/tally", params={"period": "2024-11", "by": "entity", "format": "csv"})
    assert data.headers["content-type"].startswith("text/csv")
    assert "attachment" in data.headers["content-disposition"]
    assert data.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
    counted = {r[0]: (int(r[2]), int(r[3]), int(r[4])) for r in rows[1:]}
    assert counted == expected
    sheet = site.get("/tally", params={"period": "2024-11", "format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert len(workbook.sheetnames) == 2


def test_tally_and_report_refuse_bad_parameters(site: Site) -> None:
    assert site.get("/tally", params={"period": "2024-13"}).status_code == 400
    assert site.get("/tally", params={"by": "colour"}).status_code == 400
    assert site.get("/tally", params={"format": "pdf"}).status_code == 400
    assert site.get("/report", params={"period": "someday"}).status_code == 400


def test_report_page_gives_the_periods_figures(site: Site) -> None:
    page = site.get("/report", params={"period": "2024-11"})
    assert page.status_code == 200
    assert "보도자료 배포" in page.text and "주제별 보도" in page.text
    workbook = site.get("/report", params={"period": "2024-11", "format": "xlsx"})
    assert openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames[0] == "요약"


def test_a_non_loopback_address_needs_an_explicit_host() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.0.10")
    assert choose_address(WebConfig(), None, None) == ("127.0.0.1", 8080)
    assert choose_address(WebConfig(), None, 0) == ("127.0.0.1", 0)
    with pytest.raises(UsageError, match=r"--host 0\.0\.0\.0"):
        choose_address(WebConfig(host="0.0.0.0"), None, None)
    assert choose_address(WebConfig(host="0.0.0.0"), "0.0.0.0", None) == ("0.0.0.0", 8080)
    with pytest.raises(UsageError, match="not a TCP port"):
        choose_address(WebConfig(), None, 70000)


def test_cli_refuses_a_configured_non_loopback_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(CONFIG + '\n[web]\nhost = "0.0.0.0"\n', encoding="utf-8")
    code = main(["--config", str(config_path), "web"], environ={}, clock=CLOCK)
    assert code == 1
    assert "not a loopback address" in capsys.readouterr().err
