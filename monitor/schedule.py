"""`monitor schedule`: the collection and digest jobs on their `[schedule]` crons, foreground.

- One scheduler per database (a lock file beside it); one collection at a time (the collection
  lock, shared with `monitor run` and the other collecting commands): a firing that finds a
  collection going on is stored as a "skipped" run.
- Jobs run one after the other on a single worker thread: they share one database connection,
  and a digest firing at the same minute as a collection then sees that collection's articles.
- On start, jobs whose cron fired while nothing ran (the `runs` table says when each last ran)
  run once at once: missed firings coalesce into one.
- SIGINT/SIGTERM set a stop event: a collection stops after the article it is processing, the
  scheduler shuts down once the job has ended, and the exit status is 0. A second signal quits
  at once (committed articles are safe; the lock files are released by the kernel).
- Every job's outcome is one log line on stderr and a row in `runs` (kind "run" for collections,
  "digest" for digests); a job that fails is stored as failed and the scheduler goes on.
- With `[smtp]` configured the digest is mailed as well as written, and each collection is
  followed by the same-day alert for new negative coverage (`[digest] alerts`); an alert that
  cannot be sent is logged and tried again after the next collection.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import sqlite_utils
from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

import db as store
from db import StorageError
from monitor.analyse import Analyser
from monitor.config import Config, ScheduleConfig
from monitor.digest import (
    SINCE_LAST,
    Digest,
    build_digest,
    last_sent,
    mail_digest,
    record_sent,
    render_digest,
    send_alerts,
)
from monitor.errors import MonitorError, describe_error
from monitor.health import collect_notices
from monitor.locks import CollectionBusy, collection_lock, scheduler_lock
from monitor.mail import MailError
from monitor.periods import KST
from monitor.pipeline import RunReport, run_once
from nlp import NlpError
from scrapers import ScrapeError
from scrapers.fetch import Fetcher

__all__ = [
    "COLLECTION",
    "DIGEST",
    "CatchUp",
    "JobOutcome",
    "ScheduleDeps",
    "ScheduledJobs",
    "build_scheduler",
    "count_firings",
    "logging_to_stderr",
    "plan_catch_up",
    "run_schedule",
    "serve_until_stopped",
    "stopping_on_signals",
    "write_digest_files",
]

Clock = Callable[[], datetime]

COLLECTION = "collection"
DIGEST = "digest"
# The `runs.kind` each job's rows carry: a scheduled collection is a run like `monitor run`.
RUN_KINDS = {COLLECTION: "run", DIGEST: "digest"}

# A late firing still runs (a suspended machine, a long job ahead of it in the queue): a
# collection up to an hour late, the morning digest up to twelve hours late (late beats never).
COLLECTION_GRACE_S = 3600
DIGEST_GRACE_S = 12 * 3600
# Counting missed firings stops here: a larger number tells the reader nothing more.
MAX_COUNTED_FIRINGS = 1000

LOGGER_NAME = "monitor.schedule"


def _default_logger() -> logging.Logger:
    """The scheduler's logger; `logging_to_stderr` gives it a handler."""
    return logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True)
class ScheduleDeps:
    """Everything the scheduler and its jobs use, passed in (nothing is module state)."""

    config: Config
    db: sqlite_utils.Database
    clock: Clock
    make_analyser: Callable[[], Analyser]  # called once, at the first collection (Kiwi is big)
    make_fetcher: Callable[[], Fetcher]  # one fetcher per collection, closed after it
    log: logging.Logger = field(default_factory=_default_logger)
    verbose: bool = False  # collection progress lines and tracebacks at DEBUG level
    # Where the SMTP password is read from (the variable `[smtp] password_env` names).
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class JobOutcome:
    """What one job firing did; `line` is the one log line it gets."""

    job: str  # COLLECTION or DIGEST
    status: str  # ok, partial, failed, interrupted, skipped, or "not run" while stopping
    run_id: int | None
    summary: str
    files: tuple[Path, ...] = ()

    @property
    def line(self) -> str:
        """`collection run 12: ok: 3/3 sources ok, ...`: the job, its run row, what happened."""
        run = f" run {self.run_id}" if self.run_id is not None else ""
        return f"{self.job}{run}: {self.status}: {self.summary}"


