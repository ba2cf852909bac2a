"""Re-run extraction and NLP over the stored raw pages, after the extractor, the entity list or
a classifier changed. Ids stay (articles are matched by URL), so the team's labels, story
corrections and manual items are untouched; a tally afterwards is simply a recount."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.config import Config
from monitor.errors import StageError, translate_errors
from monitor.periods import KST
from monitor.pipeline import analyse_page
from monitor.progress import ProgressBar
from monitor.search import search_terms_for
from scrapers import FeedEntry, Fetched

__all__ = ["ReprocessReport", "reprocess_pages", "select_pages"]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ReprocessReport:
    """What a reprocess did: pages seen, articles updated or newly found, and what failed."""

    run_id: int
    pages: int
    updated: int
    new_articles: int
    relevant: int
    articles_changed: int = 0  # articles whose text, date, entities, verdicts or story changed
    no_article: int = 0  # pages that still hold no article (a section front, a dead link)
    changed: dict[str, int] = field(default_factory=dict)  # field -> articles whose value changed
    errors: tuple[tuple[str, str, str], ...] = ()  # (url, stage, reason)

    def to_json(self) -> dict[str, Any]:
        """The `reprocess --json` object."""
        return {
            "run_id": self.run_id,
            "pages": self.pages,
            "updated": self.updated,
            "new_articles": self.new_articles,
            "relevant": self.relevant,
            "articles_changed": self.articles_changed,
            "no_article": self.no_article,
            "changed": dict(self.changed),
            "errors": [{"url": u, "stage": s, "error": e} for u, s, e in self.errors],
        }


# What a reprocess compares before and after, to say what the new code changed.
_WATCHED = (
    "medium",
    "title",
    "body",
    "published_at",
    "relevant",
    "topic",
    "tone",
    "effective_story",
)


def select_pages(db: sqlite_utils.Database, since: date | None) -> list[dict[str, Any]]:
    """The stored pages to reprocess, oldest article first (stories form in publication order):
    those whose article was published on or after `since`, and pages without an article
    fetched since then."""
    rows = db.execute(
        "SELECT p.id FROM pages p LEFT JOIN articles a ON a.page_id = p.id "
        "WHERE :since IS NULL OR COALESCE(a.published_date, substr(p.fetched_at, 1, 10)) >= :since "
        "ORDER BY COALESCE(a.published_at, p.fetched_at), p.id",
        {"since": since.isoformat() if since else None},
    ).fetchall()
    wanted = [int(r[0]) for r in rows]
    found = {p["id"]: p for p in store.iter_pages(db)} if wanted else {}
    return [found[i] for i in wanted if i in found]


def _entry_of(page: dict[str, Any]) -> FeedEntry:
    published = page["entry_published_at"]
    return FeedEntry(
        url=page["url"],
        source=page["source"] or "reprocess",
        title=page["entry_title"],
        published_at=datetime.fromisoformat(published) if published else None,
        outlet=page["entry_outlet"],
        summary=page["entry_summary"],
        content_html=page["entry_content"],
        role=page["role"],
    )


def _fetched_of(db: sqlite_utils.Database, page: dict[str, Any]) -> Fetched | None:
    if page["status"] is None:
        # Stored from a feed's own content, never fetched: rebuild from the entry.
        return None
    return Fetched(
        url=page["url"],
        final_url=page["final_url"] or page["url"],
        status=int(page["status"]),
        content_type=page["content_type"],
        body=store.page_body(db, page["id"]),
        fetched_at=datetime.fromisoformat(page["fetched_at"]),
    )


def _snapshot(db: sqlite_utils.Database, page_id: int) -> dict[str, Any] | None:
    cursor = db.execute(
        f"SELECT {', '.join(_WATCHED)} FROM effective_articles WHERE page_id = ?", [page_id]
    )
    row = cursor.fetchone()
    if not row:
        return None
    snapshot = dict(zip(_WATCHED, row, strict=True))
    # The entities an article names decide its tally rows: a retagging is a change too.
    snapshot["entities"] = tuple(
        entity
        for (entity,) in db.execute(
            "SELECT DISTINCT m.entity FROM mentions m JOIN articles a ON a.id = m.article_id "
            "WHERE a.page_id = ? ORDER BY m.entity",
            [page_id],
        )
    )
    return snapshot


def reprocess_pages(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    pages: Sequence[dict[str, Any]],
    *,
    clock: Clock,
    bar: ProgressBar,
    should_stop: Callable[[], bool] = lambda: False,
) -> ReprocessReport:
    """Extract and analyse each stored page again and update its article in place."""
    run_id = store.start_run(db, "reprocess", clock().astimezone(KST).isoformat("T", "seconds"))
    seen = updated = new = relevant = articles_changed = no_article = 0
    changed: Counter[str] = Counter()
    errors: list[tuple[str, str, str]] = []
    status = "ok"
    try:
        for page in pages:
            if should_stop():
                status = "interrupted"
                break
            seen += 1
            entry = _entry_of(page)
            before = _snapshot(db, page["id"])
            try:
                with translate_errors("decode", entry.url):
                    fetched = _fetched_of(db, page)
                record, is_relevant = analyse_page(config, db, analyser, entry, fetched, clock())
                if before is not None:
                    # The medium is the team's fact (a print copy imported with its URL).
                    record = replace(record, medium=before["medium"])
                terms = search_terms_for(analyser.tagger.kiwi, record)
                with translate_errors("store", entry.url):
                    _id, created = store.save_article(db, record, page["id"], run_id, terms)
            except StageError as exc:
                if exc.stage == "extract" and before is None:
                    # Still no article where there was none: an outcome, not a new failure.
                    no_article += 1
                    bar.advance("no article")
                    continue
                errors.append((entry.url, exc.stage, exc.reason))
                store.record_error(
                    db, run_id, entry.url, exc.stage, exc.reason, clock().isoformat(), "reprocess"
                )
                bar.advance(f"{exc.stage} failed")
                continue
            new += created
            updated += not created
            relevant += is_relevant
            after = _snapshot(db, page["id"])
            if before is not None and after is not None:
                differs = [key for key in (*_WATCHED, "entities") if before[key] != after[key]]
                changed.update(differs)
                articles_changed += bool(differs)
            bar.advance()
    except BaseException:
        store.finish_run(db, run_id, clock().isoformat(), "interrupted", fetched=seen)
        raise
    store.finish_run(
        db,
        run_id,
        clock().isoformat(),
        status if not errors or status != "ok" else "partial",
        fetched=seen,
        new_articles=new,
        relevant=relevant,
        errors=len(errors),
    )
    return ReprocessReport(
        run_id,
        seen,
        updated,
        new,
        relevant,
        articles_changed,
        no_article,
        dict(changed),
        tuple(errors),
    )
