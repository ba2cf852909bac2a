"""Coverage tallies as the team exports them: table, CSV (UTF-8 with BOM) and JSON."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlite_utils

import db as store
from monitor.config import Config
from monitor.periods import Period

__all__ = ["TALLY_FORMATS", "Tally", "compute_tally", "render_tally"]

TALLY_FORMATS = ("table", "csv", "json")
UNKNOWN_KEY = "unknown"


@dataclass(frozen=True)
class Tally:
    """Counts for one period by one dimension, with human labels for the keys."""

    period: Period
    by: str
    rows: tuple[tuple[str, str, store.TallyRow], ...]  # (key, label, counts)
    total: store.TallyRow

    def to_json(self) -> dict[str, Any]:
        """The `tally --json` object of DESIGN.md."""
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "by": self.by,
            "rows": [
                {
                    "key": key,
                    "label": label,
                    "articles": row.articles,
                    "outlets": row.outlets,
                    "stories": row.stories,
                }
                for key, label, row in self.rows
            ],
            "total": {
                "articles": self.total.articles,
                "outlets": self.total.outlets,
                "stories": self.total.stories,
            },
        }


def _labels(config: Config, by: str) -> dict[str, str]:
    if by == "entity":
        return {e.id: e.name for e in config.entities}
    if by == "topic":
        return {t.id: t.label for t in config.topics}
    if by == "tone":
        return {"positive": "긍정", "neutral": "중립", "negative": "부정"}
    return {}


def compute_tally(config: Config, db: sqlite_utils.Database, period: Period, by: str) -> Tally:
    """Count relevant coverage in `period` by `by`, straight from the rows (always a recount)."""
    rows, total = store.tally(db, by, period.start.isoformat(), period.end.isoformat())
    labels = _labels(config, by)
    # Items without a tier, topic or tone (an unregistered outlet) share one honest key.
    labels.setdefault(UNKNOWN_KEY, "미분류")
    labelled = tuple((r.key, labels.get(r.key, r.key), r) for r in rows)
    return Tally(period, by, labelled, total)


def render_tally(tally: Tally, fmt: str) -> str:
    """The tally as an aligned table or as CSV (the caller writes CSV with a BOM)."""
    header = (tally.by, "label", "articles", "outlets", "stories")
    lines = [
        (key, label, str(r.articles), str(r.outlets), str(r.stories))
        for key, label, r in tally.rows
    ]
    total = (
        "total",
        "",
        str(tally.total.articles),
        str(tally.total.outlets),
        str(tally.total.stories),
    )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([header, *lines, total])
        return buffer.getvalue()
    table = [header, *lines, total]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    out = [f"{tally.by} tally, {tally.period.start} .. {tally.period.end}"]
    for n, row in enumerate(table):
        cells = [
            cell + " " * (widths[i] - _width(cell)) if i < 2 else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0 or n == len(table) - 2:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    """Display width: Hangul and other wide characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
