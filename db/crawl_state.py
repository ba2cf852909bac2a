"""The fetcher's memory across runs, in the database: feed validators, API calls, known URLs
(a stored article's own URL, its http/https twin, and the other addresses recorded for it).

A feed's validators are offered for a conditional GET only once the run that saved them has
finished without an error from that source: a 304 then means every item of the feed was dealt
with, so a crash mid-run or a page that failed to fetch is never hidden behind "not modified".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db._errors import translate_sqlite
from db.store import known_urls

__all__ = [
    "CrawlStore",
    "KnownUrl",
    "absorb_article",
    "api_calls_on",
    "articles_of_outlet",
    "find_known_urls",
    "record_address",
    "stored_under",
]


@dataclass(frozen=True)
class KnownUrl:
    """A candidate URL the database holds already, and the URL it is stored under."""

    stored: str
    how: str  # "stored" (itself, or a page given up on), "other scheme", "other address"


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
        """The URLs already stored (or given up on), under either scheme or another recorded
        address, as the pipeline skips them."""
        with self._lock:
            return set(find_known_urls(self._db, urls))


@translate_sqlite
def api_calls_on(db: sqlite_utils.Database, api: str, day: str) -> int:
    """How many calls to `api` were made on the KST `day`."""
    row = db.execute("SELECT calls FROM api_calls WHERE api = ? AND day = ?", [api, day]).fetchone()
    return int(row[0]) if row else 0


@translate_sqlite
def articles_of_outlet(
    db: sqlite_utils.Database, outlet_key: str, published_from: str, published_until: str
) -> list[dict[str, Any]]:
    """One outlet's stored articles published in a KST date range (outlet as tallies key it):
    what a headline-only search hit is compared with."""
    cursor = db.execute(
        "SELECT id, url, title FROM articles "
        "WHERE COALESCE(outlet, outlet_domain, url) = ? "
        "AND published_date >= ? AND published_date <= ? ORDER BY id",
        [outlet_key, published_from, published_until],
    )
    return [{"id": r[0], "url": r[1], "title": r[2]} for r in cursor]


# Kept by the row that stays: when it was first collected and by which run (the digest's
# "since last" and the team's labels hang on them).
_KEPT_COLUMNS = frozenset({"id", "collected_at", "first_run_id"})


@translate_sqlite
def absorb_article(db: sqlite_utils.Database, keep_id: int, from_id: int) -> None:
    """Make article `keep_id` (a headline-only item) the article stored as `from_id`, which is
    removed: `keep_id` keeps its id, first collection time, labels and story corrections and
    takes the other's URL, page, text, verdicts and mentions. The kept row's old page goes, so
    neither `reprocess` nor the known-URL check brings the headline item back."""
    with db.conn:
        cursor = db.execute("SELECT * FROM articles WHERE id = ?", [from_id])
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        kept = db.execute(
            "SELECT page_id, story_id FROM articles WHERE id = ?", [keep_id]
        ).fetchone()
        if found is None or kept is None or keep_id == from_id:
            return
        row = dict(zip(names, found, strict=True))
        old_page, old_story = kept
        # The newcomer's story was matched with the headline item among the candidates; when
        # it matched nothing, the headline item's story stands.
        if row["story_id"] in (None, keep_id, from_id):
            row["story_id"] = old_story
        # The newcomer's search words (Kiwi morphemes) go with its text; the triggers on
        # `articles` would index the kept row by plain words only.
        terms = None
        if db["search_terms"].exists():
            terms = db.execute(
                "SELECT title, body, analysed FROM search_terms WHERE rowid = ?", [from_id]
            ).fetchone()
        db.execute("DELETE FROM mentions WHERE article_id = ?", [keep_id])
        db.execute("UPDATE mentions SET article_id = ? WHERE article_id = ?", [keep_id, from_id])
        # The newcomer's other addresses are the kept row's now (the delete would drop them).
        db.execute(
            "UPDATE article_addresses SET article_id = ? WHERE article_id = ?", [keep_id, from_id]
        )
        db.execute("DELETE FROM articles WHERE id = ?", [from_id])
        values = {k: v for k, v in row.items() if k not in _KEPT_COLUMNS}
        sets = ", ".join(f"{k} = :{k}" for k in values)
        db.execute(f"UPDATE articles SET {sets} WHERE id = :keep", {**values, "keep": keep_id})
        if terms is not None:
            db.execute("DELETE FROM search_terms WHERE rowid = ?", [keep_id])
            db.execute(
                "INSERT INTO search_terms (rowid, title, body, analysed) VALUES (?, ?, ?, ?)",
                [keep_id, *terms],
            )
        # Anything that joined the newcomer's story in between follows it.
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [keep_id, from_id])
        if old_page is not None and old_page != row["page_id"]:
            db.execute("DELETE FROM pages WHERE id = ?", [old_page])


def _twin(url: str) -> str | None:
    """The same address under the other scheme (http <-> https); None for any other URL."""
    for scheme, other in (("http://", "https://"), ("https://", "http://")):
        if url.startswith(scheme):
            return other + url[len(scheme) :]
    return None


@translate_sqlite
def stored_under(db: sqlite_utils.Database, urls: Iterable[str]) -> dict[str, str]:
    """For each URL that is, under either scheme, a stored article's URL or an address recorded
    for one (`record_address`), that article's URL; its own URL wins over its twin, an
    article's URL over an address."""
    forms = {url: [url, *filter(None, [_twin(url)])] for url in dict.fromkeys(urls)}
    wanted = list({form for group in forms.values() for form in group})
    articles: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for i in range(0, len(wanted), 400):
        chunk = wanted[i : i + 400]
        marks = ",".join("?" * len(chunk))
        for (url,) in db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk):
            articles[url] = url
        for address, url in db.execute(
            "SELECT d.url, a.url FROM article_addresses d JOIN articles a ON a.id = d.article_id "
            f"WHERE d.url IN ({marks})",
            chunk,
        ):
            addresses[address] = url
    found: dict[str, str] = {}
    for url, group in forms.items():
        for lookup in (articles, addresses):
            stored = next((lookup[f] for f in group if f in lookup), None)
            if stored is not None:
                found[url] = stored
                break
    return found


