"""`monitor schedule`: triggers in Seoul time, catch-up, locks, clean stops, stored outcomes.

No test sleeps: clocks are injected, jobs are called directly, and the one real scheduler loop
runs a due job that sets the stop event itself.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
import sqlite_utils
from apscheduler.triggers.cron import CronTrigger
from testkit import QUICK_FETCH, TECHNO_VALLEY_AT_NEWS_TEST

import db as store
from monitor.analyse import Analyser, Analysis
from monitor.cli import main
from monitor.config import Config, ScheduleConfig, parse_config
from monitor.locks import CollectionBusy, SchedulerRunning, collection_lock, scheduler_lock
from monitor.periods import KST
from monitor.schedule import (
    COLLECTION,
    COLLECTION_GRACE_S,
    DIGEST,
    DIGEST_GRACE_S,
    MAX_COUNTED_FIRINGS,
    ScheduleDeps,
    ScheduledJobs,
    build_scheduler,
    count_firings,
    plan_catch_up,
    run_schedule,
    serve_until_stopped,
    stopping_on_signals,
)
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

KST_NAME = "Asia/Seoul"
REPO = Path(__file__).resolve().parents[2]

CONFIG = (
    """
[database]
path = "monitor.db"

[schedule]
crawl = "*/30 * * * *"
digest = "0 8 * * *"

"""
    + QUICK_FETCH
    + """
concurrency = 1

[digest]
out_dir = "out/digests"

[[sources]]
name = "feed"
kind = "rss"
url = "http://news.test/rss.xml"

"""
    + TECHNO_VALLEY_AT_NEWS_TEST
)

ARTICLES = 3


def _feed() -> str:
    items = "".join(
        f"<item><title>일산테크노밸리 소식 {n}</title>"
        f"<link>http://news.test/news/{n}.html</link>"
        f"<pubDate>Wed, 27 Nov 2024 0{n}:00:00 +0900</pubDate></item>"
        for n in range(1, ARTICLES + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>테스트일보</title><link>http://news.test/</link><description>d</description>"
        f"{items}</channel></rss>"
    )


def _page(n: int) -> str:
    subjects = ["바이오 기업 입주", "연구소 착공", "투자 협약"]
    subject = subjects[(n - 1) % len(subjects)]
    return f"""<html><head><meta charset="utf-8"><title>일산테크노밸리 {subject}</title></head>
<body><div id="menu"><a href="/a">정치</a> <a href="/b">경제</a></div>
<article><h1>일산테크노밸리 {subject} 소식 {n}</h1>
<p>고양시는 일산테크노밸리에서 {subject} 관련 행사를 {n}일 열었다고 밝혔다. 시는 이번 일로
지역 바이오 산업의 기반이 한층 넓어질 것으로 내다봤다.</p>
<p>시 관계자는 일산테크노밸리가 수도권 북부의 거점이 되도록 지원을 이어가겠다고 말했다.
행사에는 기업 대표와 연구자 등 {n}0여 명이 참석해 협력 방안을 논의했다.</p>
<p>시는 내년 상반기까지 세부 계획을 마련하고, 입주 기업과의 간담회를 정례화할 계획이다.
관련 예산은 다음 달 시의회에 제출된다. 이번 {n}번째 소식은 테스트일보가 전했다.</p>
</article><div class="footer">ⓒ 테스트일보</div></body></html>"""


def _handler(request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    if url == "http://news.test/rss.xml":
        return httpx.Response(200, text=_feed(), headers={"content-type": "application/rss+xml"})
    for n in range(1, ARTICLES + 1):
        if url == f"http://news.test/news/{n}.html":
            return httpx.Response(
                200, content=_page(n).encode(), headers={"content-type": "text/html"}
            )
    return httpx.Response(404)


def _fetcher(handler: Callable[[httpx.Request], httpx.Response] = _handler) -> Fetcher:
    return Fetcher(
        FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0, concurrency=1),
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")


@pytest.fixture
def database(config: Config) -> Iterator[sqlite_utils.Database]:
    """A file database (the locks need a path), at the config's database path."""
    database = store.open_database(config.database_path)
    yield database
    database.conn.close()


