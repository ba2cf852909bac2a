"""A whole collection run against a loopback site where everything goes wrong at once: the run
finishes, each failure is recorded with its stage and reason, and everything else is stored.
(It drives monitor.run_once, but what it exercises is the fetcher and the sources.)"""

from __future__ import annotations

import gzip
import json
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import sqlite_utils
from faults import FaultRequest, FaultServer, Reply

from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.health import assess_sources
from monitor.pipeline import RunReport, run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

TEMPLATE = (Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html").read_text("utf-8")
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def _page(title: str, charset: str = "utf-8") -> bytes:
    """An ndsoft-style article page titled `title`, encoded (and declared) in `charset`."""
    html = TEMPLATE.replace("시의회, 내년 예산안 심사 착수", title)
    html = html.replace(
        '<link rel="canonical" href="https://example.kr/news/articleView.html?idxno=1">', ""
    )
    return html.replace('charset="utf-8"', f'charset="{charset}"').encode(
        charset, errors="xmlcharrefreplace"
    )


def _sequence(*replies: Reply) -> Callable[[FaultRequest], Reply]:
    queue = list(replies)
    return lambda _r: queue.pop(0) if len(queue) > 1 else queue[0]


# path -> (headline, route): the faults of the issue, one link each, plus good pages.
def _site(base: str) -> dict[str, tuple[str, Callable[[FaultRequest], Reply]]]:
    good = lambda title: lambda _r: Reply(200, HTML, _page(title))  # noqa: E731
    return {
        "/news/1": ("좋은 기사", good("고양시 바이오 클러스터 착공")),
        "/news/flaky": (
            "5xx 뒤 성공",
            _sequence(Reply(503), Reply(200, HTML, _page("다시 살아난 서버"))),
        ),
        "/news/busy": (
            "429 뒤 성공",
            _sequence(
                Reply(429, {"Retry-After": "2"}), Reply(200, HTML, _page("기다린 뒤 받은 기사"))
            ),
        ),
        # The server says EUC-KR (header and meta) but sends UTF-8: a site that moved to UTF-8.
        "/news/lying-euckr": (
            "잘못 선언된 문자셋",
            lambda _r: Reply(
                200,
                {"Content-Type": "text/html; charset=euc-kr"},
                _page("일산테크노밸리 입주 협약").replace(b'charset="utf-8"', b'charset="euc-kr"'),
            ),
        ),
        # The header says UTF-8 but the page is CP949, as its meta says.
        "/news/lying-utf8": (
            "헤더만 UTF-8",
            lambda _r: Reply(200, HTML, _page("국립암센터와 협력 확대", "cp949")),
        ),
        "/news/reset": ("연결 끊김", lambda _r: Reply(fault="reset")),
        "/news/cut": (
            "잘린 본문",
            lambda _r: Reply(200, HTML, _page("잘린 기사"), fault="truncate"),
        ),
        "/news/hang": (
            "응답 없음",
            lambda _r: Reply(200, HTML, _page("늦은 기사"), fault="hang", pause_s=0.5),
        ),
        "/news/drip": (
            "느린 전송",
            lambda _r: Reply(200, HTML, _page("느린 기사"), fault="drip", pause_s=0.02),
        ),
        "/news/bomb": (
            "압축 폭탄",
            lambda _r: Reply(
                200, {**HTML, "Content-Encoding": "gzip"}, gzip.compress(b"<p>" + b"a" * 5_000_000)
            ),
        ),
        "/news/big": (
            "너무 큰 페이지",
            lambda _r: Reply(200, HTML, _page("큰 기사") + b" " * 300_000),
        ),
        "/news/loop": (
            "리다이렉트 고리",
            lambda _r: Reply(302, {"Location": base + "/news/loop2"}),
        ),
        "/news/loop2": ("", lambda _r: Reply(302, {"Location": "/news/loop?utm_source=x"})),
        "/private/1": ("robots 금지", good("금지된 기사")),
        "/files/report": (
            "PDF 첨부",
            lambda _r: Reply(200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"),
        ),
        "/files/photo.jpg": (
            "사진",
            lambda _r: Reply(200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff"),
        ),
        "/news/missing": ("없는 기사", lambda _r: Reply(404, HTML, b"not found")),
    }


def _feed(base: str, links: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{escape(base + path)}</link>"
        "<pubDate>Wed, 27 Nov 2024 09:00:00 +0900</pubDate></item>"
        for path, title in links
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>테스트일보</title>{items}</channel></rss>"
    ).encode()


def _config(tmp_path: Path, base: str) -> Config:
    text = f"""
[database]
path = "monitor.db"

[fetch]
per_host_delay_s = 0
retries = 1
backoff_s = 0.01
read_timeout_s = 0.25
total_timeout_s = 1.0
max_bytes = 100_000

[[sources]]
name = "main"
kind = "rss"
url = "{base}/rss.xml"

[[sources]]
name = "broken"
kind = "rss"
url = "{base}/broken.xml"

[[sources]]
name = "empty"
kind = "rss"
url = "{base}/empty.xml"

[[sources]]
name = "blocked"
kind = "rss"
url = "{base}/blocked.xml"

[[entities]]
id = "itv"
name = "일산테크노밸리"

[[outlets]]
domain = "127.0.0.1"
name = "테스트일보"
tier = "local"
"""
    return parse_config(tomllib.loads(text), tmp_path / "config.toml")


@pytest.fixture
def site(fault_server: FaultServer) -> FaultServer:
    base = fault_server.base_url
    pages = _site(base)
    for path, (_title, route) in pages.items():
        fault_server.routes[path] = route
    links = [(p, t) for p, (t, _r) in pages.items() if t]
    # The same article under other forms: tracking parameters, a fragment, the default port.
    links += [
        ("/news/1?utm_source=rss&utm_medium=feed", "좋은 기사 (추적)"),
        ("/news/1#comments", "좋은 기사 (조각)"),
    ]
    feed = _feed(base, links)
    fault_server.routes["/rss.xml"] = lambda _r: Reply(200, RSS, feed)
    fault_server.routes["/broken.xml"] = lambda _r: Reply(
        200, RSS, b"<rss><channel><item><title>x</title>\n<link>"
    )
    fault_server.routes["/empty.xml"] = lambda _r: Reply(200, RSS, b"")
    fault_server.routes["/blocked.xml"] = lambda _r: Reply(
        200, HTML, b"<html><head><title>Just a moment...</title></head></html>"
    )
    fault_server.routes["/robots.txt"] = lambda _r: Reply(
        200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
    )
    return fault_server


def _run(config: Config, db: sqlite_utils.Database, analyser: Analyser, clock: Any) -> RunReport:
    slept: list[float] = []
    settings: FetchSettings = config.fetch
    with Fetcher(settings, sleep=slept.append) as fetcher:
        return run_once(config, db, fetcher=fetcher, analyser=analyser, clock=clock)


def test_a_run_through_every_fault_finishes_records_and_stores_the_rest(
    site: FaultServer,
    tmp_path: Path,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
) -> None:
    base = site.base_url
    config = _config(tmp_path, base)
    analyser = Analyser(kiwi, config.entities, config.topics)
    report = _run(config, memory_db, analyser, clock)

    errors = {(e.url.removeprefix(base), e.stage): e.error for e in report.errors}
    broken = [e.error for e in report.errors if e.url.endswith("/broken.xml")]
    assert any(reason.startswith("malformed feed after 1 items") for reason in broken)
    assert errors[("/blocked.xml", "source")] == "not an RSS or Atom feed (page 'Just a moment...')"
    assert errors[("/empty.xml", "source")] == "empty feed (no content)"
    fetch = {url: reason for (url, stage), reason in errors.items() if stage == "fetch"}
    assert fetch.pop("/news/reset").startswith("connection ")
    assert fetch.pop("/news/cut").startswith("truncated body")
    assert fetch.pop("/news/hang") == "read timeout"
    assert fetch.pop("/news/drip") == "total timeout (>1 s)"
    assert fetch.pop("/news/bomb") == "too large (>100000 bytes)"
    assert fetch.pop("/news/big").startswith("too large (Content-Length")
    assert fetch.pop("/news/loop").startswith("redirect loop")
    assert fetch.pop("/private/1") == "blocked by robots.txt"
    assert fetch.pop("/files/report") == "not HTML: application/pdf"
    assert fetch.pop("/files/photo.jpg") == "not HTML: .jpg file"
    assert fetch.pop("/news/missing") == "HTTP 404"
    assert fetch == {}  # nothing else failed

    rows = {r["url"].removeprefix(base): r for r in memory_db["articles"].rows}
    assert set(rows) == {
        "/news/1",
        "/news/flaky",
        "/news/busy",
        "/news/lying-euckr",
        "/news/lying-utf8",
    }
    assert rows["/news/lying-euckr"]["title"] == "일산테크노밸리 입주 협약"
    assert rows["/news/lying-utf8"]["title"] == "국립암센터와 협력 확대"
    # The half-broken feed counts as read: its item before the break was kept.
    assert report.new_articles == 5 and report.sources_ok == 2
    assert site.hits("/news/1") == 1  # three forms of one URL, one request

    # The next run: stored pages are not asked for again; failed ones are retried.
    again = _run(config, memory_db, analyser, clock)
    assert again.new_articles == 0
    assert site.hits("/news/1") == 1 and site.hits("/news/flaky") == 2
    assert site.hits("/news/missing") == 2
    health = {h.name: h for h in assess_sources(memory_db, config)}
    assert health["main"].consecutive_failures == 0 and health["main"].new_articles_per_run == (
        0,
        5,
    )
    assert health["empty"].consecutive_failures == 2 and not health["empty"].failing
    assert health["empty"].last_error == "empty feed (no content)"
    assert health["broken"].consecutive_failures == 0
    _run(config, memory_db, analyser, clock)  # the third failure in a row flags a source
    assert {h.name for h in assess_sources(memory_db, config) if h.failing} == {"empty", "blocked"}
    recorded = memory_db.execute(
        "SELECT source, COUNT(*) FROM errors WHERE stage = 'source' GROUP BY source"
    ).fetchall()
    assert dict(recorded) == {"broken": 6, "empty": 3, "blocked": 3}  # every run, every source


def test_a_clean_feed_answers_304_on_the_next_run(
    fault_server: FaultServer,
    tmp_path: Path,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    clock: Callable[[], datetime],
) -> None:
    base = fault_server.base_url
    feed = _feed(base, [("/news/1", "좋은 기사")])
    fault_server.routes["/news/1"] = lambda _r: Reply(200, HTML, _page("고양시 소식"))

    def rss(request: FaultRequest) -> Reply:
        if request.headers.get("if-none-match") == '"7"':
            return Reply(304)
        return Reply(200, {**RSS, "ETag": '"7"'}, feed)

    fault_server.routes["/rss.xml"] = rss
    config = _config(tmp_path, base)
    config = type(config)(**{**config.__dict__, "sources": config.sources[:1]})
    analyser = Analyser(kiwi, config.entities, config.topics)
    first = _run(config, memory_db, analyser, clock)
    second = _run(config, memory_db, analyser, clock)
    assert (first.new_articles, second.new_articles) == (1, 0)
    assert second.errors == () and second.sources_ok == 1
    conditional = [
        r.headers.get("if-none-match") for r in fault_server.requests if r.path == "/rss.xml"
    ]
    assert conditional == [None, '"7"']
    (health,) = assess_sources(memory_db, config)
    assert health.consecutive_failures == 0 and health.new_articles_per_run == (0, 1)
    listed = json.loads(json.dumps([health.to_json()]))
    assert listed[0]["last_success"] and listed[0]["last_failure"] is None
