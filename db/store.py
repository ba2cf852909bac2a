"""Writing to the database: runs, errors, source health, raw pages and analysed articles."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

import sqlite_utils

from db._errors import NotFound, translate_sqlite
from db._records import ArticleRecord, PageRecord
from db.search import ArticleTerms, write_article_terms, write_plain_terms

# A page without an article is fetched again on this many runs before it is left alone.
MAX_PAGE_ATTEMPTS = 3

__all__ = [
    "MAX_PAGE_ATTEMPTS",
    "assign_story",
    "finish_run",
    "iter_pages",
    "known_urls",
    "mark_press_releases",
    "page_body",
    "record_error",
    "record_source_outcome",
    "save_article",
    "save_fetched_article",
    "save_page",
    "start_run",
]


@translate_sqlite
def start_run(db: sqlite_utils.Database, kind: str, started_at: str) -> int:
    """Open a run row and return its id."""
    with db.conn:
        cursor = db.execute(
            "INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running')",
            [kind, started_at],
        )
    return int(cursor.lastrowid or 0)


@translate_sqlite
def finish_run(
    db: sqlite_utils.Database, run_id: int, finished_at: str, status: str, **counts: int
) -> None:
    """Close a run with its outcome and counters (sources, fetched, new_articles, relevant, ...)."""
    allowed = {"sources", "fetched", "new_articles", "relevant", "skipped", "errors"}
    sets = ", ".join(f"{k} = :{k}" for k in counts if k in allowed)
    params: dict[str, Any] = {"id": run_id, "finished_at": finished_at, "status": status, **counts}
    with db.conn:
        db.execute(
            "UPDATE runs SET finished_at = :finished_at, status = :status"
            + (", " + sets if sets else "")
            + " WHERE id = :id",
            params,
        )


@translate_sqlite
def record_error(
    db: sqlite_utils.Database,
    run_id: int | None,
    url: str,
    stage: str,
    error: str,
    at: str,
    source: str | None = None,
) -> None:
    """Record one item's failure at one stage; the run goes on."""
    with db.conn:
        db.execute(
            "INSERT INTO errors (run_id, source, url, stage, error, at) VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, source, url, stage, error, at],
        )


@translate_sqlite
def record_source_outcome(
    db: sqlite_utils.Database,
    name: str,
    kind: str,
    run_id: int,
    at: str,
    error: str | None,
    new_articles: int,
) -> None:
    """Update a source's health after a run: success ends a failure streak, failure extends it.
    The run's outcome also joins the source's history (`source_runs`)."""
    with db.conn:
        db.execute(
            "INSERT OR REPLACE INTO source_runs (run_id, source, at, error, new_articles) "
            "VALUES (?, ?, ?, ?, ?)",
            [run_id, name, at, error, new_articles],
        )
        db.execute(
            "INSERT INTO sources (name, kind) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind",
            [name, kind],
        )
        if error is None:
            db.execute(
                "UPDATE sources SET last_run_id = ?, last_success = ?, consecutive_failures = 0, "
                "new_articles_last_run = ? WHERE name = ?",
                [run_id, at, new_articles, name],
            )
        else:
            db.execute(
                "UPDATE sources SET last_run_id = ?, last_failure = ?, last_error = ?, "
                "consecutive_failures = consecutive_failures + 1, new_articles_last_run = ? "
                "WHERE name = ?",
                [run_id, at, error, new_articles, name],
            )


@translate_sqlite
def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """The subset of `urls` not to fetch again: stored articles, and pages without an article
    that have been tried MAX_PAGE_ATTEMPTS times."""
    wanted = list(dict.fromkeys(urls))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk)
        found.update(r[0] for r in rows)
        rows = db.execute(
            f"SELECT url FROM pages WHERE url IN ({marks}) AND attempts >= ?",
            [*chunk, MAX_PAGE_ATTEMPTS],
        )
        found.update(r[0] for r in rows)
    return found


@translate_sqlite
def mark_press_releases(db: sqlite_utils.Database, urls: Iterable[str]) -> int:
    """Make stored items of the city's press-release board press releases; how many changed."""
    changed = 0
    with db.conn:
        for url in urls:
            for table in ("pages", "articles"):
                cursor = db.execute(
                    f"UPDATE {table} SET role = 'press_release' "
                    "WHERE url = ? AND role != 'press_release'",
                    [url],
                )
                changed += cursor.rowcount if table == "articles" else 0
    return changed


