"""The stage order, owned in one place: sources -> fetch -> extract -> analyse -> store.

Every item's outcome is explicit: stored (new or already known), skipped with a reason, or
failed at a named stage and recorded in `errors`; one bad page, feed or source never stops a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

import db as store
from monitor.analyse import Analyser, Analysis
from monitor.config import Config
from monitor.errors import StageError, describe_error, translate_errors
from monitor.outlets import resolve_outlet
from monitor.periods import KST, kst_day
from nlp import Article, Decoded, normalize_text, title_key
from nlp.decode import decode_page
from nlp.extract import extract_article, extract_fragment
from nlp.stories import Fingerprint, is_same_story
from scrapers import (
    FeedEntry,
    Fetched,
    FetchError,
    ScrapeError,
    SourceError,
    SourceResult,
    SourceSkipped,
    SourceSpec,
    is_google_news_link,
)
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source

__all__ = [
    "ItemError",
    "RunReport",
    "build_record",
    "describe_problems",
    "find_story",
    "process_page",
    "run_once",
]

Clock = Callable[[], datetime]
Progress = Callable[[str], None]

# Syndicated copies of one release appear within days of each other; looking further back only
# risks gluing a later, different event onto an old story.
STORY_WINDOW_DAYS = 3


@dataclass(frozen=True)
class ItemError:
    """One item that failed at one stage."""

    url: str
    stage: str
    error: str
    source: str | None = None


@dataclass(frozen=True)
class RunReport:
    """What one collection cycle did; `run --json` prints it."""

    run_id: int
    sources: int
    sources_ok: int
    fetched: int
    new_articles: int
    relevant: int
    skipped: dict[str, int] = field(default_factory=dict)
    errors: tuple[ItemError, ...] = ()
    source_problems: tuple[tuple[str, str], ...] = ()  # (source name, reason) for failed sources

    @property
    def any_source_worked(self) -> bool:
        """True when at least one source could be read (the run's exit status depends on it)."""
        return self.sources_ok > 0 or self.sources == 0

    def to_json(self) -> dict[str, Any]:
        """The `run --json` object of DESIGN.md (plus skip counts by reason)."""
        return {
            "run_id": self.run_id,
            "sources": self.sources,
            "sources_ok": self.sources_ok,
            "fetched": self.fetched,
            "new_articles": self.new_articles,
            "relevant": self.relevant,
            "skipped": dict(self.skipped),
            "errors": [{"url": e.url, "stage": e.stage, "error": e.error} for e in self.errors],
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="seconds")


class _Run:
    """Bookkeeping for one run: counters, errors, per-source tallies."""

    def __init__(self, db: sqlite_utils.Database, run_id: int, clock: Clock) -> None:
        self.db = db
        self.run_id = run_id
        self.clock = clock
        self.errors: list[ItemError] = []
        self.skipped: Counter[str] = Counter()
        self.fetched = 0
        self.new_articles = 0
        self.relevant = 0
        self.new_by_source: Counter[str] = Counter()

    def fail(self, url: str, stage: str, error: str, source: str | None) -> None:
        self.errors.append(ItemError(url, stage, error, source))
        store.record_error(self.db, self.run_id, url, stage, error, _iso(self.clock()), source)


def run_once(
    config: Config,
    db: sqlite_utils.Database,
    *,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    source_names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """One collection cycle over the configured (or named) sources."""
    say = progress or (lambda _line: None)
    specs = [config.source(n) for n in source_names] if source_names else list(config.sources)
    specs = [s for s in specs if s.enabled or source_names]
    run_id = store.start_run(db, "run", _iso(clock()))
    run = _Run(db, run_id, clock)
    problems: list[tuple[str, str]] = []
    entries: dict[str, FeedEntry] = {}
    outcome: dict[str, str | None] = {}
    try:
        for spec, found in _gather(specs, fetcher, workers=config.fetch.concurrency):
            error = _merge(spec, found, entries, run, say)
            outcome[spec.name] = error
            if error is not None:
                problems.append((spec.name, error))

        _drop_headline_twins(config, entries, run)
        known = store.known_urls(db, entries)
        store.mark_press_releases(db, [u for u in known if entries[u].role == "press_release"])
        run.skipped["already stored"] += len(known)
        todo = [e for url, e in entries.items() if url not in known]
        say(f"{len(entries)} candidates, {len(todo)} new")
        by_url = {e.url: e for e in todo}
        for url, result in fetcher.fetch_many(list(by_url)):
            entry = by_url[url]
            if isinstance(result, FetchError):
                if entry.content_html or is_google_news_link(entry.url):
                    # The feed carries the article (full text) or at least its headline.
                    _store_item(config, db, analyser, run, entry, None)
                else:
                    run.fail(url, "fetch", result.reason, entry.source)
                continue
            run.fetched += 1
            _store_item(config, db, analyser, run, entry, result)
    except BaseException as exc:
        # Everything stored so far is committed; the run row says how far it got.
        store.finish_run(
            db,
            run_id,
            _iso(clock()),
            "interrupted" if isinstance(exc, KeyboardInterrupt | SystemExit) else "failed",
            sources=len(specs),
            fetched=run.fetched,
            new_articles=run.new_articles,
            relevant=run.relevant,
            errors=len(run.errors),
        )
        raise

    for spec in specs:
        store.record_source_outcome(
            db,
            spec.name,
            spec.kind,
            run_id,
            _iso(clock()),
            outcome[spec.name],
            run.new_by_source[spec.name],
        )
    sources_ok = sum(1 for error in outcome.values() if error is None)
    status = "ok" if not run.errors and not problems else "partial"
    if specs and sources_ok == 0:
        status = "failed"
    store.finish_run(
        db,
        run_id,
        _iso(clock()),
        status,
        sources=len(specs),
        fetched=run.fetched,
        new_articles=run.new_articles,
        relevant=run.relevant,
        skipped=sum(run.skipped.values()),
        errors=len(run.errors),
    )
    return RunReport(
        run_id=run_id,
        sources=len(specs),
        sources_ok=sources_ok,
        fetched=run.fetched,
        new_articles=run.new_articles,
        relevant=run.relevant,
        skipped=dict(run.skipped),
        errors=tuple(run.errors),
        source_problems=tuple(problems),
    )


def _gather(
    specs: Sequence[SourceSpec], fetcher: Fetcher, *, workers: int
) -> Iterator[tuple[SourceSpec, SourceResult | SourceError]]:
    """Run the sources concurrently (each host stays polite inside the fetcher), in config order."""

    def collect(spec: SourceSpec) -> SourceResult | SourceError:
        try:
            return collect_source(spec, fetcher)
        except SourceError as exc:  # SourceSkipped included: an outcome, not a crash
            return exc
        except ScrapeError as exc:
            return SourceError(spec.name, describe_error(exc))
        except Exception as exc:  # a defect in one source must not stop the others
            return SourceError(spec.name, f"internal error: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(collect, spec) for spec in specs]
        try:
            for spec, future in zip(specs, futures, strict=True):
                yield spec, future.result()
        finally:
            for future in futures:
                future.cancel()


def _merge(
    spec: SourceSpec,
    result: SourceResult | SourceError,
    entries: dict[str, FeedEntry],
    run: _Run,
    say: Progress,
) -> str | None:
    """Add one source's entries to `entries`; the reason it failed, or None when it worked."""
    if isinstance(result, SourceSkipped):
        reason = f"skipped: {result.reason}"
        run.fail(spec.url or spec.name, "source", reason, spec.name)
        say(f"source {spec.name}: {reason}")
        return reason
    if isinstance(result, SourceError):
        run.fail(spec.url or spec.name, "source", result.reason, spec.name)
        say(f"source {spec.name}: unreachable: {result.reason}")
        return result.reason
    for url, reason in result.problems:
        run.fail(url, "source", reason, spec.name)
    added = 0
    for entry in result.entries:
        held = entries.get(entry.url)
        # A press release stays a press release even when a feed also lists it.
        if held is None or (entry.role == "press_release" and held.role != "press_release"):
            entries[entry.url] = entry
            added += held is None
    say(f"source {spec.name}: {len(result.entries)} entries ({added} not seen in earlier sources)")
    return None


def _drop_headline_twins(config: Config, entries: dict[str, FeedEntry], run: _Run) -> None:
    """Drop Google News hits that another source found under the publisher's own URL."""
    seen = set()
    for entry in entries.values():
        if not is_google_news_link(entry.url) and entry.title:
            outlet = resolve_outlet(entry.url, config.outlets, None, entry.outlet)
            if outlet.name:
                seen.add((outlet.name, title_key(entry.title)))
    for url in [u for u, e in entries.items() if is_google_news_link(u)]:
        entry = entries[url]
        if entry.title and entry.outlet and (entry.outlet, title_key(entry.title)) in seen:
            del entries[url]
            run.skipped["same headline from another source"] += 1


def _store_item(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    run: _Run,
    entry: FeedEntry,
    fetched: Fetched | None,
) -> None:
    """Extract, analyse and store one item, recording its failure at the stage where it failed."""
    try:
        _article_id, created, relevant = process_page(
            config, db, analyser, entry, fetched, run_id=run.run_id, now=run.clock()
        )
    except StageError as exc:
        run.fail(entry.url, exc.stage, exc.reason, entry.source)
        return
    if created:
        run.new_articles += 1
        run.new_by_source[entry.source] += 1
        run.relevant += relevant
    else:
        run.skipped["already stored"] += 1


def process_page(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    entry: FeedEntry,
    fetched: Fetched | None,
    *,
    run_id: int | None,
    now: datetime,
) -> tuple[int, bool, bool]:
    """Decode, extract, analyse and store one page or feed item; (id, created, relevant)."""
    page = store.PageRecord(
        url=entry.url,
        fetched_at=_iso(fetched.fetched_at if fetched else now),
        body=fetched.body if fetched else (entry.content_html or "").encode("utf-8"),
        final_url=fetched.final_url if fetched else None,
        status=fetched.status if fetched else None,
        content_type=fetched.content_type if fetched else "text/html; charset=utf-8",
        source=entry.source,
        role=entry.role,
        entry_title=entry.title,
        entry_published_at=_iso(entry.published_at) if entry.published_at else None,
        entry_outlet=entry.outlet,
        entry_summary=entry.summary,
        entry_content=entry.content_html,
    )
    decoded: Decoded | None = None
    try:
        if fetched is not None:
            with translate_errors("decode", entry.url):
                decoded = decode_page(fetched.body, fetched.content_type)
        article = _extract(entry, fetched, decoded)
    except StageError:
        # The raw page is kept even without an article: it is not fetched again on every run
        # (a section front stays one), and `reprocess` can retry it with a better extractor.
        with translate_errors("store", entry.url):
            store.save_page(db, page, run_id)
        raise
    with translate_errors("analyse", entry.url):
        analysis = analyser.analyse(article.title, article.body)
        record = build_record(config, db, entry, article, analysis, decoded, now)
    with translate_errors("store", entry.url):
        article_id, created = store.save_fetched_article(db, page, record, run_id)
    return article_id, created, analysis.relevant


def _extract(entry: FeedEntry, fetched: Fetched | None, decoded: Decoded | None) -> Article:
    """The page's article; a full-content feed's text when the page has none or was not fetched."""
    if fetched is not None and decoded is not None:
        try:
            with translate_errors("extract", entry.url):
                return extract_article(decoded.text, fetched.final_url or entry.url)
        except StageError:
            if not entry.content_html and not is_google_news_link(entry.url):
                raise
    if not entry.content_html:
        if is_google_news_link(entry.url) and entry.title:
            # An opaque Google News token: the headline, outlet and date are what is known.
            return Article(
                url=entry.url, title=normalize_text(entry.title), paragraphs=(), method="headline"
            )
        raise StageError("extract", entry.url, "no page and no feed content")
    try:
        with translate_errors("extract", entry.url):
            return extract_fragment(entry.content_html, entry.url, entry.title or "")
    except StageError as exc:
        raise StageError("extract", entry.url, f"feed content: {exc.reason}") from exc


def build_record(
    config: Config,
    db: sqlite_utils.Database,
    entry: FeedEntry,
    article: Article,
    analysis: Analysis,
    decoded: Decoded | None,
    now: datetime,
) -> store.ArticleRecord:
    """The stored form of an analysed article, with its outlet, KST date and story."""
    outlet = resolve_outlet(entry.url, config.outlets, article.outlet, entry.outlet)
    published, date_source = article.published_at, "page"
    if published is None and entry.published_at is not None:
        published, date_source = entry.published_at, "feed"
    published_day = kst_day(published) if published else None
    story_id = None
    title = article.title or entry.title or ""
    if published_day is not None:
        story_id = find_story(
            db,
            analysis.fingerprint if article.body else None,
            published_day.isoformat(),
            entry.url,
            outlet.name or outlet.domain,
            title_key(title),
        )
    return store.ArticleRecord(
        url=entry.url,
        title=title,
        body=article.body,
        role=entry.role,
        method=article.method,
        collected_at=_iso(now),
        processed_at=_iso(now),
        canonical_url=article.canonical_url,
        lead="\n\n".join(article.lead),
        translation=article.translation,
        published_at=_iso(published) if published else None,
        published_date=published_day.isoformat() if published_day else None,
        date_source=date_source if published else None,
        updated_at=_iso(article.updated_at) if article.updated_at else None,
        authors=article.authors,
        flags=article.flags,
        outlet=outlet.name,
        outlet_domain=outlet.domain,
        tier=outlet.tier,
        encoding=decoded.encoding if decoded else "utf-8",
        language=article.language,
        relevant=analysis.relevant,
        relevance_score=analysis.relevance.score,
        relevance_reason=analysis.relevance.reason,
        topic=analysis.topic.value,
        topic_reason=analysis.topic.reason,
        tone=analysis.tone.value,
        tone_reason=analysis.tone.reason,
        fingerprint=analysis.fingerprint.to_bytes() if article.body else None,
        story_id=story_id,
        mentions=tuple(
            store.MentionRecord(m.entity, m.field, m.start, m.end, m.text, m.sentence)
            for m in analysis.mentions
        ),
    )


def find_story(
    db: sqlite_utils.Database,
    fingerprint: Fingerprint | None,
    published_date: str,
    url: str,
    outlet_key: str | None,
    headline_key: str,
) -> int | None:
    """The story of a stored copy published within a few days: the same text, or the same
    outlet's same headline (its re-post, update, wire version or headline-only search hit)."""
    day = datetime.fromisoformat(published_date)
    window = timedelta(days=STORY_WINDOW_DAYS)
    candidates = store.story_articles(
        db, (day - window).date().isoformat(), (day + window).date().isoformat()
    )
    for row in candidates:
        if row["url"] == url:
            continue
        same_text = (
            fingerprint is not None
            and row["fingerprint"] is not None
            and is_same_story(fingerprint, Fingerprint.from_bytes(row["fingerprint"]))
        )
        same_headline = (
            outlet_key is not None
            and bool(headline_key)
            and (row["outlet"] or row["outlet_domain"]) == outlet_key
            and title_key(row["title"]) == headline_key
        )
        if same_text or same_headline:
            return int(row["story_id"] or row["id"])
    return None


def describe_problems(problems: Iterable[tuple[str, str]]) -> list[str]:
    """One line per failed source, as the CLI prints them."""
    return [f"source {name}: {reason}" for name, reason in problems]