@dataclass(frozen=True)
class CatchUp:
    """Whether a job's cron fired since it last ran, decided once at start."""

    job: str
    since: datetime | None  # the job's last start (or the reference it is counted from)
    missed: int  # firings in (since, now], at most MAX_COUNTED_FIRINGS
    due: bool  # run it once now
    never: bool = False  # the job has never run on this database

    def describe(self, tz: ZoneInfo) -> str:
        """The start-up log line about this job's missed firings."""
        noun = "collection" if self.job == COLLECTION else "digest"
        plural = f"{noun}s" if self.missed != 1 else noun
        count = f"{self.missed}+" if self.missed >= MAX_COUNTED_FIRINGS else str(self.missed)
        if self.never and self.since is None:
            return f"no {noun} yet; " + (
                "running one now" if self.due else "the first one at its scheduled time"
            )
        if self.never:
            return (
                f"no {noun} yet; missed {count} {plural} since the first collection at "
                f"{_when(self.since, tz)}; running one now"
                if self.due
                else f"no {noun} yet; the first one at its scheduled time"
            )
        if self.due:
            return f"missed {count} {plural} since {_when(self.since, tz)}; running one now"
        return f"{noun}: last at {_when(self.since, tz)}, nothing missed"


# --- catch-up -----------------------------------------------------------------------------------


def count_firings(trigger: CronTrigger, after: datetime, until: datetime) -> int:
    """How often `trigger` fired in (after, until], counting at most MAX_COUNTED_FIRINGS."""
    count = 0
    # Run rows are stamped to the second: a firing at the very second a run started is that run.
    fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while fire is not None and fire <= until and count < MAX_COUNTED_FIRINGS:
        count += 1
        fire = trigger.get_next_fire_time(None, fire + timedelta(microseconds=1))
    return count


def plan_catch_up(
    db: sqlite_utils.Database, schedule: ScheduleConfig, now: datetime
) -> tuple[CatchUp, CatchUp]:
    """For the collection and the digest: did its cron fire since it last ran?

    A database that was never collected into is collected at once. A digest that never ran is
    counted from the first collection: cron users running `schedule --once` get their first
    digest at its first firing after the monitor started collecting."""
    tz = ZoneInfo(schedule.timezone)
    last_collection = _run_started(db, RUN_KINDS[COLLECTION], last=True)
    if last_collection is None:
        collection = CatchUp(COLLECTION, None, 0, due=True, never=True)
    else:
        missed = count_firings(_trigger(schedule.crawl, tz), last_collection, now)
        collection = CatchUp(COLLECTION, last_collection, missed, due=missed > 0)
    last_digest = _run_started(db, RUN_KINDS[DIGEST], last=True)
    since = last_digest or _run_started(db, RUN_KINDS[COLLECTION], last=False)
    missed = count_firings(_trigger(schedule.digest, tz), since, now) if since else 0
    digest = CatchUp(DIGEST, since, missed, due=missed > 0, never=last_digest is None)
    return collection, digest


def _trigger(expression: str, tz: ZoneInfo) -> CronTrigger:
    """The APScheduler trigger of a 5-field cron expression read in `tz`."""
    return CronTrigger.from_crontab(expression, timezone=tz)


