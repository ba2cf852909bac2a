"""The team's corrections: labels and story merges/splits, stored apart from what the
classifiers say and winning over it (the `effective_articles` view applies them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from db._errors import NotFound, StorageError, translate_sqlite

__all__ = [
    "effective_story",
    "merge_stories",
    "set_label",
    "split_story",
    "story_members",
    "team_labels",
]

_UNSET: Any = object()


def _require_article(db: sqlite_utils.Database, article_id: int) -> None:
    if db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone() is None:
        raise NotFound(f"no article with id {article_id}")


@translate_sqlite
def set_label(
    db: sqlite_utils.Database,
    article_id: int,
    at: str,
    *,
    relevant: bool | None = _UNSET,
    topic: str | None = _UNSET,
    tone: str | None = _UNSET,
    note: str | None = _UNSET,
) -> dict[str, Any]:
    """Record the team's verdict on one article; a field left out keeps its earlier label, a
    field given as None clears it (the classifier's value shows again). Returns the label row."""
    _require_article(db, article_id)
    given: dict[str, Any] = {
        k: v
        for k, v in {"relevant": relevant, "topic": topic, "tone": tone, "note": note}.items()
        if v is not _UNSET
    }
    if "relevant" in given and given["relevant"] is not None:
        given["relevant"] = int(bool(given["relevant"]))
    with db.conn:
        db.execute(
            "INSERT INTO labels (article_id, updated_at) VALUES (?, ?) "
            "ON CONFLICT(article_id) DO UPDATE SET updated_at = excluded.updated_at",
            [article_id, at],
        )
        for key, value in given.items():
            db.execute(f"UPDATE labels SET {key} = ? WHERE article_id = ?", [value, article_id])
        row = db.execute(
            "SELECT relevant, topic, tone, note, updated_at FROM labels WHERE article_id = ?",
            [article_id],
        ).fetchone()
        if row[0] is None and row[1] is None and row[2] is None and row[3] is None:
            # Every field cleared: no label left.
            db.execute("DELETE FROM labels WHERE article_id = ?", [article_id])
            return {}
    names = ("relevant", "topic", "tone", "note", "updated_at")
    label = dict(zip(names, row, strict=True))
    if label["relevant"] is not None:
        label["relevant"] = bool(label["relevant"])
    return label


@translate_sqlite
def effective_story(db: sqlite_utils.Database, article_id: int) -> int:
    """The story an article belongs to, corrections applied."""
    row = db.execute(
        "SELECT effective_story FROM effective_articles WHERE id = ?", [article_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id}")
    return int(row[0])


@translate_sqlite
def story_members(db: sqlite_utils.Database, story_id: int) -> list[int]:
    """The ids of a story's articles, corrections applied."""
    return [
        int(r[0])
        for r in db.execute(
            "SELECT id FROM effective_articles WHERE effective_story = ? ORDER BY id", [story_id]
        )
    ]


def _pin(db: sqlite_utils.Database, ids: Sequence[int], story_id: int, at: str) -> None:
    db.conn.executemany(
        "INSERT INTO story_overrides (article_id, story_id, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id, "
        "updated_at = excluded.updated_at",
        [(i, story_id, at) for i in ids],
    )


@translate_sqlite
def merge_stories(db: sqlite_utils.Database, article_ids: Sequence[int], at: str) -> int:
    """Make the stories of the given articles (or story ids) one story; its id (the lowest)."""
    if len(article_ids) < 2:
        raise StorageError("a merge needs at least two articles or stories")
    stories = sorted({effective_story(db, i) for i in article_ids})
    target = stories[0]
    members = sorted({m for s in stories for m in story_members(db, s)})
    with db.conn:
        _pin(db, members, target, at)
    return target


@translate_sqlite
def split_story(db: sqlite_utils.Database, article_id: int, at: str) -> tuple[int, int | None]:
    """Take one article out of its story into a story of its own; (its new story, the story
    the rest now form, None when it was alone). Every member is pinned, so regrouping after
    `reprocess` cannot undo the split."""
    story = effective_story(db, article_id)
    rest = [m for m in story_members(db, story) if m != article_id]
    with db.conn:
        _pin(db, [article_id], article_id, at)
        if not rest:
            return article_id, None
        # The rest keep their story id unless it was the article that left.
        rest_story = story if story != article_id else min(rest)
        _pin(db, rest, rest_story, at)
    return article_id, rest_story


def team_labels(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every article the team labelled, with its title and body: training examples."""
    cursor = db.execute(
        "SELECT a.id, a.title, a.body, l.relevant, l.topic, l.tone FROM labels l "
        "JOIN articles a ON a.id = l.article_id ORDER BY a.id"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
