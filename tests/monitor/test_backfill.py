"""`monitor backfill` end to end: windows through the pipeline, resuming after Ctrl-C or a stop,
finished backfills left alone, and backfilled articles counted exactly like collected ones."""

from __future__ import annotations

import json
import threading
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import sqlite_utils
from testkit import loopback_config, rss_source

import db as store
from monitor.analyse import Analyser
from monitor.backfill import (
    BackfillReport,
    SourcePlan,
    plan_backfill,
    report_plans,
    run_backfill,
)
from monitor.cli import main
from monitor.config import Config, parse_config
from monitor.errors import ConfigError
from monitor.pipeline import run_once
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

Clock = Callable[[], datetime]
Reply = tuple[int, str, bytes]
SINCE = date(2024, 11, 1)

CONFIG = loopback_config(
    """
[[sources]]
name = "google"
kind = "google_news"
query = "일산테크노밸리"
base_url = "{news}/rss/search"

[[sources]]
name = "press"
kind = "listing"
url = "{city}/list"
selector = "ul.board a"
page_param = "page"
role = "press_release"
outlet = "고양시"
""",
    rss_source("feed", "{news}/rss.xml"),
    database="monitor.db",
)

# Five distinct articles (so none is taken for a copy of another) on days inside the backfill.
ARTICLES = {
    1: (
        "2024-11-25",
        "일산테크노밸리 첫 입주기업 협약",
        "고양시는 일산테크노밸리에 입주할 바이오 기업 세 곳과 협약을 맺었다고 25일 밝혔다. "
        "협약식에는 기업 대표와 시 관계자 등 30여 명이 참석해 사업 계획을 공유했다.\n"
        "기업들은 연구시설을 먼저 짓고 2026년부터 생산시설을 갖출 계획이다. "
        "세 기업의 투자 규모는 모두 합쳐 1200억 원에 이를 것으로 보인다.\n"
        "시 관계자는 첨단 산업의 거점이 될 것이라고 기대했다. "
        "시는 입주 기업에 인허가 절차를 빠르게 처리하는 전담 창구를 열기로 했다.",
    ),
    2: (
        "2024-11-22",
        "일산테크노밸리 진입도로 공사 착공",
        "일산테크노밸리로 들어가는 진입도로 공사가 22일 시작됐다. "
        "착공식에는 지역 국회의원과 시의원, 인근 주민 대표들이 함께 자리했다.\n"
        "도로는 왕복 4차로로 지어지며 내후년 봄 개통을 목표로 한다. "
        "총사업비 가운데 절반은 경기도가, 나머지는 시가 부담한다.\n"
        "공사 기간 주변 교통은 우회로로 안내된다. "
        "시공사는 출퇴근 시간대에는 중장비 운행을 줄여 불편을 덜겠다고 밝혔다.",
    ),
    3: (
        "2024-11-18",
        "일산테크노밸리 투자설명회에 기업 40곳 참석",
        "서울 코엑스에서 열린 일산테크노밸리 투자설명회에 기업 40곳이 참석했다. "
        "설명회는 오전과 오후 두 차례 나뉘어 진행됐고 개별 상담도 함께 열렸다.\n"
        "참가 기업들은 분양 가격과 지원 제도에 관심을 보였다. "
        "특히 의료기기와 소프트웨어 분야 기업들의 문의가 많았던 것으로 전해졌다.\n"
        "주최 측은 상담 결과를 바탕으로 후속 면담을 이어간다. "
        "연말까지 입주 의향서를 받은 뒤 내년 상반기 분양 공고를 낼 예정이다.",
    ),
    4: (
        "2024-11-10",
        "시의회, 일산테크노밸리 예산 심사",
        "시의회 상임위원회가 10일 일산테크노밸리 관련 예산안을 심사했다. "
        "심사는 예정보다 두 시간 길어져 저녁 늦게야 끝났다.\n"
        "의원들은 토지 보상 일정과 사업비 증가 이유를 따져 물었다. "
        "일부 의원은 분양이 늦어지면 재정 부담이 커질 수 있다고 우려했다.\n"
        "집행부는 다음 달 수정안을 내기로 했다. "
        "위원장은 수정안이 오면 본회의 전에 다시 한 번 심사하겠다고 말했다.",
    ),
    5: (
        "2024-11-03",
        "일산테크노밸리 주민설명회 열려",
        "일산테크노밸리 조성 사업 주민설명회가 3일 지역 주민센터에서 열렸다. "
        "설명회에는 인근 아파트 단지 주민 100여 명이 참석해 자리를 가득 메웠다.\n"
        "주민들은 소음 대책과 녹지 확보 방안을 요구했다. "
        "통학로 안전과 공사 차량 출입 시간에 대한 질문도 이어졌다.\n"
        "사업단은 제기된 의견을 실시계획에 반영하겠다고 답했다. "
        "다음 설명회는 실시계획 초안이 나오는 내년 초에 열린다.",
    ),
}
# The city's board: two releases on page 1 and 2 (page 2's is older than the backfill).
RELEASES = {7: ("2024-11-26", 1), 6: ("2024-10-20", 2)}
RELEASE_BODY = (
    "고양시는 일산테크노밸리에 입주할 기업을 돕는 지원 계획을 발표했다. "
    "계획에는 임대료 감면과 연구 장비 공동 활용, 인력 채용 지원이 담겼다.\n"
    "지원 대상은 바이오와 정밀의료 분야의 중소기업이다. "
    "선정된 기업은 최대 3년 동안 단계별로 지원을 받는다.\n"
    "신청은 다음 달 말까지 받는다. "
    "자세한 내용은 시 누리집 공고문에서 확인할 수 있다."
)