def _run_started(db: sqlite_utils.Database, kind: str, *, last: bool) -> datetime | None:
    """When the last (or the first) run of `kind` started; None when there is none."""
    order = "DESC" if last else "ASC"
    try:
        row = db.execute(
            f"SELECT started_at FROM runs WHERE kind = ? ORDER BY id {order} LIMIT 1", [kind]
        ).fetchone()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the runs table: {exc}") from None
    if row is None:
        return None
    try:
        started = datetime.fromisoformat(row[0])
    except (TypeError, ValueError):
        return None  # an unreadable stamp: as if that run never happened
    return started if started.tzinfo else started.replace(tzinfo=KST)


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    """`2024-11-27 09:30 KST`, for log lines."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def _iso(moment: datetime) -> str:
    """How every stamp in the database is written: KST, to the second."""
    return moment.astimezone(KST).isoformat(timespec="seconds")


# --- the jobs ------------------------------------------------------------------------------------


class ScheduledJobs:
    """The collection and digest jobs over injected dependencies. Each stores its outcome as a
    run, logs one line and returns the outcome; none of them raises."""

    def __init__(self, deps: ScheduleDeps, stop: threading.Event) -> None:
        self.deps = deps
        self.stop = stop
        self._analyser: Analyser | None = None

    def run(self, job: str) -> JobOutcome:
        """Run the job called `job` (COLLECTION or DIGEST) now."""
        return self.collect() if job == COLLECTION else self.write_digest()

    def collect(self) -> JobOutcome:
        """One collection cycle over every source, unless another collection holds the lock;
        then the alert for new negative coverage (when `[smtp]` is configured)."""
        outcome = self._not_run(COLLECTION) or self._collect()
        self._log(outcome)
        if outcome.status in ("ok", "partial", "interrupted"):
            self._alert()
        return outcome

    def _alert(self) -> None:
        """Mail what the collection found that is negative; a failure is logged and the same
        articles are tried again after the next collection."""
        deps = self.deps
        try:
            alert = send_alerts(deps.config, deps.db, clock=deps.clock, environ=deps.environ)
        except Exception as exc:  # a failed alert must not end the scheduler: logged
            reason = self._reason(exc)
            deps.log.error("alert: not sent (tried again after the next collection): %s", reason)
            return
        if alert is None:
            return
        level = logging.WARNING if alert.mail and alert.mail.refused else logging.INFO
        deps.log.log(level if alert.mail else logging.DEBUG, "%s", alert.describe())

    def write_digest(self) -> JobOutcome:
        """The `--since-last` digest written as md and html into `[digest] out_dir`, and mailed
        to `[smtp] recipients` when `[smtp]` is configured."""
        outcome = self._not_run(DIGEST) or self._digest()
        self._log(outcome)
        return outcome

    def _not_run(self, job: str) -> JobOutcome | None:
        """ "Not run" while stopping, else None (the job may start)."""
        # A firing queued behind the job that was running when the stop came.
        if self.stop.is_set():
            return JobOutcome(job, "not run", None, "the scheduler is stopping")
        return None

    def _collect(self) -> JobOutcome:
        """run_once under the collection lock; a busy lock or a failure stored as a run."""
        deps = self.deps
        before: int | None = None
        try:
            before = _last_run_id(deps.db)
            with collection_lock(
                deps.config.database_path, what="scheduled collection", clock=deps.clock
            ):
                if self._analyser is None:
                    self._analyser = deps.make_analyser()
                with deps.make_fetcher() as fetcher:
                    report = run_once(
                        deps.config,
                        deps.db,
                        fetcher=fetcher,
                        analyser=self._analyser,
                        clock=deps.clock,
                        progress=deps.log.debug if deps.verbose else None,
                        should_stop=self.stop.is_set,
                    )
            status = _run_status(deps.db, report.run_id)
        except CollectionBusy as exc:
            reason = f"another collection holds the database ({exc.holder or 'unknown'})"
            run_id = self._store_problem(COLLECTION, None, "skipped", reason)
            return JobOutcome(COLLECTION, "skipped", run_id, reason)
        except Exception as exc:  # a broken job must not end the scheduler: stored, logged
            reason = self._reason(exc)
            opened = _new_run_id(deps.db, before) if before is not None else None
            run_id = self._store_problem(COLLECTION, opened, "failed", reason)
            return JobOutcome(COLLECTION, "failed", run_id, reason)
        return JobOutcome(COLLECTION, status, report.run_id, _collection_summary(report, status))

    def _digest(self) -> JobOutcome:
        """Build, write, mail and record the --since-last digest; a failure stored as a run (a
        digest that was written but not mailed is not recorded as sent)."""
        deps = self.deps
        now = deps.clock()
        until = _iso(now)
        run_id: int | None = None
        try:
            run_id = store.start_run(deps.db, RUN_KINDS[DIGEST], until)
            last = last_sent(deps.db, SINCE_LAST)
            after: str | None = last["covered_until"] if last else None
            digest = build_digest(
                deps.db,
                collected_after=after,
                collected_until=until,
                notices=collect_notices(
                    deps.db, deps.clock, failing_runs=deps.config.digest.failing_source_runs
                ),
                entity_order=[e.id for e in deps.config.entities],
                previous_window=(last["covered_from"], last["covered_until"]) if last else None,
            )
            since = f"since {after}" if after else "since the first collection"
            if not digest.stories and not deps.config.digest.send_empty:
                # Nothing is recorded: the next digest starts from the same point and loses nothing.
                store.finish_run(deps.db, run_id, _iso(deps.clock()), "ok", new_articles=0)
                summary = f"nothing new {since}; nothing written ([digest] send_empty = false)"
                return JobOutcome(DIGEST, "ok", run_id, summary)
            files = write_digest_files(digest, deps.config, now)
            written = f"written to {files[0]}" + "".join(f", {p.name}" for p in files[1:])
            mailed = ""
            status = "ok"
            if deps.config.smtp is not None:
                try:
                    sent = mail_digest(digest, deps.config, now, deps.environ)
                except MailError as exc:
                    # Not delivered: the next --since-last digest covers these articles again.
                    reason = f"{exc}; {written}, not mailed"
                    run_id = self._store_problem(DIGEST, run_id, "failed", reason)
                    return JobOutcome(DIGEST, "failed", run_id, reason, files)
                mailed = f"; mailed: {sent.describe()}"
                # Someone did not get it: the run says so, the others did get it.
                status = "partial" if sent.refused else "ok"
            # Delivered: the next --since-last digest starts where this one ended.
            record_sent(deps.db, digest, SINCE_LAST, until)
            # A digest run's "new articles" are the articles it covered.
            store.finish_run(
                deps.db, run_id, _iso(deps.clock()), status, new_articles=digest.article_count
            )
        except Exception as exc:  # a broken job must not end the scheduler: stored, logged
            reason = self._reason(exc)
            run_id = self._store_problem(DIGEST, run_id, "failed", reason)
            return JobOutcome(DIGEST, "failed", run_id, reason)
        summary = f"{len(digest.stories)} stories, {digest.article_count} articles {since}; "
        return JobOutcome(DIGEST, status, run_id, summary + written + mailed, files)

    def _store_problem(self, job: str, run_id: int | None, status: str, reason: str) -> int | None:
        """Close (or open and close) the job's run row with `status` and record why."""
        deps = self.deps
        at = _iso(deps.clock())
        try:
            if run_id is None:
                run_id = store.start_run(deps.db, RUN_KINDS[job], at)
            store.finish_run(deps.db, run_id, at, status)
            store.record_error(deps.db, run_id, job, "schedule", reason, at)
        except (StorageError, sqlite3.Error) as exc:
            # The database itself is failing: the log line is all that is left.
            deps.log.error("%s: cannot store the outcome (%s)", job, describe_error(exc))
        return run_id

    def _reason(self, exc: Exception) -> str:
        """One line for a job's failure; the traceback at DEBUG for what is a defect."""
        if isinstance(exc, MonitorError | StorageError | NlpError | ScrapeError):
            return describe_error(exc)
        if isinstance(exc, OSError):
            where = f": {exc.filename}" if exc.filename else ""
            return f"{exc.strerror or exc}{where}"
        self.deps.log.debug("traceback of the failed job", exc_info=exc)
        hint = "" if self.deps.verbose else " (--verbose shows the traceback)"
        return f"internal error: {type(exc).__name__}: {exc}{hint}"

    def _log(self, outcome: JobOutcome) -> None:
        """The job's one log line, at a level that matches how it went."""
        level = {"failed": logging.ERROR, "skipped": logging.WARNING}.get(
            outcome.status, logging.INFO
        )
        self.deps.log.log(level, "%s", outcome.line)


