"""Stories in the database: what story matching compares, and each press release's pick-up.

Stories are read through `effective_articles`, so the team's merges and splits win everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db._errors import translate_sqlite

__all__ = [
    "PickupArticle",
    "ReleasePickup",
    "article_texts",
    "release_pickups",
    "save_fingerprints",
    "story_candidates",
]

_OUTLET_KEY = "COALESCE(outlet, outlet_domain, url)"


def _rows(db: sqlite_utils.Database, sql: str, params: Any) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


@translate_sqlite
def story_candidates(
    db: sqlite_utils.Database, published_from: str, published_until: str
) -> list[dict[str, Any]]:
    """Every article published in a KST date range with what story matching compares: its
    effective story, outlet, headline, time, fingerprint, relevance (the team's label wins) and
    the tracked entities it names."""
    rows = _rows(
        db,
        "SELECT a.id, a.url, a.effective_story AS story_id, a.outlet, a.outlet_domain, a.title, "
        "a.published_at, a.published_date, a.fingerprint, a.is_relevant, "
        "(SELECT group_concat(DISTINCT m.entity) FROM mentions m WHERE m.article_id = a.id) "
        "AS entities "
        "FROM effective_articles a WHERE a.published_date >= ? AND a.published_date <= ? "
        "ORDER BY a.id",
        [published_from, published_until],
    )
    for row in rows:
        row["entities"] = frozenset(row["entities"].split(",")) if row["entities"] else frozenset()
    return rows


@translate_sqlite
def article_texts(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(title, body) of the given articles, by id."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for article_id, title, body in db.execute(
            f"SELECT id, title, body FROM articles WHERE id IN ({marks})", chunk
        ):
            found[int(article_id)] = (title or "", body or "")
    return found


@translate_sqlite
def save_fingerprints(db: sqlite_utils.Database, fingerprints: Mapping[int, bytes]) -> None:
    """Replace stored fingerprints (an older format recomputed from the stored body)."""
    with db.conn:
        db.conn.executemany(
            "UPDATE articles SET fingerprint = ? WHERE id = ?",
            [(data, article_id) for article_id, data in fingerprints.items()],
        )


@dataclass(frozen=True)
class PickupArticle:
    """One outlet's coverage of a release: its copies folded into one (first online copy)."""

    id: int
    outlet: str
    tier: str | None
    title: str
    url: str
    published_at: str | None
    ids: tuple[int, ...]


@dataclass(frozen=True)
class ReleasePickup:
    """A press release and the relevant coverage in its story, one item per outlet."""

    release_id: int
    story_id: int
    title: str
    url: str
    published_date: str
    topic: str | None
    articles: tuple[PickupArticle, ...]

    @property
    def outlets(self) -> int:
        """How many outlets picked the release up (= articles, one story)."""
        return len(self.articles)

    @property
    def tiers(self) -> dict[str, int]:
        """Articles per outlet tier ("unknown" where the outlet has none)."""
        return dict(Counter(a.tier or "unknown" for a in self.articles))


@translate_sqlite
def release_pickups(db: sqlite_utils.Database, start: str, end: str) -> list[ReleasePickup]:
    """Each relevant press release published start..end (one per story: a re-posted release is
    one) with the relevant coverage of its story, whenever published, oldest release first."""
    releases = _rows(
        db,
        "SELECT id, effective_story AS story, title, url, published_date, "
        "effective_topic AS topic, medium FROM effective_articles "
        "WHERE is_relevant = 1 AND role = 'press_release' "
        "AND published_date >= ? AND published_date <= ? "
        "ORDER BY effective_story, medium != 'online', id",
        [start, end],
    )
    first: dict[int, dict[str, Any]] = {}
    for row in releases:
        first.setdefault(row["story"], row)
    stories = list(first)
    coverage: dict[int, list[dict[str, Any]]] = {}
    for offset in range(0, len(stories), 500):
        chunk = stories[offset : offset + 500]
        marks = ",".join("?" * len(chunk))
        for row in _rows(
            db,
            f"SELECT id, effective_story AS story, {_OUTLET_KEY} AS outlet_key, tier, title, "
            "url, published_at, medium FROM effective_articles "
            f"WHERE is_relevant = 1 AND role = 'coverage' AND effective_story IN ({marks}) "
            "ORDER BY medium != 'online', id",
            chunk,
        ):
            coverage.setdefault(row["story"], []).append(row)
    pickups = []
    for story, release in first.items():
        by_outlet: dict[str, list[dict[str, Any]]] = {}
        for row in coverage.get(story, []):
            by_outlet.setdefault(row["outlet_key"], []).append(row)
        articles = tuple(
            PickupArticle(
                id=copies[0]["id"],
                outlet=outlet,
                tier=copies[0]["tier"] or None,
                title=copies[0]["title"],
                url=copies[0]["url"],
                published_at=copies[0]["published_at"],
                ids=tuple(c["id"] for c in copies),
            )
            for outlet, copies in by_outlet.items()
        )
        pickups.append(
            ReleasePickup(
                release_id=release["id"],
                story_id=story,
                title=release["title"],
                url=release["url"],
                published_date=release["published_date"],
                topic=release["topic"] or None,
                articles=tuple(sorted(articles, key=lambda a: (a.published_at or "", a.id))),
            )
        )
    pickups.sort(key=lambda p: (p.published_date, p.release_id))
    return pickups