def _article_page(title: str, day: str, body: str, outlet: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
    return (
        f'<html lang="ko"><head><meta charset="utf-8"><title>{title} - {outlet}</title>'
        f'<meta property="og:site_name" content="{outlet}"></head><body>'
        '<div class="nav"><a href="/">홈</a></div>'
        f'<div class="info-group"><ul><li>입력 {day.replace("-", ".")} 10:00</li></ul></div>'
        f'<article id="article-view-content-div"><h1>{title}</h1>{paragraphs}</article>'
        "</body></html>"
    ).encode()


def _rss_item(title: str, link: str, day: str) -> str:
    moment = datetime.fromisoformat(f"{day}T10:00:00+09:00")
    return (
        f"<item><title>{title} - 테스트일보</title><link>{link}</link>"
        f"<pubDate>{moment.strftime('%a, %d %b %Y %H:%M:%S +0900')}</pubDate>"
        "<source url='http://news.test'>테스트일보</source></item>"
    )


def _feed(items: list[str]) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        + "<title>테스트일보</title>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _window(query: str) -> tuple[str, str]:
    """The first and last day (ISO) a Google News query's after:/before: operators ask for."""
    terms = dict(t.split(":", 1) for t in query.split() if ":" in t)
    first = date.fromisoformat(terms["after"]) + timedelta(days=1)
    last = date.fromisoformat(terms["before"]) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


class Site:
    """The outlets, the Google News search and the city's board, answering by path and query."""

    def __init__(self, news: str, city: str) -> None:
        self.news = news
        self.city = city
        self.requests: Counter[str] = Counter()
        self.queries: list[tuple[str, str]] = []  # Google News windows in the order asked
        self.interrupt_at: str | None = None  # a window's first day: Ctrl-C when it is asked

    def reply(self, url: str) -> Reply:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.requests[parts.path + (f"?{parts.query}" if parts.path != "/rss/search" else "")] += 1
        if parts.path == "/rss/search":
            first, last = _window(query["q"])
            if first == self.interrupt_at:
                self.interrupt_at = None
                raise KeyboardInterrupt
            self.queries.append((first, last))
            items = [
                _rss_item(title, f"{self.news}/a/{n}", day)
                for n, (day, title, _body) in ARTICLES.items()
                if first <= day <= last
            ]
            return 200, "application/rss+xml; charset=utf-8", _feed(items)
        if parts.path == "/rss.xml":
            items = [_rss_item(t, f"{self.news}/a/{n}", d) for n, (d, t, _b) in ARTICLES.items()]
            return 200, "application/rss+xml; charset=utf-8", _feed(items)
        if parts.path.startswith("/a/"):
            day, title, body = ARTICLES[int(parts.path[3:])]
            return 200, "text/html; charset=utf-8", _article_page(title, day, body, "테스트일보")
        if parts.path == "/list":
            page = int(query.get("page", "1"))
            rows = "".join(
                f"<li><a href='{self.city}/view?id={n}'>보도자료 {n}</a>"
                f"<span>{day.replace('-', '.')}</span></li>"
                for n, (day, on_page) in RELEASES.items()
                if on_page == page
            )
            html = f"<html><body><ul class='board'>{rows}</ul></body></html>"
            return 200, "text/html; charset=utf-8", html.encode()
        if parts.path == "/view":
            n = int(query["id"])
            day = RELEASES[n][0]
            page = _article_page(f"일산테크노밸리 지원 계획 {n}", day, RELEASE_BODY, "고양시")
            return 200, "text/html; charset=utf-8", page
        return 404, "text/plain", b"not found"

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            status, content_type, body = self.reply(str(request.url))
            return httpx.Response(status, content=body, headers={"content-type": content_type})

        return httpx.MockTransport(handle)


@pytest.fixture
def site() -> Site:
    return Site("http://news.test", "http://city.test")


@pytest.fixture
def config(tmp_path: Path, site: Site) -> Config:
    text = CONFIG.replace("{news}", site.news).replace("{city}", site.city)
    return parse_config(tomllib.loads(text), tmp_path / "config.toml")


@pytest.fixture
def analyser(kiwi: Kiwi, config: Config) -> Analyser:
    return Analyser(kiwi, config.entities, config.topics)


@pytest.fixture
def fetcher(site: Site) -> Iterator[Fetcher]:
    client = httpx.Client(transport=site.transport())
    settings = FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0)
    with Fetcher(settings, client=client) as made:
        yield made
    client.close()


