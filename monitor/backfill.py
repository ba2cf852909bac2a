"""`monitor backfill`: collect past coverage window by window, resumably, through the pipeline.

Each source that can go back (see `scrapers.sources.backfill_source`) is walked from today back
to `--since`, newest window first: Google News date windows, Naver result pages, sitemap files,
listing pages. Every window goes through the same `Collection` as `monitor run` (known-URL
dedupe, fetch, extract, analyse, store), so what a backfill finds is counted by the same rules.
After a window is stored its cursor is saved in `backfill_state` under (source, since): a
backfill stopped by Ctrl-C, a crash or a failed window carries on after the last stored window
when run again with the same `--since`; a finished one does nothing until restarted. The one
shared Fetcher keeps it polite (robots.txt, per-host delay, retries); sources are walked one
after another, so no host sees more than the fetcher allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.config import Config
from monitor.errors import UsageError, describe_error
from monitor.periods import KST, parse_day
from monitor.pipeline import Collection, RunReport
from monitor.progress import Progress, silent_progress
from scrapers import ScrapeError, SourceError, SourceResult, SourceSkipped, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import BackfillStep, backfill_source, backfill_unsupported

__all__ = [
    "BackfillReport",
    "SourceBackfill",
    "SourcePlan",
    "parse_since",
    "plan_backfill",
    "report_plans",
    "run_backfill",
]

Clock = Callable[[], datetime]

# What a progress count means for each kind of walk.
_UNITS = {"google_news": "days", "naver_news": "pages", "sitemap": "sitemaps", "listing": "pages"}
# What `--json` carries when nothing had to run: the `run --json` object of an empty run, so
# both outputs have the same keys whatever RunReport gains.
_NO_RUN = RunReport(run_id=0, sources=0, sources_ok=0, fetched=0, new_articles=0, relevant=0)
# Statuses after which a source counts as having worked (the exit status depends on it).
_WORKED = frozenset({"done", "finished earlier", "partial"})


# --- planning ---------------------------------------------------------------------------------


def parse_since(text: str, today: date) -> date:
    """The --since day (YYYY-MM-DD, KST); a UsageError when malformed or after today."""
    since = parse_day(text)
    if since > today:
        raise UsageError(f"--since {since.isoformat()} is in the future (today is {today})")
    return since


@dataclass(frozen=True)
class SourcePlan:
    """What the backfill will do with one source: start, resume, or nothing (and why)."""

    spec: SourceSpec
    action: str  # "start", "resume", "finished" or "unsupported"
    cursor: str | None = None
    windows_before: int = 0
    reason: str | None = None

    @property
    def runnable(self) -> bool:
        """Whether the source has windows to walk in this run."""
        return self.action in ("start", "resume")


def plan_backfill(
    config: Config,
    db: sqlite_utils.Database,
    *,
    since: date,
    source_names: Sequence[str] | None = None,
    restart: bool = False,
) -> tuple[SourcePlan, ...]:
    """One plan per source (the named ones, else every enabled one): sources that cannot go back
    are left out with their reason, finished ones are left alone unless `restart`, which also
    drops any stored position so the walk begins again from the newest window."""
    specs = [config.source(n) for n in source_names] if source_names else list(config.sources)
    specs = [s for s in specs if s.enabled or source_names]
    plans: list[SourcePlan] = []
    for spec in specs:
        reason = backfill_unsupported(spec)
        if reason is not None:
            plans.append(SourcePlan(spec, "unsupported", reason=reason))
            continue
        if restart:
            store.clear_backfill_state(db, spec.name, since)
        state = store.read_backfill_state(db, spec.name, since)
        if state is None or state.cursor is None:
            plans.append(SourcePlan(spec, "start"))
        elif state.done:
            finished = f"finished {state.updated_at} ({state.windows} windows)"
            plans.append(SourcePlan(spec, "finished", state.cursor, state.windows, finished))
        else:
            plans.append(SourcePlan(spec, "resume", state.cursor, state.windows))
    return tuple(plans)


# --- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceBackfill:
    """What the backfill did with one source."""

    source: str
    kind: str
    # done, finished earlier, partial, failed, skipped, unsupported, interrupted, not reached
    status: str
    windows: int = 0  # windows stored in this run
    windows_total: int = 0  # windows stored for this --since over every run
    new_articles: int = 0
    resumed: bool = False
    reason: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def worked(self) -> bool:
        """Whether the source went back and was read (now or in a finished earlier run)."""
        return self.status in _WORKED or (self.status == "interrupted" and self.windows > 0)

    def to_json(self) -> dict[str, Any]:
        """This source's part of `backfill --json`."""
        return {
            "source": self.source,
            "kind": self.kind,
            "status": self.status,
            "windows": self.windows,
            "windows_total": self.windows_total,
            "new_articles": self.new_articles,
            "resumed": self.resumed,
            "reason": self.reason,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class BackfillReport:
    """What one backfill did: the run (None when nothing had to run) and each source's walk."""

    since: date
    until: date
    run: RunReport | None
    sources: tuple[SourceBackfill, ...]
    stopped: bool = False

    @property
    def windows(self) -> int:
        """Windows stored in this run, over every source."""
        return sum(s.windows for s in self.sources)

    @property
    def any_source_worked(self) -> bool:
        """True when at least one source could go back and was read (exit status 0)."""
        return any(s.worked for s in self.sources)

    def to_json(self) -> dict[str, Any]:
        """`backfill --json`: the `run --json` object plus the days and each source's windows."""
        run = self.run.to_json() if self.run is not None else {**_NO_RUN.to_json(), "run_id": None}
        return {
            **run,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "windows": self.windows,
            "stopped": self.stopped,
            "backfill": [s.to_json() for s in self.sources],
        }


def _idle_outcome(plan: SourcePlan, status: str | None = None) -> SourceBackfill:
    """The outcome of a source this run does not walk."""
    chosen = status or {"finished": "finished earlier", "unsupported": "unsupported"}.get(
        plan.action, "not reached"
    )
    return SourceBackfill(
        plan.spec.name,
        plan.spec.kind,
        chosen,
        windows_total=plan.windows_before,
        resumed=plan.action == "resume",
        reason=plan.reason,
    )


def report_plans(plans: Sequence[SourcePlan], *, since: date, until: date) -> BackfillReport:
    """The report of a backfill with nothing to walk (every source finished or unsupported)."""
    return BackfillReport(since, until, None, tuple(_idle_outcome(p) for p in plans))


def run_backfill(
    config: Config,
    db: sqlite_utils.Database,
    plans: Sequence[SourcePlan],
    *,
    since: date,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    environ: Mapping[str, str],
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BackfillReport:
    """Walk the runnable plans' sources back to `since` (from today, KST), one window at a time.

    One run (kind "backfill") holds every window: each is queued into the Collection, processed
    (dedupe, fetch, extract, analyse, store) and only then its cursor saved, so nothing stored is
    lost and nothing is skipped when a stopped backfill is run again. A source that fails is
    recorded like in `monitor run` and the others go on; `should_stop` (checked between articles
    and between windows) ends the backfill cleanly; Ctrl-C closes the run as interrupted.
    """
    until = clock().astimezone(KST).date()
    stop = should_stop or (lambda: False)
    report = progress or silent_progress()
    collection = Collection(
        config,
        db,
        fetcher=fetcher,
        analyser=analyser,
        clock=clock,
        kind="backfill",
        should_stop=stop,
    )
    outcomes: list[SourceBackfill] = []
    try:
        for plan in plans:
            if not plan.runnable or collection.stopped:
                outcomes.append(_idle_outcome(plan))
                continue
            walk = _SourceWalk(collection, plan, since, until, report, stop)
            outcomes.append(walk.run(fetcher, environ))
    except BaseException as exc:
        collection.abort(exc)
        raise
    run = collection.finish()
    return BackfillReport(since, until, run, tuple(outcomes), stopped=collection.stopped)


class _SourceWalk:
    """One source's walk inside a backfill run: its windows, counters and saved state."""

    def __init__(
        self,
        collection: Collection,
        plan: SourcePlan,
        since: date,
        until: date,
        progress: Progress,
        should_stop: Callable[[], bool],
    ) -> None:
        self.collection = collection
        self.plan = plan
        self.spec = plan.spec
        self.since = since
        self.until = until
        self.progress = progress
        self.should_stop = should_stop
        self.windows = 0
        self.read_ok = False
        self.final = False
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.new_before = collection.new_by_source[plan.spec.name]

    def run(self, fetcher: Fetcher, environ: Mapping[str, str]) -> SourceBackfill:
        """Walk the source until its walk ends, fails or the backfill is stopped."""
        spec = self.spec
        how = "resuming" if self.plan.cursor is not None else "from the newest"
        self.progress.begin(spec.name, f"back to {self.since} ({how})")
        since_at = datetime.combine(self.since, time(0), KST)
        try:
            steps = backfill_source(
                spec,
                fetcher,
                since=since_at,
                until=self.until,
                cursor=self.plan.cursor,
                environ=environ,
            )
        except SourceError as exc:
            if self.plan.cursor is not None and not isinstance(exc, SourceSkipped):
                exc = SourceError(spec.name, f"{exc.reason} (--restart walks it from the start)")
            return self._failed(exc)
        try:
            for step in _guarded(spec, steps):
                self._take(step)
                if self.collection.stopped or self.final:
                    break
                if self.should_stop():
                    self.collection.stopped = True  # between windows: the last one is stored
                    break
        except SourceError as exc:
            return self._failed(exc)
        return self._outcome()

    def _take(self, step: BackfillStep) -> None:
        """Store one window (or record its failure), then save the walk's position."""
        collection, spec = self.collection, self.spec
        if step.error is not None:
            reason = f"{step.label}: {step.error}"
            collection.add_source(spec, SourceError(spec.name, reason))
            self.errors.append(reason)
            self.progress.say(f"{spec.name}: {reason} (the next backfill asks again)")
            return
        new_before, relevant_before = collection.new_articles, collection.relevant
        found = 0
        if step.result is not None:
            found = len(step.result.entries)
            collection.add_source(spec, step.result)
            collection.process_pending()
            if collection.stopped:
                return  # mid-window: the cursor stays before it, so it is asked again
            self.windows += 1
        elif not self.read_ok:
            collection.add_source(spec, SourceResult(spec.name, ()))  # read fine, nothing new
        self.read_ok = True
        self.final = step.final
        self.warnings.extend(step.warnings)
        store.save_backfill_state(
            collection.db,
            spec.name,
            self.since,
            step.cursor,
            windows=self.plan.windows_before + self.windows,
            done=step.final,
            at=_iso(collection.clock()),
        )
        unit = _UNITS.get(spec.kind, "windows")
        counts = (
            f"{found} found, {collection.new_articles - new_before} new "
            f"({collection.relevant - relevant_before} relevant)"
            if step.result is not None
            else "nothing to read"
        )
        self.progress.advance(step.units_done, step.units_total, unit, f"{step.label}: {counts}")

    def _failed(self, exc: SourceError) -> SourceBackfill:
        """Record a source that could not go on (or not start) and describe it."""
        self.collection.add_source(self.spec, exc)
        self.errors.append(exc.reason)
        if isinstance(exc, SourceSkipped):
            self.progress.say(f"{self.spec.name}: skipped: {exc.reason}")
            return self._outcome(status="skipped", reason=exc.reason)
        self.progress.say(f"{self.spec.name}: {exc.reason}")
        return self._outcome()

    def _outcome(self, status: str | None = None, reason: str | None = None) -> SourceBackfill:
        """This source's outcome from what its walk did."""
        if status is None:
            if self.final and not self.errors:
                status = "done"
            elif self.collection.stopped:
                status = "interrupted"
            elif self.read_ok:
                status = "partial"
            else:
                status = "failed"
        if reason is None and status != "done":
            if self.errors:
                reason = self.errors[-1]
            elif status == "interrupted":
                reason = "stopped: run the same backfill again to carry on"
            elif self.warnings:
                reason = self.warnings[-1]
            elif status == "partial":
                reason = "not finished: run the same backfill again to carry on"
        return SourceBackfill(
            self.spec.name,
            self.spec.kind,
            status,
            windows=self.windows,
            windows_total=self.plan.windows_before + self.windows,
            new_articles=self.collection.new_by_source[self.spec.name] - self.new_before,
            resumed=self.plan.action == "resume",
            reason=reason,
            warnings=tuple(self.warnings),
        )


def _guarded(spec: SourceSpec, steps: Iterator[BackfillStep]) -> Iterator[BackfillStep]:
    """The walk's steps, with anything it raises turned into a SourceError for this source."""
    while True:
        try:
            step = next(steps)
        except StopIteration:
            return
        except SourceError:
            raise
        except ScrapeError as exc:
            raise SourceError(spec.name, describe_error(exc)) from exc
        except Exception as exc:  # a defect in one source must not stop the others
            raise SourceError(spec.name, f"internal error: {type(exc).__name__}: {exc}") from exc
        yield step


def _iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="seconds")
