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
from monitor.periods import KST

__all__ = ["SHORT_BODY_CHARS", "OutletHealth", "assess_outlets", "collect_notices"]

# A real news article is longer; a body this short is a teaser, a paywall or a broken layout.
SHORT_BODY_CHARS = 200
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


def collect_notices(db: sqlite_utils.Database, clock: Callable[[], datetime]) -> tuple[str, ...]:
    """The lines a digest carries above its stories: failing sources and outlets whose
    extraction shifted (the sign of a silent site redesign)."""
    lines = [
        f"source {r['name']} failing ({r['consecutive_failures']} runs): {r['last_error']}"
        for r in store.source_health(db)
        if r["consecutive_failures"]
    ]
    lines += [
        f"outlet {h.outlet}: {'; '.join(h.flags)}" for h in assess_outlets(db, clock) if h.flags
    ]
    return tuple(lines)