def _backfill(
    config: Config,
    database: sqlite_utils.Database,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    *,
    names: list[str] | None = None,
    restart: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[tuple[SourcePlan, ...], BackfillReport]:
    plans = plan_backfill(config, database, since=SINCE, source_names=names, restart=restart)
    report = run_backfill(
        config,
        database,
        plans,
        since=SINCE,
        fetcher=fetcher,
        analyser=analyser,
        clock=clock,
        environ={},
        should_stop=should_stop,
    )
    return plans, report


def _stored_urls(database: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in database.execute("SELECT url FROM articles ORDER BY url")]


def _article_fetches(site: Site) -> Counter[str]:
    return Counter({k: v for k, v in site.requests.items() if k.startswith(("/a/", "/view"))})


def test_backfill_walks_windows_through_the_pipeline_and_then_is_finished(
    config: Config,
    memory_db: sqlite_utils.Database,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    site: Site,
) -> None:
    plans, report = _backfill(config, memory_db, fetcher, analyser, clock)
    assert [p.action for p in plans] == ["start", "start", "unsupported"]
    by_name = {s.source: s for s in report.sources}
    assert (by_name["google"].status, by_name["google"].windows) == ("done", 4)
    assert by_name["google"].new_articles == 5
    assert site.queries == [
        ("2024-11-21", "2024-11-27"),
        ("2024-11-14", "2024-11-20"),
        ("2024-11-07", "2024-11-13"),
        ("2024-11-01", "2024-11-06"),
    ]
    # The board's page 2 holds only a release older than since: the walk ends there.
    assert (by_name["press"].status, by_name["press"].windows, by_name["press"].new_articles) == (
        "done",
        2,
        1,
    )
    assert by_name["feed"].status == "unsupported" and "RSS" in (by_name["feed"].reason or "")
    assert report.run is not None and report.run.new_articles == 6 and not report.run.errors
    assert report.any_source_worked and report.windows == 6
    run_row = memory_db.execute("SELECT kind, status FROM runs").fetchall()
    assert run_row == [("backfill", "ok")]
    roles = dict(memory_db.execute("SELECT url, role FROM articles").fetchall())
    assert roles["http://city.test/view?id=7"] == "press_release"
    state = store.read_backfill_state(memory_db, "google", SINCE)
    assert state is not None and state.done and state.windows == 4
    # The backfill health is recorded like a run's; the rss source was never part of it.
    health = {r["name"]: r for r in store.source_health(memory_db)}
    assert set(health) == {"google", "press"} and health["google"]["new_articles_last_run"] == 5

    # A finished backfill does nothing the second time.
    again = plan_backfill(config, memory_db, since=SINCE)
    assert [p.action for p in again] == ["finished", "finished", "unsupported"]
    idle = report_plans(again, since=SINCE, until=date(2024, 11, 27))
    assert [s.status for s in idle.sources] == ["finished earlier"] * 2 + ["unsupported"]
    assert idle.any_source_worked and idle.run is None
    assert idle.to_json()["run_id"] is None

    # --restart walks it again: every window asked, nothing fetched or stored twice.
    fetched_before = _article_fetches(site)
    _plans, restarted = _backfill(config, memory_db, fetcher, analyser, clock, restart=True)
    assert restarted.run is not None and restarted.run.new_articles == 0
    assert [s.status for s in restarted.sources] == ["done", "done", "unsupported"]
    assert _article_fetches(site) == fetched_before
    assert len(_stored_urls(memory_db)) == 6


def test_ctrl_c_mid_backfill_then_the_next_run_carries_on_from_the_cursor(
    config: Config,
    memory_db: sqlite_utils.Database,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    site: Site,
) -> None:
    site.interrupt_at = "2024-11-07"  # Ctrl-C while the third window is asked for
    with pytest.raises(KeyboardInterrupt):
        _backfill(config, memory_db, fetcher, analyser, clock, names=["google"])
    assert memory_db.execute("SELECT kind, status FROM runs").fetchall() == [
        ("backfill", "interrupted")
    ]
    assert len(_stored_urls(memory_db)) == 3  # the first two windows: articles 1, 2 and 3
    state = store.read_backfill_state(memory_db, "google", SINCE)
    assert state is not None and not state.done and state.windows == 2

    site.queries.clear()
    plans, report = _backfill(config, memory_db, fetcher, analyser, clock, names=["google"])
    assert plans[0].action == "resume"
    assert site.queries == [("2024-11-07", "2024-11-13"), ("2024-11-01", "2024-11-06")]
    (google,) = report.sources
    assert (google.status, google.windows, google.windows_total, google.resumed) == (
        "done",
        2,
        4,
        True,
    )
    assert google.new_articles == 2
    # Nothing lost, nothing twice: every article stored once, each page fetched once.
    assert _stored_urls(memory_db) == [f"http://news.test/a/{n}" for n in sorted(ARTICLES)]
    assert set(_article_fetches(site).values()) == {1}


def test_a_stop_between_windows_is_resumed_and_nothing_is_duplicated(
    config: Config,
    memory_db: sqlite_utils.Database,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    site: Site,
) -> None:
    def stop_after_first_window() -> bool:
        return len(_stored_urls(memory_db)) >= 2  # the first window holds articles 1 and 2

    _plans, stopped = _backfill(
        config, memory_db, fetcher, analyser, clock, should_stop=stop_after_first_window
    )
    assert stopped.stopped and stopped.any_source_worked
    assert [(s.status, s.windows) for s in stopped.sources] == [
        ("interrupted", 1),
        ("not reached", 0),
        ("unsupported", 0),
    ]
    row = memory_db.execute("SELECT status FROM runs").fetchone()
    assert row[0] == "interrupted"

    site.queries.clear()
    plans, resumed = _backfill(config, memory_db, fetcher, analyser, clock)
    assert [p.action for p in plans] == ["resume", "start", "unsupported"]
    assert site.queries[0] == ("2024-11-14", "2024-11-20")
    assert [(s.status, s.windows) for s in resumed.sources] == [
        ("done", 3),
        ("done", 2),
        ("unsupported", 0),
    ]
    urls = _stored_urls(memory_db)
    assert len(urls) == len(set(urls)) == 6
    assert set(_article_fetches(site).values()) == {1}


def test_backfilled_articles_count_exactly_like_collected_ones(
    config: Config,
    memory_db: sqlite_utils.Database,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    recount: Callable[[sqlite_utils.Database, str, str, str], dict[str, tuple[int, int, int]]],
) -> None:
    _backfill(config, memory_db, fetcher, analyser, clock, names=["google"])
    collected = store.open_database(":memory:")
    try:
        run_once(
            config,
            collected,
            fetcher=fetcher,
            analyser=analyser,
            clock=clock,
            source_names=["feed"],
        )
        for by in store.TALLY_DIMENSIONS:
            backfilled = store.tally(memory_db, by, "2024-11-01", "2024-11-30")
            assert backfilled == store.tally(collected, by, "2024-11-01", "2024-11-30"), by
            rows, total = backfilled
            counts = {r.key: (r.articles, r.outlets, r.stories) for r in rows}
            counts["total"] = (total.articles, total.outlets, total.stories)
            assert counts == recount(memory_db, "2024-11-01", "2024-11-30", by), by
        _rows, total = store.tally(memory_db, "entity", "2024-11-01", "2024-11-30")
        assert (total.articles, total.outlets, total.stories) == (5, 1, 5)
    finally:
        collected.conn.close()


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[Site]:
    """The same site on a loopback server, for the command, which builds its own fetcher."""
    holder: list[Site] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = holder[0].reply(f"http://loopback{self.path}")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    holder.append(Site(base, base))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


def _cli(
    tmp_path: Path,
    site: Site,
    kiwi: Kiwi,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    config_text: str = CONFIG,
) -> tuple[int, str, str]:
    config_path = tmp_path / "config.toml"
    text = config_text.replace("{news}", site.news).replace("{city}", site.city)
    config_path.write_text(text, encoding="utf-8")
    code = main(
        ["--config", str(config_path), "backfill", *args], environ={}, clock=clock, kiwi=kiwi
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_command_json_then_finished_then_usage_errors(
    tmp_path: Path,
    served: Site,
    kiwi: Kiwi,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _cli(tmp_path, served, kiwi, clock, capsys, "--since", "2024-11-01", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert {"run_id", "sources", "fetched", "new_articles", "relevant", "errors"} <= set(result)
    assert (result["new_articles"], result["windows"], result["since"]) == (6, 6, "2024-11-01")
    assert [(s["source"], s["status"], s["windows"]) for s in result["backfill"]] == [
        ("google", "done", 4),
        ("press", "done", 2),
        ("feed", "unsupported", 0),
    ]
    assert "google " in err  # progress lines on stderr (not a terminal: plain lines)

    code, out, err = _cli(tmp_path, served, kiwi, clock, capsys, "--since", "2024-11-01")
    assert code == 0
    assert "finished earlier" in out and "nothing to do (--restart walks" in out
    # Nothing to run: the same keys as a backfill that ran (and as `run --json`), zeroed.
    code, out, err = _cli(tmp_path, served, kiwi, clock, capsys, "--since", "2024-11-01", "--json")
    idle = json.loads(out)
    assert code == 0 and set(idle) == set(result)
    assert (idle["run_id"], idle["skipped_sources"], idle["errors"]) == (None, [], [])

    for bad in (["--since", "2024-13-01"], ["--since", "2024-11-28"]):
        code, out, err = _cli(tmp_path, served, kiwi, clock, capsys, *bad)
        assert (code, out, err.count("\n")) == (2, "", 1), err
    code, _out, err = _cli(
        tmp_path, served, kiwi, clock, capsys, "--since", "2024-11-01", "--source", "nope"
    )
    assert code == 2 and "nope" in err and err.count("\n") == 1


def test_command_exits_1_when_no_source_can_go_back(
    tmp_path: Path,
    served: Site,
    kiwi: Kiwi,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _cli(
        tmp_path, served, kiwi, clock, capsys, "--since", "2024-11-01", "--source", "feed"
    )
    assert code == 1
    assert err.startswith("monitor: error: no source could go back") and err.count("\n") == 1
    assert "feed" in out
    assert "nothing to do" in out and "--restart" not in out  # restarting would not help


def test_a_source_without_credentials_is_skipped_like_in_a_run(
    tmp_path: Path,
    memory_db: sqlite_utils.Database,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
) -> None:
    text = CONFIG.split("[[sources]]")[0] + (
        '[[sources]]\nname = "naver"\nkind = "naver_news"\nquery = "일산테크노밸리"\n'
        + "[[entities]]"
        + CONFIG.split("[[entities]]")[1]
    )
    naver_only = parse_config(tomllib.loads(text), tmp_path / "config.toml")
    _plans, report = _backfill(naver_only, memory_db, fetcher, analyser, clock)
    (naver,) = report.sources
    assert naver.status == "skipped" and "NAVER_CLIENT_ID" in (naver.reason or "")
    assert not report.any_source_worked
    # Skipped, not failed: counted with its reason, no error recorded.
    assert report.run is not None and report.run.errors == ()
    assert report.run.skipped_sources == (("naver", naver.reason),)
    assert store.read_backfill_state(memory_db, "naver", SINCE) is None


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ('kind = "rss"\nurl = "https://a.test/rss"\nnext_selector = "a.next"', "next_selector"),
        ('kind = "google_news"\nquery = "q"\nbackfill_max_pages = 5', "backfill_max_pages"),
        ('kind = "google_news"\nquery = "q"\nbackfill_window_days = 0', "backfill_window_days"),
        (
            'kind = "listing"\nurl = "https://a.test/"\nselector = "a"\nnext_selector = "a[["',
            "next_selector",
        ),
        (
            'kind = "listing"\nurl = "https://a.test/"\nselector = "a"\npage_param = "p"\n'
            'next_selector = "a.next"',
            "next_selector",
        ),
        ('kind = "listing"\nurl = "https://a.test/"\nselector = "a"\npage_param = 2', "page_param"),
    ],
)
def test_pagination_and_backfill_keys_are_validated(tmp_path: Path, source: str, key: str) -> None:
    text = (
        '[database]\npath = "x.db"\n[[sources]]\nname = "s"\n'
        + source
        + '\n[[entities]]\nid = "e"\nname = "이름"\n'
        + '[[outlets]]\ndomain = "a.test"\nname = "에이"\ntier = "local"\n'
    )
    with pytest.raises(ConfigError, match=rf"sources\[0\]\.{key}"):
        parse_config(tomllib.loads(text), tmp_path / "config.toml")
