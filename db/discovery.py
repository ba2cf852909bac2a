"""Reading what `monitor entities` needs: relevant texts for new-name discovery, mention counts."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from db._errors import translate_sqlite

__all__ = ["EntityCount", "RelevantText", "entity_article_counts", "relevant_texts"]


@dataclass(frozen=True)
class RelevantText:
    """One relevant stored article's own text (the team's labels decide relevance)."""

    id: int
    title: str
    body: str
    story: int  # the story it belongs to after the team's corrections


@dataclass(frozen=True)
class EntityCount:
    """How many stored articles mention one entity, and how many of them are relevant."""

    entity: str
    articles: int
    relevant: int


@translate_sqlite
def relevant_texts(db: sqlite_utils.Database, since: str | None = None) -> list[RelevantText]:
    """Relevant articles, newest id first, published (else collected) on or after `since` (KST)."""
    sql = (
        "SELECT id, title, body, effective_story FROM effective_articles WHERE is_relevant = 1"
        # collected_at is stored with +09:00, so its first ten characters are the KST day.
        + (" AND COALESCE(published_date, substr(collected_at, 1, 10)) >= ?" if since else "")
        + " ORDER BY id DESC"
    )
    rows = db.execute(sql, [since] if since else [])
    return [RelevantText(r[0], r[1] or "", r[2] or "", r[3]) for r in rows]


@translate_sqlite
def entity_article_counts(db: sqlite_utils.Database) -> dict[str, EntityCount]:
    """Per entity id with at least one mention: distinct stored articles, and relevant ones."""
    rows = db.execute(
        "SELECT m.entity, COUNT(DISTINCT m.article_id), "
        "COUNT(DISTINCT CASE WHEN e.is_relevant = 1 THEN m.article_id END) "
        "FROM mentions m JOIN effective_articles e ON e.id = m.article_id GROUP BY m.entity"
    )
    return {r[0]: EntityCount(r[0], r[1], r[2]) for r in rows}
