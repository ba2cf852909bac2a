"""Per-outlet extraction health: a site redesign shows as bodies turning short or another
extraction method winning, long before anyone notices the counts dropping."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

import db as store
from monitor.config import Config
from monitor.periods import KST

__all__ = [
    "FAILING_RUNS",
    "SHORT_BODY_CHARS",
    "OutletHealth",
    "SourceHealth",
    "assess_outlets",
    "assess_sources",
    "collect_notices",
    "describe_failing",
    "is_failing",
]

# A real news article is longer; a body this short is a teaser, a paywall or a broken layout.
SHORT_BODY_CHARS = 200
# One failed run is often a blip (a site restarting); this many in a row needs a person.
FAILING_RUNS = 3
# Enough articles on both sides before a shift means anything.
_MIN_RECENT = 3
_MIN_BASELINE = 5


@dataclass(frozen=True)
class OutletHealth:
    """One outlet's extraction over the recent window against the weeks before it."""

    outlet: str
    articles: int
    short_share: float
    method: str | None
    method_share: float
    baseline_articles: int
    baseline_short_share: float
    baseline_method: str | None
    flags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The item of `sources --outlets --json`."""
        return {
            "outlet": self.outlet,
            "articles": self.articles,
            "short_share": round(self.short_share, 3),
            "method": self.method,
            "method_share": round(self.method_share, 3),
            "baseline_articles": self.baseline_articles,
            "baseline_short_share": round(self.baseline_short_share, 3),
            "baseline_method": self.baseline_method,
            "flags": list(self.flags),
        }


@dataclass
class _Side:
    articles: int = 0
    short: int = 0
    methods: Counter[str] | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.articles += int(row["articles"])
        self.short += int(row["short"] or 0)
        if self.methods is None:
            self.methods = Counter()
        self.methods[str(row["method"])] += int(row["articles"])

    @property
    def short_share(self) -> float:
        return self.short / self.articles if self.articles else 0.0

    def top(self) -> tuple[str | None, float]:
        if not self.methods or not self.articles:
            return None, 0.0
        method, count = self.methods.most_common(1)[0]
        return method, count / self.articles


def _iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="seconds")


def assess_outlets(
    db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    *,
    recent_days: int = 7,
    baseline_days: int = 28,
) -> list[OutletHealth]:
    """Every outlet seen in the last recent_days + baseline_days, flagged outlets first."""
    now = clock()
    split = now - timedelta(days=recent_days)
    start = split - timedelta(days=baseline_days)
    sides: dict[str, tuple[_Side, _Side]] = {}
    for side_index, (a, b) in enumerate(((split, now + timedelta(seconds=1)), (start, split))):
        for row in store.outlet_extraction_stats(db, _iso(a), _iso(b), SHORT_BODY_CHARS):
            pair = sides.setdefault(str(row["outlet"]), (_Side(), _Side()))
            pair[side_index].add(row)
    found = [_judge(outlet, recent, base) for outlet, (recent, base) in sides.items()]
    found.sort(key=lambda h: (not h.flags, -h.articles, h.outlet))
    return found


def _judge(outlet: str, recent: _Side, base: _Side) -> OutletHealth:
    method, method_share = recent.top()
    base_method, base_share = base.top()
    flags: list[str] = []
    if recent.articles >= _MIN_RECENT:
        if base.articles >= _MIN_BASELINE:
            if recent.short_share >= 0.5 and recent.short_share - base.short_share >= 0.3:
                flags.append(f"short bodies {recent.short_share:.0%} (was {base.short_share:.0%})")
            if base_share >= 0.6 and method != base_method:
                flags.append(f"extraction method {base_method} -> {method}")
        elif recent.short_share >= 0.8:
            flags.append(f"short bodies {recent.short_share:.0%}")
    return OutletHealth(
        outlet=outlet,
        articles=recent.articles,
        short_share=recent.short_share,
        method=method,
        method_share=method_share,
        baseline_articles=base.articles,
        baseline_short_share=base.short_share,
        baseline_method=base_method,
        flags=tuple(flags),
    )


def is_failing(row: dict[str, Any], failing_runs: int = FAILING_RUNS) -> bool:
    """Whether a source's health row has failed `failing_runs` runs in a row (flag it)."""
    return int(row["consecutive_failures"] or 0) >= max(1, failing_runs)


def describe_failing(row: dict[str, Any]) -> str:
    """One line on a failing source: for how long, since when it last worked, and why."""
    since = f"last worked {row['last_success']}" if row["last_success"] else "never worked"
    return (
        f"source {row['name']} failing for {row['consecutive_failures']} runs ({since}): "
        f"{row['last_error']}"
    )


def collect_notices(
    db: sqlite_utils.Database,
    clock: Callable[[], datetime],
    *,
    failing_runs: int = FAILING_RUNS,
) -> tuple[str, ...]:
    """The lines a digest carries above its stories: sources failing `failing_runs` runs in a
    row and outlets whose extraction shifted (the sign of a silent site redesign)."""
    lines = [describe_failing(r) for r in store.source_health(db) if is_failing(r, failing_runs)]
    lines += [
        f"outlet {h.outlet}: {'; '.join(h.flags)}" for h in assess_outlets(db, clock) if h.flags
    ]
    return tuple(lines)


# How many past runs `monitor sources` shows new-article counts for.
HISTORY_RUNS = 5


@dataclass(frozen=True)
class SourceHealth:
    """One configured (or formerly configured) source's record over its recent runs."""

    name: str
    kind: str
    configured: bool
    last_success: str | None
    last_failure: str | None
    last_error: str | None
    consecutive_failures: int
    new_articles_last_run: int | None
    new_articles_per_run: tuple[int, ...]  # newest first, the last HISTORY_RUNS runs
    failing: bool  # failed `failing_source_runs` runs in a row: the digest flags it

    def to_json(self) -> dict[str, Any]:
        """The item of `sources --json` (DESIGN.md's keys, then the extra ones)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "last_success": self.last_success,
            "last_failure": self.last_failure,
            "last_error": self.last_error,
            "consecutive_failures": self.consecutive_failures,
            "new_articles_last_run": self.new_articles_last_run,
            "new_articles_per_run": list(self.new_articles_per_run),
            "failing": self.failing,
            "configured": self.configured,
        }


def assess_sources(db: sqlite_utils.Database, config: Config) -> list[SourceHealth]:
    """Every configured source in config order (never run ones too), then sources the
    database remembers that the configuration no longer has."""
    rows = {r["name"]: r for r in store.source_health(db)}
    history = store.source_history(db, HISTORY_RUNS)
    threshold = config.digest.failing_source_runs
    found: list[SourceHealth] = []
    names = [s.name for s in config.sources] + sorted(set(rows) - {s.name for s in config.sources})
    kinds = {s.name: s.kind for s in config.sources}
    for name in names:
        row = rows.get(name)
        failures = int(row["consecutive_failures"] or 0) if row else 0
        found.append(
            SourceHealth(
                name=name,
                kind=kinds.get(name) or (str(row["kind"]) if row else "?"),
                configured=name in kinds,
                last_success=row["last_success"] if row else None,
                last_failure=row["last_failure"] if row else None,
                last_error=row["last_error"] if row else None,
                consecutive_failures=failures,
                new_articles_last_run=row["new_articles_last_run"] if row else None,
                new_articles_per_run=tuple(int(h["new_articles"]) for h in history.get(name, [])),
                failing=row is not None and is_failing(row, threshold),
            )
        )
    return found