def _deps(
    config: Config,
    database: sqlite_utils.Database,
    clock: Callable[[], datetime],
    kiwi: Kiwi | None = None,
    *,
    make_analyser: Callable[[], Analyser] | None = None,
    make_fetcher: Callable[[], Fetcher] = _fetcher,
) -> ScheduleDeps:
    def analyser() -> Analyser:
        assert kiwi is not None, "this test does not load Kiwi"
        return Analyser(kiwi, config.entities, config.topics)

    return ScheduleDeps(
        config=config,
        db=database,
        clock=clock,
        make_analyser=make_analyser or analyser,
        make_fetcher=make_fetcher,
        log=logging.getLogger("monitor.schedule.test"),
    )


def _runs(database: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return database.execute("SELECT id, kind, status FROM runs ORDER BY id").fetchall()


def _errors(database: sqlite_utils.Database, run_id: int) -> list[tuple[Any, ...]]:
    return database.execute(
        "SELECT stage, error FROM errors WHERE run_id = ? ORDER BY id", [run_id]
    ).fetchall()


def _add_run(database: sqlite_utils.Database, kind: str, started_at: str) -> int:
    run_id = store.start_run(database, kind, started_at)
    store.finish_run(database, run_id, started_at, "ok")
    return run_id


# --- triggers -----------------------------------------------------------------------------------


def test_jobs_fire_on_their_crons_in_seoul_time(
    config: Config, database: sqlite_utils.Database
) -> None:
    now = _at("2024-11-27T09:10:00+09:00")
    jobs = ScheduledJobs(_deps(config, database, lambda: now), threading.Event())
    scheduler = build_scheduler(jobs, config.schedule, now=now)
    collection, digest = scheduler.get_job(COLLECTION), scheduler.get_job(DIGEST)
    assert collection.trigger.get_next_fire_time(None, now) == _at("2024-11-27T09:30:00+09:00")
    assert digest.trigger.get_next_fire_time(None, now) == _at("2024-11-28T08:00:00+09:00")
    assert str(digest.trigger.timezone) == KST_NAME
    for job, grace_s in ((collection, COLLECTION_GRACE_S), (digest, DIGEST_GRACE_S)):
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, grace_s)
        assert not hasattr(job, "next_run_time")  # nothing due: the crons alone decide


def test_crons_are_read_in_the_configured_zone(
    config: Config, database: sqlite_utils.Database
) -> None:
    now = _at("2024-11-27T09:10:00+09:00")
    schedule = ScheduleConfig(timezone="UTC", crawl="0 * * * *", digest="0 8 * * *")
    jobs = ScheduledJobs(_deps(config, database, lambda: now), threading.Event())
    scheduler = build_scheduler(jobs, schedule, now=now)
    # 08:00 UTC is 17:00 in Seoul.
    fire = scheduler.get_job(DIGEST).trigger.get_next_fire_time(None, now)
    assert fire == _at("2024-11-27T17:00:00+09:00")


# --- catch-up -----------------------------------------------------------------------------------


def test_catch_up_on_an_empty_database_collects_at_once(
    config: Config, database: sqlite_utils.Database
) -> None:
    collection, digest = plan_catch_up(database, config.schedule, _at("2024-11-27T09:10:00+09:00"))
    assert (collection.due, collection.never, collection.missed) == (True, True, 0)
    assert not digest.due  # no collection yet: the first digest waits for its firing
    assert collection.describe(KST) == "no collection yet; running one now"


def test_missed_firings_coalesce_into_one_run(
    config: Config, database: sqlite_utils.Database
) -> None:
    _add_run(database, "run", "2024-11-27T06:10:00+09:00")
    now = _at("2024-11-27T09:10:00+09:00")
    collection, digest = plan_catch_up(database, config.schedule, now)
    # 06:30, 07:00, ..., 09:00: six firings while nothing ran.
    assert (collection.due, collection.missed) == (True, 6)
    assert collection.describe(KST) == (
        "missed 6 collections since 2024-11-27 06:10 KST; running one now"
    )
    # No digest yet: counted from the first collection, 08:00 was missed.
    assert (digest.due, digest.missed, digest.never) == (True, 1, True)

    jobs = ScheduledJobs(_deps(config, database, lambda: now), threading.Event())
    scheduler = build_scheduler(jobs, config.schedule, now=now, due=[COLLECTION, DIGEST])
    # One immediate run each, then the crons.
    assert scheduler.get_job(COLLECTION).next_run_time == now
    assert scheduler.get_job(DIGEST).next_run_time == now


