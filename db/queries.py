"""Reading the database: counts by the counting rules, digests, search, one article, health.

Every figure is computed from the rows at query time (the `effective_articles` view applies the
team's labels), so a tally is always what a recount from scratch gives.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db._errors import NotFound, StorageError, translate_sqlite

__all__ = [
    "TALLY_DIMENSIONS",
    "SearchFilters",
    "TallyRow",
    "article_copies",
    "article_mentions",
    "digest_articles",
    "get_article",
    "last_digest",
    "outlet_extraction_stats",
    "record_digest",
    "search_articles",
    "source_health",
    "source_history",
    "story_articles",
    "tally",
]

# Outlet identity for counting: the registry name, else the domain, else the URL itself.
# One outlet's article in a story (its online copy, a print copy, an update) is counted once, so
# it has one topic, tone, tier and month: those of its first online copy (the lowest id).
_OUTLET_KEY = "COALESCE(outlet, outlet_domain, url)"
# Every counted article with its own values, read from the `articles_counted` index (schema 6)
# rather than the table. Relevance is the label's, else the classifier's: the first branch takes
# classifier-relevant articles no label overrules, the second (walking the labels: CROSS JOIN
# fixes that order) the few a label made relevant.
_COUNTED_COLUMNS = (
    "a.id, COALESCE(a.outlet, a.outlet_domain, a.url) AS outlet_key, "
    "COALESCE(o.story_id, a.story_id, a.id) AS story, a.tier, "
    "COALESCE(l.topic, a.topic) AS topic, COALESCE(l.tone, a.tone) AS tone, "
    "substr(a.published_date, 1, 7) AS month, a.medium"
)
_COUNTED_ROWS = f"""
    SELECT {_COUNTED_COLUMNS}
    FROM articles a
    LEFT JOIN labels l ON l.article_id = a.id
    LEFT JOIN story_overrides o ON o.article_id = a.id
    WHERE a.relevant = 1 AND a.role = 'coverage'
      AND a.published_date >= :start AND a.published_date <= :end
      AND (l.relevant IS NULL OR l.relevant = 1)
    UNION ALL
    SELECT {_COUNTED_COLUMNS}
    FROM labels l
    CROSS JOIN articles a ON a.id = l.article_id
    LEFT JOIN story_overrides o ON o.article_id = a.id
    WHERE l.relevant = 1 AND a.relevant != 1 AND a.role = 'coverage'
      AND a.published_date >= :start AND a.published_date <= :end
"""
# Each counted article with its (outlet, story) pair's values: the first online copy's.
_COUNTED = f"""
    SELECT id, outlet_key, story,
           FIRST_VALUE(tier) OVER pair AS tier,
           FIRST_VALUE(topic) OVER pair AS topic,
           FIRST_VALUE(tone) OVER pair AS tone,
           FIRST_VALUE(month) OVER pair AS month
    FROM ({_COUNTED_ROWS})
    WINDOW pair AS (PARTITION BY outlet_key, story ORDER BY medium != 'online', id)
"""
# One row per counted (outlet, story) pair with its first online copy's values. SQLite takes
# the bare columns of a min() aggregate from the row holding the minimum; the key orders
# online copies (0) before others (1 << 62), then by id.
_COUNTED_PAIRS = f"""
    SELECT outlet_key, story, tier, topic, tone, month,
           MIN((medium != 'online') * 4611686018427387904 + id) AS first
    FROM ({_COUNTED_ROWS})
    GROUP BY outlet_key, story