def _collection_summary(report: RunReport, status: str) -> str:
    """What a collection did, in the words of `monitor run`'s summary."""
    summary = (
        f"{report.sources_ok}/{report.sources} sources ok, {report.fetched} fetched, "
        f"{report.new_articles} new articles ({report.relevant} relevant), "
        f"{len(report.errors)} errors"
    )
    if report.source_problems:
        # A few with their reasons keep the line readable; `monitor sources` has them all.
        problems = [f"{name} ({reason})" for name, reason in report.source_problems]
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        summary += f"; failing sources: {', '.join(problems[:3])}{more}"
    if status == "interrupted":
        summary += "; stopped after the current article, the rest waits for the next run"
    return summary


def _last_run_id(db: sqlite_utils.Database) -> int:
    """The highest run id so far (0 for none)."""
    try:
        return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM runs").fetchone()[0])
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the runs table: {exc}") from None


def _new_run_id(db: sqlite_utils.Database, before: int) -> int | None:
    """The run row a failed collection opened after `before`, if it got that far.

    The collection lock is held meanwhile, so no other collection adds rows of this kind."""
    # A database failing here fails again when the outcome is stored, and that is logged.
    with suppress(sqlite3.Error):
        row = db.execute(
            "SELECT id FROM runs WHERE id > ? AND kind = ? ORDER BY id DESC LIMIT 1",
            [before, RUN_KINDS[COLLECTION]],
        ).fetchone()
        return int(row[0]) if row else None
    return None


