"""The fetcher's memory across runs, in the database: feed validators, API calls, known URLs.

A feed's validators are offered for a conditional GET only once the run that saved them has
finished without an error from that source: a 304 then means every item of the feed was dealt
with, so a crash mid-run or a page that failed to fetch is never hidden behind "not modified".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import sqlite_utils

from db._errors import translate_sqlite
from db.store import known_urls

__all__ = ["CrawlStore", "api_calls_on"]


class CrawlStore:
    """A scrapers CrawlState backed by the database, for the run `run_id`."""

    def __init__(self, db: sqlite_utils.Database, run_id: int, now: str) -> None:
        """Keep the database, the run validators are saved under and the time they are saved."""
        self._db = db
        self._run_id = run_id
        self._now = now
        # Sources run on threads that share the connection: one statement group at a time.
        self._lock = threading.Lock()

    @translate_sqlite
    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """The validators of the feed's last full read, if that run finished cleanly."""
        with self._lock:
            row = self._db.execute(
                "SELECT v.etag, v.last_modified FROM feed_validators v "
                "JOIN runs r ON r.id = v.run_id "
                "WHERE v.url = ? AND r.finished_at IS NOT NULL AND r.status != 'interrupted' "
                "AND NOT EXISTS (SELECT 1 FROM errors e "
                "WHERE e.run_id = v.run_id AND e.source = v.source)",
                [url],
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    @translate_sqlite
    def save_feed_validators(
        self, url: str, source: str, etag: str | None, last_modified: str | None
    ) -> None:
        """Remember the validators of a full read under this run."""
        with self._lock, self._db.conn:
            self._db.execute(
                "INSERT INTO feed_validators (url, source, etag, last_modified, run_id, saved_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                "source = excluded.source, etag = excluded.etag, "
                "last_modified = excluded.last_modified, run_id = excluded.run_id, "
                "saved_at = excluded.saved_at",
                [url, source, etag, last_modified, self._run_id, self._now],
            )

    @translate_sqlite
    def spend_api_call(self, api: str, day: str, limit: int) -> int | None:
        """Count one call on `day`; None (nothing counted) once `limit` calls were made."""
        if limit < 1:
            return None
        with self._lock, self._db.conn:
            cursor = self._db.execute(
                "INSERT INTO api_calls (api, day, calls) VALUES (?, ?, 1) "
                "ON CONFLICT(api, day) DO UPDATE SET calls = calls + 1 WHERE calls < ?",
                [api, day, limit],
            )
            if cursor.rowcount == 0:
                return None
            row = self._db.execute(
                "SELECT calls FROM api_calls WHERE api = ? AND day = ?", [api, day]
            ).fetchone()
        return int(row[0])

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The URLs already stored (or given up on), as the pipeline skips them."""
        with self._lock:
            return known_urls(self._db, urls)


@translate_sqlite
def api_calls_on(db: sqlite_utils.Database, api: str, day: str) -> int:
    """How many calls to `api` were made on the KST `day`."""
    row = db.execute("SELECT calls FROM api_calls WHERE api = ? AND day = ?", [api, day]).fetchone()
    return int(row[0]) if row else 0