@translate_sqlite
def save_page(db: sqlite_utils.Database, page: PageRecord, run_id: int | None) -> int:
    """Store a raw page (body compressed), replacing an earlier copy of the same URL; its id."""
    with db.conn:
        return _write_page(db, page, run_id)


@translate_sqlite
def save_fetched_article(
    db: sqlite_utils.Database,
    page: PageRecord,
    article: ArticleRecord,
    run_id: int | None,
    terms: ArticleTerms | None = None,
) -> tuple[int, bool]:
    """Store a page and the article extracted from it in one transaction; (article id, created).
    `terms` are the article's Kiwi morphemes for search (else it is indexed by plain words)."""
    with db.conn:
        page_id = _write_page(db, page, run_id)
        return _write_article(db, article, page_id, run_id, terms)


def _write_page(db: sqlite_utils.Database, page: PageRecord, run_id: int | None) -> int:
    row = asdict(page)
    row["body_gz"] = zlib.compress(row.pop("body"), 6)
    row["run_id"] = run_id
    columns = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "url")
    updates += ", attempts = pages.attempts + 1"
    db.execute(
        f"INSERT INTO pages ({columns}) VALUES ({marks}) ON CONFLICT(url) DO UPDATE SET {updates}",
        row,
    )
    found = db.execute("SELECT id FROM pages WHERE url = ?", [page.url]).fetchone()
    return int(found[0])


@translate_sqlite
def page_body(db: sqlite_utils.Database, page_id: int) -> bytes:
    """A stored page's raw bytes."""
    row = db.execute("SELECT body_gz FROM pages WHERE id = ?", [page_id]).fetchone()
    if row is None:
        raise NotFound(f"no page {page_id}")
    return zlib.decompress(row[0]) if row[0] is not None else b""


@translate_sqlite
def iter_pages(db: sqlite_utils.Database, since: str | None = None) -> Iterator[dict[str, Any]]:
    """Stored pages (without bodies), oldest first, optionally fetched on or after `since`."""
    sql = "SELECT id, url, final_url, status, content_type, fetched_at, source, role, entry_title, "
    sql += "entry_published_at, entry_outlet, entry_summary, entry_content FROM pages"
    params: list[str] = []
    if since:
        sql += " WHERE fetched_at >= ?"
        params.append(since)
    cursor = db.execute(sql + " ORDER BY id", params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


@translate_sqlite
def save_article(
    db: sqlite_utils.Database,
    article: ArticleRecord,
    page_id: int | None,
    run_id: int | None,
    terms: ArticleTerms | None = None,
) -> tuple[int, bool]:
    """Insert or update an article by URL, keeping its id; returns (id, created).
    `terms` are the article's Kiwi morphemes for search (else it is indexed by plain words)."""
    with db.conn:
        return _write_article(db, article, page_id, run_id, terms)


def _write_article(
    db: sqlite_utils.Database,
    article: ArticleRecord,
    page_id: int | None,
    run_id: int | None,
    terms: ArticleTerms | None = None,
) -> tuple[int, bool]:
    row = asdict(article)
    mentions = row.pop("mentions")
    row["authors"] = json.dumps(list(article.authors), ensure_ascii=False)
    row["flags"] = json.dumps(list(article.flags), ensure_ascii=False)
    row["relevant"] = int(article.relevant)
    row["page_id"] = page_id
    existing = db.execute(
        "SELECT id, collected_at, first_run_id FROM articles WHERE url = ?", [article.url]
    ).fetchone()
    if existing is None:
        row["first_run_id"] = run_id
        columns = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        cursor = db.execute(f"INSERT INTO articles ({columns}) VALUES ({marks})", row)
        article_id, created = int(cursor.lastrowid or 0), True
    else:
        article_id, created = int(existing[0]), False
        row.pop("collected_at")  # first collection time survives reprocessing
        sets = ", ".join(f"{k} = :{k}" for k in row if k != "url")
        db.execute(f"UPDATE articles SET {sets} WHERE id = :id", {**row, "id": article_id})
    db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
    db.conn.executemany(
        'INSERT INTO mentions (article_id, entity, field, start, "end", text, sentence) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (article_id, m["entity"], m["field"], m["start"], m["end"], m["text"], m["sentence"])
            for m in mentions
        ],
    )
    if terms is not None:
        write_article_terms(db, article_id, terms)
    else:
        write_plain_terms(db, article_id)
    return article_id, created


@translate_sqlite
def assign_story(db: sqlite_utils.Database, article_id: int, story_id: int) -> None:
    """Put an article into a story (story ids are the id of the story's first article)."""
    with db.conn:
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