def _run_status(db: sqlite_utils.Database, run_id: int) -> str:
    """The status a run row was closed with."""
    try:
        row = db.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the runs table: {exc}") from None
    return str(row[0]) if row else "ok"


def write_digest_files(digest: Digest, config: Config, now: datetime) -> tuple[Path, ...]:
    """Write the digest as markdown and HTML into `[digest] out_dir`, named by KST date and time
    (`digest-2024-11-27-0800.md`); each file appears whole or not at all."""
    folder = config.digest_dir
    folder.mkdir(parents=True, exist_ok=True)
    base = f"digest-{now.astimezone(KST):%Y-%m-%d-%H%M}"
    stem, n = base, 1
    # Two digests in one minute (a restart, `--once` twice) never overwrite each other.
    while any((folder / f"{stem}.{ext}").exists() for ext in ("md", "html")):
        n += 1
        stem = f"{base}-{n}"
    written = []
    for ext in ("md", "html"):
        target = folder / f"{stem}.{ext}"
        partial = folder / f".{stem}.{ext}.partial"
        try:
            partial.write_text(render_digest(digest, ext, config, now), encoding="utf-8")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)  # only left over when writing failed
        written.append(target)
    return tuple(written)


# --- the scheduler ------------------------------------------------------------------------------


def build_scheduler(
    jobs: ScheduledJobs,
    schedule: ScheduleConfig,
    *,
    now: datetime,
    due: Collection[str] = (),
) -> BlockingScheduler:
    """A BlockingScheduler (not started) with the collection and digest cron jobs; the jobs
    named in `due` also run once at `now` (the start-up catch-up)."""
    tz = ZoneInfo(schedule.timezone)
    scheduler = BlockingScheduler(
        timezone=tz,
        # One worker: the jobs share one database connection, and a digest firing with a
        # collection waits for it (job ids order equal fire times: "collection" < "digest").
        executors={"default": ThreadPoolExecutor(max_workers=1)},
    )
    specs = (
        (COLLECTION, schedule.crawl, jobs.collect, COLLECTION_GRACE_S),
        (DIGEST, schedule.digest, jobs.write_digest, DIGEST_GRACE_S),
    )
    for job_id, expression, func, grace_s in specs:
        extra: dict[str, Any] = {"next_run_time": now} if job_id in due else {}
        scheduler.add_job(
            func,
            trigger=_trigger(expression, tz),
            id=job_id,
            name=job_id,
            coalesce=True,  # missed firings run once, not once each
            max_instances=1,
            misfire_grace_time=grace_s,
            **extra,
        )
    scheduler.add_listener(_log_skipped_firing(jobs.deps.log, tz), EVENT_JOB_MISSED)
    scheduler.add_listener(_log_skipped_firing(jobs.deps.log, tz), EVENT_JOB_MAX_INSTANCES)
    return scheduler


def _log_skipped_firing(log: logging.Logger, tz: ZoneInfo) -> Callable[[SchedulerEvent], None]:
    """A listener logging a firing APScheduler dropped (too late, or the job still running)."""

    def listener(event: SchedulerEvent) -> None:
        if isinstance(event, JobExecutionEvent):
            log.warning(
                "%s firing of %s skipped: more than its grace time late (was the machine asleep?)",
                event.job_id,
                _when(event.scheduled_run_time, tz),
            )
        elif isinstance(event, JobSubmissionEvent):
            log.warning(
                "%s firing of %s skipped: the previous one is still running",
                event.job_id,
                _when(event.scheduled_run_times[-1], tz),
            )

    return listener