@translate_sqlite
def find_known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> dict[str, KnownUrl]:
    """The candidates not to fetch again, each with the URL it is stored under: stored ones
    and pages given up on (`known_urls`), then the http/https twin of a stored article, then
    an address recorded for one (either scheme)."""
    wanted = list(dict.fromkeys(urls))
    found = {url: KnownUrl(url, "stored") for url in known_urls(db, wanted)}
    for url, stored in stored_under(db, [u for u in wanted if u not in found]).items():
        how = "other scheme" if stored == _twin(url) else "other address"
        found[url] = KnownUrl(stored, how)
    return found


@translate_sqlite
def record_address(
    db: sqlite_utils.Database, address: str, stored: str, kind: str, at: str
) -> bool:
    """Record `address` as another address of the article stored under `stored` ('landing':
    where its page's redirect ended; 'redirect': an old address that leads to it); whether it
    was recorded. An article's own URL is never another one's address."""
    if address == stored:
        return False
    with db.conn:
        cursor = db.execute(
            "INSERT INTO article_addresses (url, article_id, kind, recorded_at) "
            "SELECT ?, id, ?, ? FROM articles WHERE url = ? "
            "AND NOT EXISTS (SELECT 1 FROM articles WHERE url = ?) "
            "ON CONFLICT(url) DO UPDATE SET article_id = excluded.article_id, "
            "kind = excluded.kind, recorded_at = excluded.recorded_at",
            [address, kind, at, stored, address],
        )
    return cursor.rowcount > 0