def test_nothing_missed_means_no_catch_up(config: Config, database: sqlite_utils.Database) -> None:
    # A run stamped at the very second of a firing is that firing.
    _add_run(database, "run", "2024-11-27T09:00:00+09:00")
    _add_run(database, "digest", "2024-11-27T08:00:00+09:00")
    collection, digest = plan_catch_up(database, config.schedule, _at("2024-11-27T09:29:59+09:00"))
    assert (collection.due, collection.missed) == (False, 0)
    assert (digest.due, digest.missed) == (False, 0)
    assert collection.describe(KST) == "collection: last at 2024-11-27 09:00 KST, nothing missed"
    # Other kinds of runs are not collections.
    _add_run(database, "ingest", "2024-11-27T09:45:00+09:00")
    collection, _ = plan_catch_up(database, config.schedule, _at("2024-11-27T10:10:00+09:00"))
    assert (collection.due, collection.missed, collection.since) == (
        True,
        2,
        _at("2024-11-27T09:00:00+09:00"),
    )


def test_counting_firings_stops_at_the_cap() -> None:
    trigger = CronTrigger.from_crontab("* * * * *", timezone=KST)
    start = _at("2024-11-27T00:00:00+09:00")
    assert count_firings(trigger, start, _at("2024-11-27T00:03:00+09:00")) == 3
    assert count_firings(trigger, start, _at("2025-11-27T00:00:00+09:00")) == MAX_COUNTED_FIRINGS


# --- locks --------------------------------------------------------------------------------------


def test_a_second_scheduler_is_refused(config: Config, clock: Callable[[], datetime]) -> None:
    with scheduler_lock(config.database_path, clock=clock):
        # flock locks belong to open files: a second open in one process conflicts too.
        with (
            pytest.raises(SchedulerRunning) as caught,
            scheduler_lock(config.database_path, clock=clock),
        ):
            pass
        message = str(caught.value)
        assert "a scheduler is already running on this database" in message
        assert f"pid {os.getpid()}" in message and "\n" not in message
        # The scheduler lock is not the collection lock: a manual run may still collect.
        with collection_lock(config.database_path, what="run", clock=clock):
            pass
    with scheduler_lock(config.database_path, clock=clock):
        pass  # released on exit


def test_a_busy_collection_lock_skips_the_firing(
    config: Config, database: sqlite_utils.Database, clock: Callable[[], datetime]
) -> None:
    jobs = ScheduledJobs(_deps(config, database, clock), threading.Event())
    with collection_lock(config.database_path, what="run", clock=clock):
        outcome = jobs.collect()
    assert outcome.status == "skipped"
    assert "another collection holds the database (run, pid" in outcome.summary
    assert _runs(database) == [(outcome.run_id, "run", "skipped")]
    ((stage, error),) = _errors(database, outcome.run_id or 0)
    assert stage == "schedule" and error == outcome.summary