"""
TALLY_DIMENSIONS = ("entity", "topic", "outlet", "tier", "tone", "month")


@dataclass(frozen=True)
class TallyRow:
    """One tally row: `articles` = distinct (outlet, story) pairs, `stories` = distinct stories."""

    key: str
    articles: int
    outlets: int
    stories: int


@dataclass(frozen=True)
class SearchFilters:
    """What `monitor search` narrows by; None means no filter."""

    entity: str | None = None
    topic: str | None = None
    outlet: str | None = None
    tier: str | None = None
    tone: str | None = None
    since: str | None = None  # YYYY-MM-DD, KST
    until: str | None = None
    include_irrelevant: bool = False
    include_press_releases: bool = False


# Over distinct (key, outlet, story) rows (or pairs), each row is one counted article: grouping
# to those first is about twice as fast as COUNT(DISTINCT) over joined strings.
_PAIR_MEASURES = (
    "COUNT(*) AS articles, COUNT(DISTINCT p.outlet_key) AS outlets, "
    "COUNT(DISTINCT p.story) AS stories"
)


@translate_sqlite
def tally(
    db: sqlite_utils.Database, by: str, start: str, end: str
) -> tuple[list[TallyRow], TallyRow]:
    """Coverage counts per `by` value for published dates start..end (inclusive), and the total."""
    if by not in TALLY_DIMENSIONS:
        raise StorageError(f"cannot tally by {by!r}")
    params = {"start": start, "end": end}
    if by == "entity":
        # Every counted article adds its pair to each entity it names (a repeated mention
        # changes nothing), so no pair's first copy is needed.
        sql = (
            f"SELECT p.key, {_PAIR_MEASURES} FROM ("
            "SELECT m.entity AS key, c.outlet_key, c.story "
            f"FROM ({_COUNTED_ROWS}) c JOIN mentions m ON m.article_id = c.id "
            "GROUP BY m.entity, c.outlet_key, c.story) p GROUP BY p.key"
        )
    elif by == "outlet":
        sql = (
            f"SELECT COALESCE(NULLIF(p.outlet_key, ''), 'unknown') AS key, {_PAIR_MEASURES} "
            f"FROM (SELECT outlet_key, story FROM ({_COUNTED_ROWS}) GROUP BY outlet_key, story) p "
            "GROUP BY key"
        )
    else:
        sql = (
            f"SELECT COALESCE(NULLIF(p.{by}, ''), 'unknown') AS key, {_PAIR_MEASURES} "
            f"FROM ({_COUNTED_PAIRS}) p GROUP BY key"
        )
    rows = [TallyRow(str(r[0]), r[1], r[2], r[3]) for r in db.execute(sql, params)]
    rows.sort(key=lambda r: (-r.articles, -r.stories, r.key) if by != "month" else (r.key,))
    total_row = db.execute(
        f"SELECT {_PAIR_MEASURES} FROM "
        f"(SELECT outlet_key, story FROM ({_COUNTED_ROWS}) GROUP BY outlet_key, story) p",
        params,
    ).fetchone()
    return rows, TallyRow("total", total_row[0], total_row[1], total_row[2])


def _rows(
    db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict[str, Any]
) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


_ITEM_COLUMNS = (
    "id, url, title, outlet, outlet_domain, tier, published_at, published_date, date_source, "
    "effective_topic AS topic, effective_tone AS tone, is_relevant AS relevant, "
    "effective_story AS story_id, role, medium, note, body, lead, collected_at"
)


def _entities_by_article(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for article_id, entity in db.execute(
            f"SELECT DISTINCT article_id, entity FROM mentions WHERE article_id IN ({marks}) "
            "ORDER BY article_id, entity",
            chunk,
        ):
            found[article_id].append(entity)
    return found


def _with_entities(db: sqlite_utils.Database, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entities = _entities_by_article(db, [i["id"] for i in items])
    for item in items:
        item["entities"] = entities[item["id"]]
        item["relevant"] = bool(item["relevant"])
    return items


@translate_sqlite
def search_articles(
    db: sqlite_utils.Database, terms: Sequence[str], filters: SearchFilters, limit: int
) -> list[dict[str, Any]]:
    """Articles whose title, lead or body contains every term, newest first, with entity ids."""
    where = ["1 = 1"]
    params: list[Any] = []
    if not filters.include_irrelevant:
        where.append("is_relevant = 1")
    if not filters.include_press_releases:
        where.append("role = 'coverage'")
    for term in terms:
        # lower() folds Latin only (LIH-G = lih-g); Hangul has no case.
        where.append(
            "(instr(lower(title), lower(?)) > 0 OR instr(lower(lead), lower(?)) > 0 "
            "OR instr(lower(body), lower(?)) > 0)"
        )
        params += [term, term, term]
    if filters.entity:
        where.append("id IN (SELECT article_id FROM mentions WHERE entity = ?)")
        params.append(filters.entity)
    for column, value in (
        ("effective_topic", filters.topic),
        ("tier", filters.tier),
        ("effective_tone", filters.tone),
    ):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if filters.outlet:
        where.append("(outlet = ? OR outlet_domain = ?)")
        params += [filters.outlet, filters.outlet]
    if filters.since:
        where.append("published_date >= ?")
        params.append(filters.since)
    if filters.until:
        where.append("published_date <= ?")
        params.append(filters.until)
    sql = (
        f"SELECT {_ITEM_COLUMNS} FROM effective_articles WHERE {' AND '.join(where)} "
        "ORDER BY COALESCE(published_at, collected_at) DESC, id DESC"
    )
    if limit > 0:
        sql += f" LIMIT {min(int(limit), 2**63 - 1)}"
    return _with_entities(db, _rows(db, sql, params))


@translate_sqlite
def get_article(db: sqlite_utils.Database, article_id: int) -> dict[str, Any]:
    """One stored article with every column, its effective labels and entity ids."""
    rows = _rows(
        db,
        f"SELECT {_ITEM_COLUMNS}, updated_at, authors, flags, method, encoding, language, "
        "translation, canonical_url, relevance_score, relevance_reason, topic_reason, "
        "tone_reason, page_id, first_run_id, processed_at FROM effective_articles WHERE id = ?",
        [article_id],
    )
    if not rows:
        raise NotFound(f"no article with id {article_id}")
    item = _with_entities(db, rows)[0]
    item["authors"] = json.loads(item["authors"])
    item["flags"] = json.loads(item["flags"])
    label = _rows(
        db,
        "SELECT relevant, topic, tone, note, updated_at FROM labels WHERE article_id = ?",
        [article_id],
    )
    item["labels"] = label[0] if label else {}
    if item["labels"].get("relevant") is not None:
        item["labels"]["relevant"] = bool(item["labels"]["relevant"])
    if item["page_id"] is not None:
        fetch = _rows(
            db,
            "SELECT url, final_url, status, content_type, fetched_at, source, run_id FROM pages "
            "WHERE id = ?",
            [item["page_id"]],
        )
        item["fetch"] = fetch[0] if fetch else None
    else:
        item["fetch"] = None
    return item


@translate_sqlite
def article_mentions(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """An article's mentions in order of field and offset."""
    return _rows(
        db,
        'SELECT entity, field, start, "end", text, sentence FROM mentions WHERE article_id = ? '
        "ORDER BY field DESC, start",
        [article_id],
    )