def serve_until_stopped(scheduler: BlockingScheduler, stop: threading.Event) -> None:
    """Run the scheduler in this thread until `stop` is set, then return once the running job
    has ended (a collection ends after its current article)."""

    def shut_down_when_stopped() -> None:
        stop.wait()
        # Another thread than the scheduler loop's: shutdown(wait=True) waits for the job.
        with suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=True)

    watcher = threading.Thread(target=shut_down_when_stopped, name="schedule-stop", daemon=True)
    # Started once the scheduler runs, so an early stop still finds something to shut down.
    scheduler.add_listener(lambda _event: watcher.start(), EVENT_SCHEDULER_STARTED)
    try:
        scheduler.start()
    finally:
        stop.set()
        if watcher.ident is not None:
            watcher.join()


def _next_firing(expression: str, tz: ZoneInfo, now: datetime) -> str:
    """When a cron fires next after `now`, for log lines."""
    return _when(_trigger(expression, tz).get_next_fire_time(None, now), tz)


def run_schedule(
    deps: ScheduleDeps,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    handle_signals: bool = True,
) -> int:
    """`monitor schedule`: catch up on missed firings, then run the cron jobs until a signal
    (or, with `once`, run only what is due and return). 0 after a clean stop; 1 when a `once`
    job failed. Raises SchedulerRunning when another scheduler holds the database."""
    stop = stop or threading.Event()
    log = deps.log
    schedule = deps.config.schedule
    tz = ZoneInfo(schedule.timezone)
    with (
        stopping_on_signals(stop, log) if handle_signals else _no_signals(),
        scheduler_lock(deps.config.database_path, clock=deps.clock),
    ):
        jobs = ScheduledJobs(deps, stop)
        now = deps.clock()
        plans = plan_catch_up(deps.db, schedule, now)
        for plan in plans:
            log.info("%s", plan.describe(tz))
        due = [plan.job for plan in plans if plan.due]
        for job, expression in ((COLLECTION, schedule.crawl), (DIGEST, schedule.digest)):
            log.info(
                "%s: cron '%s' in %s, next at %s",
                job,
                expression,
                schedule.timezone,
                _next_firing(expression, tz, now),
            )
        if once:
            if not due:
                log.info("nothing due")
            outcomes = [jobs.run(job) for job in due]
            return 1 if any(o.status == "failed" for o in outcomes) else 0
        scheduler = build_scheduler(jobs, schedule, now=now, due=due)
        log.info(
            "scheduler started (pid %d); SIGINT or SIGTERM stops it after the current article",
            os.getpid(),
        )
        serve_until_stopped(scheduler, stop)
    log.info("scheduler stopped")
    return 0


@contextmanager
def _no_signals() -> Iterator[None]:
    """Signals left as they are (tests, or a caller that handles them itself)."""
    yield


@contextmanager
def stopping_on_signals(
    stop: threading.Event,
    log: logging.Logger,
    *,
    exit_now: Callable[[int], NoReturn] = os._exit,
) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM set `stop` (a clean stop after the current
    article); a second signal quits at once. Outside the main thread signals are left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            log.info("%s: stopping after the current article (send it again to quit at once)", name)
            stop.set()
        else:
            # Committed articles are safe and the kernel releases the locks: quitting is safe.
            log.warning("second %s: quitting without waiting for the current job", name)
            exit_now(128 + signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _ZonedFormatter(logging.Formatter):
    """Log timestamps in the schedule's time zone, whatever the machine's zone is."""

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """`2024-11-27 09:30:00 KST`."""
        moment = datetime.fromtimestamp(record.created, self.tz)
        return moment.strftime(datefmt or "%Y-%m-%d %H:%M:%S %Z")


@contextmanager
def logging_to_stderr(
    timezone: str, *, verbose: bool = False, name: str = LOGGER_NAME
) -> Iterator[logging.Logger]:
    """The scheduler's logger, writing to stderr with timestamps (APScheduler's own errors
    too) for the block."""
    log = logging.getLogger(name)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ZonedFormatter(ZoneInfo(timezone)))
    # APScheduler's own lines duplicate ours; its errors still show.
    loggers = {log: logging.DEBUG if verbose else logging.INFO}
    loggers[logging.getLogger("apscheduler")] = logging.INFO if verbose else logging.ERROR
    saved = {logger: logger.level for logger in loggers}
    for logger, level in loggers.items():
        logger.addHandler(handler)
        logger.setLevel(level)
    try:
        yield log
    finally:
        for logger, level in saved.items():
            logger.removeHandler(handler)
            logger.setLevel(level)
