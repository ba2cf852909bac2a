"""Single pages through the pipeline: a clipping the scrapers missed, by URL or saved file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.config import Config
from monitor.errors import StageError, translate_errors
from monitor.periods import KST
from monitor.pipeline import process_page
from nlp import NlpError
from nlp.decode import decode_page
from nlp.extract import extract_article
from scrapers import FeedEntry, Fetched, FetchError, canonicalize_url
from scrapers.fetch import Fetcher

__all__ = ["IngestOutcome", "ingest_targets"]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class IngestOutcome:
    """One target's outcome: "new", "updated" (stored before; re-analysed) or "failed"."""

    target: str
    outcome: str
    url: str = ""
    article_id: int = 0
    title: str = ""
    relevant: bool = False
    stage: str = ""
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The item of `ingest --json`."""
        item: dict[str, Any] = {"target": self.target, "outcome": self.outcome, "url": self.url}
        if self.outcome == "failed":
            item.update(stage=self.stage, error=self.reason)
        else:
            item.update(id=self.article_id, title=self.title, relevant=self.relevant)
        return item


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def _file_page(path: Path, now: datetime) -> Fetched:
    """A saved page as if fetched: its own canonical link names it when it has one."""
    body = path.read_bytes()
    url = path.resolve().as_uri()
    with translate_errors("decode", url):
        text = decode_page(body, None).text
    try:
        canonical = extract_article(text, url).canonical_url
    except NlpError:
        # No article: process_page meets the same page and records the failure with its stage.
        canonical = None
    if canonical and _is_url(canonical):
        url = canonicalize_url(canonical)
    return Fetched(url=url, final_url=url, status=200, content_type=None, body=body, fetched_at=now)


def ingest_targets(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    targets: Sequence[str],
    *,
    fetcher: Callable[[], Fetcher],
    clock: Clock,
) -> tuple[int, list[IngestOutcome]]:
    """Put each URL or saved HTML file through decode, extract, analyse and store; the run id
    and one outcome per target (a failure is recorded and the rest go on)."""
    run_id = store.start_run(db, "ingest", clock().astimezone(KST).isoformat("T", "seconds"))
    outcomes: list[IngestOutcome] = []
    status = "ok"
    try:
        for target in targets:
            outcome = _ingest_one(config, db, analyser, target, fetcher, clock, run_id)
            if outcome.outcome == "failed":
                status = "partial"
                store.record_error(
                    db,
                    run_id,
                    outcome.url or target,
                    outcome.stage,
                    outcome.reason,
                    clock().isoformat(),
                    "ingest",
                )
            outcomes.append(outcome)
    except BaseException:
        store.finish_run(db, run_id, clock().isoformat(), "interrupted")
        raise
    if outcomes and all(o.outcome == "failed" for o in outcomes):
        status = "failed"
    store.finish_run(
        db,
        run_id,
        clock().isoformat(),
        status,
        fetched=sum(o.outcome != "failed" for o in outcomes),
        new_articles=sum(o.outcome == "new" for o in outcomes),
        relevant=sum(o.relevant and o.outcome == "new" for o in outcomes),
        errors=sum(o.outcome == "failed" for o in outcomes),
    )
    return run_id, outcomes


def _ingest_one(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    target: str,
    fetcher: Callable[[], Fetcher],
    clock: Clock,
    run_id: int,
) -> IngestOutcome:
    url = ""
    try:
        if _is_url(target):
            try:
                url = canonicalize_url(target)
                fetched = fetcher().fetch(url)
            except FetchError as exc:
                return IngestOutcome(target, "failed", url, stage="fetch", reason=exc.reason)
        else:
            path = Path(target)
            if not path.is_file():
                return IngestOutcome(target, "failed", stage="read", reason="no such file")
            fetched = _file_page(path, clock())
            url = fetched.url
        entry = FeedEntry(url=url, source="ingest")
        article_id, created, relevant = process_page(
            config, db, analyser, entry, fetched, run_id=run_id, now=clock()
        )
    except StageError as exc:
        return IngestOutcome(target, "failed", url or target, stage=exc.stage, reason=exc.reason)
    except OSError as exc:
        return IngestOutcome(target, "failed", url or target, stage="read", reason=str(exc))
    title = store.get_article(db, article_id)["title"]
    return IngestOutcome(target, "new" if created else "updated", url, article_id, title, relevant)