@translate_sqlite
def article_copies(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """The other articles of this article's story."""
    return _rows(
        db,
        "SELECT id, url, title, outlet, published_at FROM effective_articles "
        "WHERE effective_story = (SELECT effective_story FROM effective_articles WHERE id = ?) "
        "AND id != ? ORDER BY published_at, id",
        [article_id, article_id],
    )


@translate_sqlite
def story_articles(
    db: sqlite_utils.Database, published_from: str, published_until: str
) -> list[dict[str, Any]]:
    """Every article published in a KST date range, with what story matching compares (its
    story is the effective one: the team's merges and splits included)."""
    return _rows(
        db,
        "SELECT id, url, effective_story AS story_id, outlet, outlet_domain, title, fingerprint "
        "FROM effective_articles WHERE published_date >= ? AND published_date <= ? ORDER BY id",
        [published_from, published_until],
    )


@translate_sqlite
def digest_articles(
    db: sqlite_utils.Database,
    *,
    date: str | None = None,
    collected_after: str | None = None,
    collected_until: str | None = None,
) -> list[dict[str, Any]]:
    """Relevant coverage published on `date`, or first collected in (collected_after, until]."""
    where = ["is_relevant = 1", "role = 'coverage'"]
    params: list[Any] = []
    if date is not None:
        where.append("published_date = ?")
        params.append(date)
    if collected_after is not None:
        where.append("collected_at > ?")
        params.append(collected_after)
    if collected_until is not None:
        where.append("collected_at <= ?")
        params.append(collected_until)
    sql = (
        f"SELECT {_ITEM_COLUMNS} FROM effective_articles WHERE {' AND '.join(where)} "
        "ORDER BY effective_story, COALESCE(published_at, collected_at), id"
    )
    return _with_entities(db, _rows(db, sql, params))


@translate_sqlite
def last_digest(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The most recent digest that was sent, if any (None: no digest has been sent yet)."""
    rows = _rows(db, "SELECT * FROM digests WHERE sent = 1 ORDER BY id DESC LIMIT 1", [])
    return rows[0] if rows else None


@translate_sqlite
def record_digest(
    db: sqlite_utils.Database,
    created_at: str,
    kind: str,
    date: str | None,
    covered_from: str | None,
    covered_until: str,
    sent: bool,
) -> None:
    """Remember a digest, so `--since-last` knows where the next one starts."""
    with db.conn:
        db.execute(
            "INSERT INTO digests (created_at, kind, date, covered_from, covered_until, sent) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [created_at, kind, date, covered_from, covered_until, int(sent)],
        )


@translate_sqlite
def source_health(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every source's health row."""
    return _rows(
        db,
        "SELECT name, kind, last_success, last_failure, last_error, consecutive_failures, "
        "new_articles_last_run FROM sources ORDER BY name",
        [],
    )


@translate_sqlite
def source_history(db: sqlite_utils.Database, runs: int) -> dict[str, list[dict[str, Any]]]:
    """Each source's last `runs` outcomes, newest first: run_id, at, error, new_articles."""
    history: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(
        db,
        "SELECT source, run_id, at, error, new_articles FROM ("
        "SELECT *, ROW_NUMBER() OVER (PARTITION BY source ORDER BY run_id DESC) AS n "
        "FROM source_runs) WHERE n <= ? ORDER BY source, run_id DESC",
        [runs],
    ):
        history.setdefault(row.pop("source"), []).append(row)
    return history


@translate_sqlite
def outlet_extraction_stats(
    db: sqlite_utils.Database, collected_from: str, collected_until: str, short_chars: int
) -> list[dict[str, Any]]:
    """Per outlet and winning extraction method: fetched articles first collected in
    [from, until) and how many of them have a body shorter than `short_chars` characters.
    Items the extractor never saw (headline-only, feed text, sheet and manual items) are left
    out: they say nothing about a site's layout."""
    return _rows(
        db,
        f"SELECT {_OUTLET_KEY} AS outlet, method, COUNT(*) AS articles, "
        "SUM(length(body) < :short) AS short FROM articles "
        "WHERE collected_at >= :start AND collected_at < :until AND page_id IS NOT NULL "
        "AND method NOT IN ('headline', 'feed', 'sheet', 'manual') "
        "GROUP BY outlet, method ORDER BY outlet, articles DESC",
        {"start": collected_from, "until": collected_until, "short": short_chars},
    )