def test_monitor_run_exits_when_a_collection_holds_the_lock(
    config: Config, clock: Callable[[], datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    config.path.write_text(CONFIG, encoding="utf-8")
    with collection_lock(config.database_path, what="scheduled collection", clock=clock):
        code = main(["--config", str(config.path), "run"], environ={}, clock=clock)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("monitor: error: another collection is running on this database")
    assert "scheduled collection" in err and err.count("\n") == 1


def test_collection_busy_names_the_holder(config: Config, clock: Callable[[], datetime]) -> None:
    with (
        collection_lock(config.database_path, what="backfill", clock=clock),
        pytest.raises(CollectionBusy) as caught,
        collection_lock(config.database_path, what="run", clock=clock),
    ):
        pass
    assert caught.value.holder.startswith("backfill, pid ")


# --- the collection job -------------------------------------------------------------------------


class _StopWhileAnalysing(Analyser):
    """Sets the stop event while the first article is analysed: a signal arriving mid-article."""

    def __init__(self, kiwi: Kiwi, config: Config, stop: threading.Event) -> None:
        super().__init__(kiwi, config.entities, config.topics)
        self.stop = stop
        self.analysed = 0

    def analyse(self, title: str, body: str) -> Analysis:
        self.analysed += 1
        self.stop.set()
        return super().analyse(title, body)


def test_a_stop_finishes_the_current_article_and_no_more(
    config: Config, database: sqlite_utils.Database, clock: Callable[[], datetime], kiwi: Kiwi
) -> None:
    stop = threading.Event()
    analyser = _StopWhileAnalysing(kiwi, config, stop)
    jobs = ScheduledJobs(_deps(config, database, clock, make_analyser=lambda: analyser), stop)
    outcome = jobs.collect()
    assert outcome.status == "interrupted"
    assert "stopped after the current article" in outcome.summary
    assert analyser.analysed == 1
    assert database.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    assert _runs(database) == [(outcome.run_id, "run", "interrupted")]
    # The next firing would not even start while stopping.
    assert jobs.collect().status == "not run"
    assert len(_runs(database)) == 1


def test_a_collection_stores_its_run(
    config: Config, database: sqlite_utils.Database, clock: Callable[[], datetime], kiwi: Kiwi
) -> None:
    jobs = ScheduledJobs(_deps(config, database, clock, kiwi), threading.Event())
    outcome = jobs.collect()
    assert outcome.status == "ok", outcome
    assert outcome.line.startswith(f"collection run {outcome.run_id}: ok: 1/1 sources ok")
    assert f"{ARTICLES} new articles ({ARTICLES} relevant), 0 errors" in outcome.line
    again = jobs.collect()
    assert "0 new articles" in again.summary
    assert [kind for _, kind, _ in _runs(database)] == ["run", "run"]


def test_a_failing_job_is_stored_and_the_next_one_runs(
    config: Config,
    database: sqlite_utils.Database,
    clock: Callable[[], datetime],
    kiwi: Kiwi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_analyser() -> Analyser:
        raise RuntimeError("model file missing")

    jobs = ScheduledJobs(
        _deps(config, database, clock, make_analyser=broken_analyser), threading.Event()
    )
    with caplog.at_level(logging.INFO, logger="monitor.schedule.test"):
        failed = jobs.collect()  # must not raise
    assert failed.status == "failed"
    assert "internal error: RuntimeError: model file missing" in failed.summary
    assert _runs(database) == [(failed.run_id, "run", "failed")]
    assert _errors(database, failed.run_id or 0) == [("schedule", failed.summary)]
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert caplog.records[0].getMessage() == failed.line

    # A failure inside the run keeps the run's own row: one row per firing, with the reason.
    def exploding_handler(request: httpx.Request) -> httpx.Response:
        if str(request.url).endswith(".html"):
            raise MemoryError("out of memory while reading")
        return _handler(request)

    jobs = ScheduledJobs(
        _deps(config, database, clock, kiwi, make_fetcher=lambda: _fetcher(exploding_handler)),
        threading.Event(),
    )
    failed_inside = jobs.collect()
    assert failed_inside.status == "failed"
    assert "MemoryError" in failed_inside.summary
    rows = _runs(database)
    assert rows[-1] == (failed_inside.run_id, "run", "failed") and len(rows) == 2
    assert ("schedule", failed_inside.summary) in _errors(database, failed_inside.run_id or 0)

    # The scheduler goes on: the next firing works.
    jobs = ScheduledJobs(_deps(config, database, clock, kiwi), threading.Event())
    assert jobs.collect().status == "ok"


# --- the digest job -----------------------------------------------------------------------------


def _store_article(database: sqlite_utils.Database, n: int, collected_at: str) -> None:
    store.save_article(
        database,
        store.ArticleRecord(
            url=f"https://news.test/{n}",
            title=f"일산테크노밸리 <소식> {n}",
            body="고양시가 일산테크노밸리에 바이오 기업을 유치했다.",
            role="coverage",
            method="generic",
            collected_at=collected_at,
            processed_at=collected_at,
            published_at=collected_at,
            published_date=collected_at[:10],
            outlet="테스트일보",
            tier="local",
            relevant=True,
            topic="agreement",
            tone="positive",
        ),
        None,
        None,
    )


def test_the_digest_job_writes_files_and_moves_since_last_forward(
    config: Config, database: sqlite_utils.Database
) -> None:
    now = [_at("2024-11-27T08:00:00+09:00")]
    jobs = ScheduledJobs(_deps(config, database, lambda: now[0]), threading.Event())
    _store_article(database, 1, "2024-11-26T10:00:00+09:00")
    _store_article(database, 2, "2024-11-27T07:59:00+09:00")

    first = jobs.write_digest()
    assert first.status == "ok", first
    folder = config.path.parent / "out" / "digests"
    assert [p.name for p in first.files] == [
        "digest-2024-11-27-0800.md",
        "digest-2024-11-27-0800.html",
    ]
    assert all(p.parent == folder for p in first.files)
    markdown, html = (p.read_text(encoding="utf-8") for p in first.files)
    assert "일산테크노밸리 <소식> 1" in markdown and "일산테크노밸리 <소식> 2" in markdown
    assert "&lt;소식&gt;" in html and "<소식>" not in html  # web text is escaped in HTML
    assert "2 stories, 2 articles since the first collection" in first.summary
    last = store.last_digest(database)
    assert last is not None and last["covered_until"] == "2024-11-27T08:00:00+09:00"
    assert _runs(database) == [(first.run_id, "digest", "ok")]

    # The next digest starts where this one ended: only the late find.
    _store_article(database, 3, "2024-11-27T12:00:00+09:00")
    now[0] = _at("2024-11-28T08:00:00+09:00")
    second = jobs.write_digest()
    markdown = second.files[0].read_text(encoding="utf-8")
    assert "소식> 3" in markdown and "소식> 1" not in markdown and "소식> 2" not in markdown
    assert second.files[0].name == "digest-2024-11-28-0800.md"

    # Nothing new: a short note (send_empty = true); a second digest in one minute keeps both.
    third = jobs.write_digest()
    assert [p.name for p in third.files] == [
        "digest-2024-11-28-0800-2.md",
        "digest-2024-11-28-0800-2.html",
    ]
    assert "관련 보도가 없습니다." in third.files[0].read_text(encoding="utf-8")
    assert "0 stories" in third.summary
    assert not list(folder.glob(".*"))  # no partial files left behind


def test_an_empty_digest_is_not_written_when_send_empty_is_false(
    tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    text = CONFIG.replace("[digest]\n", "[digest]\nsend_empty = false\n")
    config = parse_config(tomllib.loads(text), tmp_path / "config.toml")
    database = store.open_database(config.database_path)
    jobs = ScheduledJobs(_deps(config, database, clock), threading.Event())
    outcome = jobs.write_digest()
    assert (outcome.status, outcome.files) == ("ok", ())
    assert "nothing written" in outcome.summary
    assert not config.digest_dir.exists()
    assert store.last_digest(database) is None  # the next digest starts from the same point
    database.conn.close()


def test_a_failing_digest_is_stored_as_failed(
    config: Config, database: sqlite_utils.Database, clock: Callable[[], datetime]
) -> None:
    config.digest_dir.parent.mkdir(parents=True)
    config.digest_dir.write_text("a file where the folder should be", encoding="utf-8")
    jobs = ScheduledJobs(_deps(config, database, clock), threading.Event())
    outcome = jobs.write_digest()
    assert outcome.status == "failed"
    assert str(config.digest_dir) in outcome.summary
    assert _runs(database) == [(outcome.run_id, "digest", "failed")]
    assert _errors(database, outcome.run_id or 0) == [("schedule", outcome.summary)]
    assert store.last_digest(database) is None  # not delivered: the next one covers it


# --- the scheduler loop and stopping --------------------------------------------------------------


def test_run_schedule_once_runs_what_is_due_and_exits(
    config: Config, database: sqlite_utils.Database, clock: Callable[[], datetime], kiwi: Kiwi
) -> None:
    deps = _deps(config, database, clock, kiwi)
    assert run_schedule(deps, once=True, handle_signals=False) == 0
    assert _runs(database) == [(1, "run", "ok")]  # never collected: collected; no digest yet
    # Half an hour later nothing fired for the digest, one collection firing passed.
    later = _deps(config, database, lambda: _at("2024-11-27T09:40:00+09:00"), kiwi)
    assert run_schedule(later, once=True, handle_signals=False) == 0
    assert [kind for _, kind, _ in _runs(database)] == ["run", "run"]
    # The next morning: one collection and one digest, however many firings were missed.
    morning = _deps(config, database, lambda: _at("2024-11-28T08:05:00+09:00"), kiwi)
    assert run_schedule(morning, once=True, handle_signals=False) == 0
    assert [kind for _, kind, _ in _runs(database)] == ["run", "run", "run", "digest"]
    assert (config.digest_dir / "digest-2024-11-28-0805.md").is_file()


def test_the_scheduler_loop_stops_after_the_current_article(
    config: Config, database: sqlite_utils.Database, kiwi: Kiwi
) -> None:
    # The real loop: misfires are judged by the wall clock, so this test's clock is real.
    stop = threading.Event()
    analyser = _StopWhileAnalysing(kiwi, config, stop)
    deps = _deps(config, database, lambda: datetime.now(KST), make_analyser=lambda: analyser)
    _add_run(database, "run", "2024-11-27T06:10:00+09:00")  # long ago: a collection is due
    assert run_schedule(deps, stop=stop, handle_signals=False) == 0
    assert database.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    statuses = [status for _, kind, status in _runs(database) if kind == "run"]
    assert statuses == ["ok", "interrupted"]
    # The digest was due too, but it was queued behind the stop: it did not run.
    assert [kind for _, kind, _ in _runs(database)] == ["run", "run"]


def test_serve_returns_when_stopped_before_it_starts(
    config: Config, database: sqlite_utils.Database, clock: Callable[[], datetime]
) -> None:
    stop = threading.Event()
    stop.set()
    jobs = ScheduledJobs(_deps(config, database, clock), stop)
    scheduler = build_scheduler(jobs, config.schedule, now=clock())
    serve_until_stopped(scheduler, stop)
    assert not scheduler.running


def test_signals_stop_cleanly_then_quit_at_once(caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    exits: list[int] = []

    def exit_now(code: int) -> NoReturn:
        exits.append(code)
        raise SystemExit(code)

    log = logging.getLogger("monitor.schedule.test")
    before = signal.getsignal(signal.SIGTERM)
    with (
        caplog.at_level(logging.INFO, logger=log.name),
        stopping_on_signals(stop, log, exit_now=exit_now),
    ):
        os.kill(os.getpid(), signal.SIGTERM)
        assert _eventually(stop.is_set)
        assert not exits
        with pytest.raises(SystemExit):
            os.kill(os.getpid(), signal.SIGINT)
            _eventually(lambda: bool(exits))
    assert exits == [128 + signal.SIGINT]
    assert signal.getsignal(signal.SIGTERM) is before
    assert "SIGTERM: stopping after the current article" in caplog.text


def _eventually(condition: Callable[[], bool]) -> bool:
    """A signal to oneself is handled between bytecodes: a few iterations at most, no sleep."""
    for _ in range(100_000):
        if condition():
            return True
    return condition()


def test_sigterm_stops_a_running_scheduler_with_status_0(
    tmp_path: Path, clock: Callable[[], datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    # Sources point at a closed loopback port; recent runs and yearly crons (no firing between
    # the runs stamped here and the start) mean nothing is due at start.
    text = CONFIG.replace("http://news.test/rss.xml", "http://127.0.0.1:9/rss.xml")
    text = text.replace('"*/30 * * * *"', '"0 0 1 1 *"').replace('"0 8 * * *"', '"0 0 1 1 *"')
    config_path = tmp_path / "config.toml"
    config_path.write_text(text, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    now = datetime.now(KST).replace(microsecond=0).isoformat()
    _add_run(database, "run", now)
    _add_run(database, "digest", now)
    database.conn.close()

    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config_path), "schedule"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr = process.stderr
    assert stderr is not None

    def read_stderr() -> None:
        for line in stderr:
            lines.put(line)

    reader = threading.Thread(target=read_stderr)
    reader.start()
    seen = []
    try:
        while True:
            line = lines.get(timeout=60)
            seen.append(line)
            if "scheduler started" in line:
                break
        # A second scheduler on the same database exits at once with one line.
        code = main(["--config", str(config_path), "schedule"], environ={}, clock=clock)
        err = capsys.readouterr().err
        assert code == 1
        assert err.startswith("monitor: error: a scheduler is already running on this database")
        assert f"pid {process.pid}" in err
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join()
    while not lines.empty():
        seen.append(lines.get_nowait())
    log = "".join(seen)
    assert "collection: last at" in log and "nothing missed" in log
    assert "collection: cron '0 0 1 1 *' in Asia/Seoul, next at" in log
    assert "SIGTERM: stopping after the current article" in log
    assert log.rstrip().endswith("INFO scheduler stopped")
    assert "Traceback" not in log
