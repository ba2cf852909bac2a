"""Clipping-sheet imports and manual items: which sheet row became (or matched) which article,
and the lookups an import plans with."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from db._errors import translate_sqlite
from db.queries import _rows

__all__ = [
    "articles_by_urls",
    "articles_published_between",
    "imported_rows",
    "page_id_for_url",
    "record_import_row",
    "set_article_medium",
    "set_article_note",
]


_MATCH_COLUMNS = "id, url, canonical_url, outlet, outlet_domain, title, published_date, medium"


@translate_sqlite
def articles_by_urls(db: sqlite_utils.Database, urls: list[str]) -> dict[str, int]:
    """Stored article ids by URL: an article's own key, or the canonical link its page gave."""
    found: dict[str, int] = {}
    wanted = list(dict.fromkeys(urls))
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        marks = ",".join("?" * len(chunk))
        for article_id, url, canonical in db.execute(
            f"SELECT id, url, canonical_url FROM articles "
            f"WHERE url IN ({marks}) OR canonical_url IN ({marks}) ORDER BY id",
            [*chunk, *chunk],
        ):
            # The article's own key wins over another article's canonical link.
            if url in chunk:
                found[url] = int(article_id)
            if canonical in chunk:
                found.setdefault(canonical, int(article_id))
    return found


@translate_sqlite
def articles_published_between(
    db: sqlite_utils.Database, first: str, last: str
) -> list[dict[str, Any]]:
    """Every article published in a KST date range, with what an import matches rows by."""
    return _rows(
        db,
        f"SELECT {_MATCH_COLUMNS} FROM articles "
        "WHERE published_date >= ? AND published_date <= ? ORDER BY id",
        [first, last],
    )


@translate_sqlite
def imported_rows(db: sqlite_utils.Database, file_sha256: str) -> dict[int, dict[str, Any]]:
    """The rows of a file (by content hash) imported before: row -> article_id, outcome, at."""
    return {
        int(r["row"]): r
        for r in _rows(
            db,
            "SELECT row, article_id, outcome, imported_at FROM imports WHERE file_sha256 = ?",
            [file_sha256],
        )
    }


@translate_sqlite
def record_import_row(
    db: sqlite_utils.Database,
    file: str,
    file_sha256: str,
    row: int,
    article_id: int | None,
    outcome: str,
    at: str,
) -> None:
    """Remember which article a sheet row became or matched. The first import of a row is
    the record kept (importing the file again changes nothing), unless its article is gone."""
    with db.conn:
        db.execute(
            "INSERT INTO imports (file, file_sha256, row, article_id, outcome, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(file_sha256, row) DO UPDATE SET "
            "article_id = excluded.article_id, outcome = excluded.outcome, "
            "imported_at = excluded.imported_at, file = excluded.file "
            "WHERE imports.article_id IS NULL",
            [file, file_sha256, row, article_id, outcome, at],
        )


@translate_sqlite
def page_id_for_url(db: sqlite_utils.Database, url: str) -> int | None:
    """The stored raw page of a URL, if any."""
    row = db.execute("SELECT id FROM pages WHERE url = ?", [url]).fetchone()
    return int(row[0]) if row else None


@translate_sqlite
def set_article_medium(db: sqlite_utils.Database, article_id: int, medium: str) -> None:
    """Record the medium the team says an article ran in (online, print, broadcast)."""
    with db.conn:
        db.execute("UPDATE articles SET medium = ? WHERE id = ?", [medium, article_id])


@translate_sqlite
def set_article_note(
    db: sqlite_utils.Database, article_id: int, note: str | None, *, only_if_empty: bool = False
) -> bool:
    """Set an article's note (the team's remark: page number, programme ...); whether it
    changed. With `only_if_empty` an existing note is kept."""
    sql = "UPDATE articles SET note = ? WHERE id = ?"
    if only_if_empty:
        sql += " AND (note IS NULL OR note = '')"
    with db.conn:
        cursor = db.execute(sql + " AND note IS NOT ?", [note, article_id, note])
    return cursor.rowcount > 0
