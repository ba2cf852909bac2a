"""How far each backfill has got: a cursor per (source, since), so a stopped backfill resumes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from db._errors import translate_sqlite

__all__ = ["BackfillState", "clear_backfill_state", "read_backfill_state", "save_backfill_state"]


@dataclass(frozen=True)
class BackfillState:
    """How far the backfill of one source since one day has got."""

    source: str
    since: date
    cursor: str | None  # the walk's position (opaque to monitor), None before the first window
    windows: int  # windows stored so far, over every run
    done: bool
    updated_at: str


@translate_sqlite
def read_backfill_state(
    db: sqlite_utils.Database, source: str, since: date
) -> BackfillState | None:
    """The stored state of (source, since), or None when that backfill never stored a window."""
    row = db.execute(
        "SELECT cursor, done, updated_at FROM backfill_state WHERE source = ? AND since = ?",
        [source, since.isoformat()],
    ).fetchone()
    if row is None:
        return None
    try:
        stored = json.loads(row[0])
    except json.JSONDecodeError:
        stored = None
    if not isinstance(stored, dict):
        stored = {}  # an unreadable state starts the walk again: re-asked windows cost no store
    walk = stored.get("walk")
    windows = stored.get("windows")
    return BackfillState(
        source=source,
        since=since,
        cursor=walk if isinstance(walk, str) else None,
        windows=windows if isinstance(windows, int) else 0,
        done=bool(row[1]),
        updated_at=str(row[2]),
    )


@translate_sqlite
def save_backfill_state(
    db: sqlite_utils.Database,
    source: str,
    since: date,
    cursor: str,
    *,
    windows: int,
    done: bool,
    at: str,
) -> None:
    """Store where the backfill of (source, since) stands, in one transaction."""
    stored = json.dumps({"walk": cursor, "windows": windows}, ensure_ascii=False)
    with db.conn:
        db.execute(
            "INSERT INTO backfill_state (source, since, cursor, done, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(source, since) DO UPDATE SET "
            "cursor = excluded.cursor, done = excluded.done, updated_at = excluded.updated_at",
            [source, since.isoformat(), stored, int(done), at],
        )


@translate_sqlite
def clear_backfill_state(db: sqlite_utils.Database, source: str, since: date) -> None:
    """Forget the backfill of (source, since), so it starts again from the newest window."""
    with db.conn:
        db.execute(
            "DELETE FROM backfill_state WHERE source = ? AND since = ?",
            [source, since.isoformat()],
        )
