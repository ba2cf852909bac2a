"""Reading what a coverage report lists: every counted article and every press release issued.

Both follow the counting rules of `db.queries` (the team's labels and story corrections win; one
outlet's copies of one story are one article, described by its first online copy), so a list
read here always adds up to what `tally` counts for the same period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db._errors import translate_sqlite
from db.queries import _COUNTED, _OUTLET_KEY

__all__ = ["CountedArticle", "counted_articles", "issued_releases", "story_coverage"]


@dataclass(frozen=True)
class CountedArticle:
    """One counted item: an outlet's piece of one story, however many copies it had.

    `tier`, `topic` and `tone` are None where nothing decided them; `entities` is the union of
    every copy's entities (the item counts once in each entity row); `ids` lists the copies,
    the describing copy first.
    """

    id: int
    outlet: str
    story: int
    tier: str | None
    topic: str | None
    tone: str | None
    published_date: str
    published_at: str | None
    title: str
    url: str
    medium: str
    ids: tuple[int, ...]
    entities: tuple[str, ...]


_DETAIL = (
    "a.title, a.url, a.medium, a.published_at, a.published_date, (a.medium != 'online') AS offline"
)


def _entities(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for article_id, entity in db.execute(
            f"SELECT DISTINCT article_id, entity FROM mentions WHERE article_id IN ({marks})",
            chunk,
        ):
            found.setdefault(article_id, set()).add(entity)
    return found


def _fold(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> list[CountedArticle]:
    """One item per (outlet, story): rows come first-online-copy first, as the rules rank them."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["offline"], r["id"])):
        groups.setdefault((row["outlet_key"], row["story"]), []).append(row)
    entities = _entities(db, [r["id"] for r in rows])
    items = []
    for copies in groups.values():
        first = copies[0]
        names: set[str] = set()
        for copy in copies:
            names |= entities.get(copy["id"], set())
        items.append(
            CountedArticle(
                id=first["id"],
                outlet=first["outlet_key"],
                story=first["story"],
                tier=first["tier"] or None,
                topic=first["topic"] or None,
                tone=first["tone"] or None,
                published_date=first["published_date"],
                published_at=first["published_at"],
                title=first["title"],
                url=first["url"],
                medium=first["medium"],
                ids=tuple(c["id"] for c in copies),
                entities=tuple(sorted(names)),
            )
        )
    items.sort(key=lambda i: (i.published_date, i.published_at or "", i.id))
    return items


def _dicts(db: sqlite_utils.Database, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


@translate_sqlite
def counted_articles(db: sqlite_utils.Database, start: str, end: str) -> list[CountedArticle]:
    """Every article `tally` counts for published dates start..end (inclusive), oldest first."""
    sql = (
        f"SELECT c.id, c.outlet_key, c.story, c.tier, c.topic, c.tone, {_DETAIL} "
        f"FROM ({_COUNTED}) c JOIN effective_articles a ON a.id = c.id"
    )
    return _fold(db, _dicts(db, sql, {"start": start, "end": end}))


@translate_sqlite
def issued_releases(db: sqlite_utils.Database, start: str, end: str) -> list[CountedArticle]:
    """Relevant press releases published start..end, one per story (a re-posted or corrected
    release is one release), oldest first."""
    sql = (
        f"SELECT a.id, {_OUTLET_KEY} AS outlet_key, a.effective_story AS story, a.tier, "
        f"a.effective_topic AS topic, a.effective_tone AS tone, {_DETAIL} "
        "FROM effective_articles a WHERE a.is_relevant = 1 AND a.role = 'press_release' "
        "AND a.published_date >= :start AND a.published_date <= :end"
    )
    return _fold(db, _dicts(db, sql, {"start": start, "end": end}))


@translate_sqlite
def story_coverage(db: sqlite_utils.Database, stories: Sequence[int]) -> list[CountedArticle]:
    """The relevant coverage of the given stories, whenever published (a release's pick-up
    includes the next morning's papers even when the release closed a period), oldest first."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(stories), 500):
        chunk = list(stories[start : start + 500])
        marks = ",".join("?" * len(chunk))
        cursor = db.execute(
            f"SELECT a.id, {_OUTLET_KEY} AS outlet_key, a.effective_story AS story, a.tier, "
            f"a.effective_topic AS topic, a.effective_tone AS tone, {_DETAIL} "
            "FROM effective_articles a WHERE a.is_relevant = 1 AND a.role = 'coverage' "
            f"AND a.effective_story IN ({marks})",
            chunk,
        )
        names = [d[0] for d in cursor.description]
        rows += [dict(zip(names, row, strict=True)) for row in cursor]
    return _fold(db, rows)
