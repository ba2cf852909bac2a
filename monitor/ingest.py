"""Single pages through the pipeline: a clipping the scrapers missed, by URL or saved file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

import db as store
from monitor.addresses import remember_addresses, stored_as
from monitor.analyse import Analyser
from monitor.config import Config
from monitor.errors import StageError, UsageError, translate_errors
from monitor.periods import KST
from monitor.pipeline import process_page
from nlp import Article, NlpError, title_key
from nlp.decode import decode_page
from nlp.extract import extract_article
from scrapers import FeedEntry, Fetched, FetchError, canonicalize_url
from scrapers.fetch import Fetcher

__all__ = ["IngestOutcome", "ingest_targets", "named_address"]

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


def named_address(article: Article) -> str | None:
    """The web address a saved page names as its own (its canonical link), canonicalised;
    None when it names none (or a malformed one)."""
    if article.canonical_url and _is_url(article.canonical_url):
        try:
            return canonicalize_url(article.canonical_url)
        except FetchError:
            return None
    return None


def _file_page(db: sqlite_utils.Database, path: Path, now: datetime, url: str | None) -> Fetched:
    """A saved page as if fetched, named by the URL given, else its own canonical link, else
    the stored article it is a copy of (same headline within three days). A page with none of
    these fails: a file path is no outlet, and storing it would count the article twice."""
    body = path.read_bytes()
    file_url = path.resolve().as_uri()
    if url is None:
        with translate_errors("decode", file_url):
            text = decode_page(body, None).text
        try:
            article = extract_article(text, file_url)
        except NlpError:
            article = None  # process_page meets the same page and records why, with its stage
        if article is not None:
            url = named_address(article) or _stored_copy(db, article.title, article.published_at)
        if url is None and article is not None:
            raise StageError(
                "read",
                file_url,
                "the page names no URL of its own and matches no stored article: "
                "give it with --url URL",
            )
    target = url or file_url
    return Fetched(
        url=target, final_url=target, status=200, content_type=None, body=body, fetched_at=now
    )


def _stored_copy(db: sqlite_utils.Database, title: str, published: datetime | None) -> str | None:
    """The URL of the one stored article with this headline published within three days."""
    if not title or published is None:
        return None
    day = published.astimezone(KST).date()
    window = timedelta(days=3)
    wanted = title_key(title)
    found = {
        row["url"]
        for row in store.articles_published_between(
            db, (day - window).isoformat(), (day + window).isoformat()
        )
        if title_key(row["title"]) == wanted and _is_url(row["url"])
    }
    return found.pop() if len(found) == 1 else None


def ingest_targets(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    targets: Sequence[str],
    *,
    fetcher: Callable[[], Fetcher],
    clock: Clock,
    page_url: str | None = None,
) -> tuple[int, list[IngestOutcome]]:
    """Put each URL or saved HTML file through decode, extract, analyse and store; the run id
    and one outcome per target (a failure is recorded and the rest go on). `page_url` names
    the one saved file given (its address on the web). A URL is fetched even when stored (on
    request); a page stored under another address updates that article."""
    if page_url is not None and (len(targets) != 1 or _is_url(targets[0])):
        raise UsageError("--url names one saved file: give exactly one FILE with it")
    if page_url is not None and not _is_url(page_url):
        raise UsageError("--url must be an http(s) URL")
    run_id = store.start_run(db, "ingest", clock().astimezone(KST).isoformat("T", "seconds"))
    outcomes: list[IngestOutcome] = []
    status = "ok"
    try:
        for target in targets:
            outcome = _ingest_one(config, db, analyser, target, fetcher, clock, run_id, page_url)
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
    page_url: str | None,
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
            if "://" in target:
                reason = "only http(s) URLs are fetched"
                return IngestOutcome(target, "failed", stage="read", reason=reason)
            if path.is_dir():
                return IngestOutcome(target, "failed", stage="read", reason="is a directory")
            if not path.is_file():
                return IngestOutcome(target, "failed", stage="read", reason="no such file")
            given = canonicalize_url(page_url) if page_url else None
            fetched = _file_page(db, path, clock(), given)
        # Stored already under another address (as `run` checks): that article is updated.
        url = stored_as(db, fetched.url, fetched)
        entry = FeedEntry(url=url, source="ingest")
        article_id, created, relevant = process_page(
            config, db, analyser, entry, fetched, run_id=run_id, now=clock()
        )
        remember_addresses(db, fetched.url, fetched, url, clock().isoformat())
    except StageError as exc:
        return IngestOutcome(target, "failed", url or target, stage=exc.stage, reason=exc.reason)
    except OSError as exc:
        return IngestOutcome(target, "failed", url or target, stage="read", reason=str(exc))
    title = store.get_article(db, article_id)["title"]
    return IngestOutcome(target, "new" if created else "updated", url, article_id, title, relevant)
