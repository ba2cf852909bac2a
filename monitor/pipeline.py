"""The stage order, owned in one place: sources -> fetch -> extract -> analyse -> store.

Every item's outcome is explicit: stored (new or already known), skipped with a reason, or
failed at a named stage and recorded in `errors`; one bad page, feed or source never stops a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

import db as store
from db.crawl_state import absorb_article, articles_of_outlet, find_known_urls
from db.stories import article_texts, save_fingerprints, story_candidates
from monitor.addresses import (
    REACHED_BY_REDIRECT,
    SKIP_REASONS,
    remember_addresses,
    stored_landing,
)
from monitor.analyse import Analyser, Analysis
from monitor.config import Config, OutletSpec, site_rules_for
from monitor.errors import StageError, describe_error, translate_errors
from monitor.outlets import resolve_outlet
from monitor.periods import KST, kst_day
from nlp import Article, Decoded, normalize_text, title_key
from nlp.decode import decode_page
from nlp.extract import extract_article, extract_fragment
from nlp.stories import (
    STORY_WINDOW_DAYS,
    FactWeights,
    Fingerprint,
    StaleFingerprint,
    StoryEvidence,
    fingerprint_text,
    pick_story,
    story_facts,
)
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
    "STORY_WINDOW_DAYS",
    "Collection",
    "ItemError",
    "RunReport",
    "analyse_page",
    "build_record",
    "describe_problems",
    "extract_page",
    "find_story",
    "page_record",
    "process_page",
    "run_once",
]

Clock = Callable[[], datetime]
Progress = Callable[[str], None]

# A Google News hit whose outlet has no name is matched by headline and day alone, and only
# when the headline (its title_key) is this long: a short one may head different stories.
_MIN_NAMELESS_KEY = 10


@dataclass(frozen=True)
class ItemError:
    """One item (a page, or a whole source at stage "source") that failed at one stage."""

    url: str | None  # the page, or the source's feed or API address (None: it has none)
    stage: str
    error: str
    source: str | None = None  # the source that found the page, or the source that failed

    def to_json(self) -> dict[str, Any]:
        """One entry of `run --json`'s `errors`."""
        return {"url": self.url, "stage": self.stage, "error": self.error, "source": self.source}


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
    # Sources that could not run as configured (no credentials, no query): not failures.
    skipped_sources: tuple[tuple[str, str], ...] = ()  # (source name, reason)

    @property
    def any_source_worked(self) -> bool:
        """True when at least one source could be read (the run's exit status depends on it);
        a skipped source is no failure, but no source that could run is one."""
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
            "skipped_sources": [
                {"source": name, "reason": reason} for name, reason in self.skipped_sources
            ],
            "errors": [e.to_json() for e in self.errors],
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="seconds")


class Collection:
    """One run: its row, counters and errors, and the stages every batch of entries goes
    through. `run_once` feeds it every source at once; `backfill` feeds it window by window."""

    def __init__(
        self,
        config: Config,
        db: sqlite_utils.Database,
        *,
        fetcher: Fetcher,
        analyser: Analyser,
        clock: Clock,
        kind: str = "run",
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.fetcher = fetcher
        self.analyser = analyser
        self.clock = clock
        self.say = progress or (lambda _line: None)
        self.should_stop = should_stop or (lambda: False)
        self.run_id = store.start_run(db, kind, _iso(clock()))
        # Feed validators and API calls outlive the run: 304s and the Naver budget hold across runs.
        fetcher.use_state(store.CrawlStore(db, self.run_id, _iso(clock())))
        self.errors: list[ItemError] = []
        self.skipped: Counter[str] = Counter()
        self.fetched = 0
        self.new_articles = 0
        self.relevant = 0
        self.new_by_source: Counter[str] = Counter()
        self.stopped = False
        self._kinds: dict[str, str] = {}
        self._outcome: dict[str, str | None] = {}
        self._problems: dict[str, str] = {}
        self._skipped_sources: dict[str, str] = {}
        self._pending: dict[str, FeedEntry] = {}

    def fail(self, url: str | None, stage: str, error: str, source: str | None) -> None:
        """Record one item's failure at one stage; the run goes on."""
        self.errors.append(ItemError(url, stage, error, source))
        # The table needs a URL; a source without an address is named in `source`.
        at = _iso(self.clock())
        store.record_error(self.db, self.run_id, url or "", stage, error, at, source)

    def skip_source(self, name: str, reason: str) -> None:
        """Count a source that cannot run as configured: skipped with its reason, no error."""
        self._skipped_sources[name] = reason
        self.skipped[f"source skipped: {reason}"] += 1

    def add_source(self, spec: SourceSpec, result: SourceResult | SourceError) -> str | None:
        """Queue what one source (or one backfill window of it) found; the reason it failed,
        or None. A source that worked once in the run counts as working."""
        error = _merge(spec, result, self._pending, self, self.say)
        self._kinds[spec.name] = spec.kind
        if error is None:
            self._outcome[spec.name] = None
            self._problems.pop(spec.name, None)
            self._skipped_sources.pop(spec.name, None)
        elif isinstance(result, SourceSkipped):
            # Health still shows why it did not run (`monitor sources`).
            self._outcome.setdefault(spec.name, error)
        elif self._outcome.get(spec.name, error) is not None:
            self._outcome[spec.name] = error
            self._problems[spec.name] = error
        return error

    def process_pending(self) -> None:
        """Fetch, extract, analyse and store every queued entry not stored yet."""
        entries, self._pending = self._pending, {}
        _drop_headline_twins(self.config, entries, self)
        _drop_scheme_twins(entries, self)
        found = find_known_urls(self.db, entries)
        releases = [k.stored for u, k in found.items() if entries[u].role == "press_release"]
        store.mark_press_releases(self.db, releases)
        hows = Counter(k.how for k in found.values())
        for how, reason in SKIP_REASONS.items():
            self.skipped[reason] += hows[how]
        known = set(found)
        for url in [u for u in entries if u not in known and is_google_news_link(u)]:
            if self.stored_headline_twin(entries[url]) is not None:
                known.add(url)
                self.skipped["same headline already stored"] += 1
        todo = [e for url, e in entries.items() if url not in known]
        self.say(f"{len(entries)} candidates, {len(todo)} new")
        by_url = {e.url: e for e in todo}
        for url, result in self.fetcher.fetch_many(list(by_url)):
            if self.should_stop():
                # Stop between articles: everything stored so far is committed.
                self.stopped = True
                self.say("stopping: the current article is stored, the rest waits for next run")
                break
            entry = by_url[url]
            if isinstance(result, FetchError):
                if entry.content_html or is_google_news_link(entry.url):
                    # The feed carries the article (full text) or at least its headline.
                    _store_item(self, entry, None)
                else:
                    self.fail(url, "fetch", result.reason, entry.source)
                continue
            self.fetched += 1
            _store_item(self, entry, result)

    def stored_headline_twin(self, entry: FeedEntry) -> int | None:
        """A stored article of the same outlet with the same headline, published within a few
        days of a headline-only search hit: the hit is that article and is not stored again.
        A hit whose outlet has no name is matched by its headline and day alone."""
        if not entry.title:
            return None
        outlet = resolve_outlet(entry.url, self.config.outlets, None, entry.outlet)
        if not outlet.name:
            found = self._same_day_headlines(_nameless_key(entry.title, entry.published_at))
            return next((int(r["id"]) for r in found if r["url"] != entry.url), None)
        key = title_key(entry.title)
        for row in self._outlet_articles(outlet.name, entry.published_at):
            if row["url"] != entry.url and key and title_key(row["title"]) == key:
                return int(row["id"])
        return None

    def absorb_headline_items(self, article_id: int, entry: FeedEntry) -> bool:
        """Fold a stored headline-only item of the same outlet and headline (or, its outlet
        unnamed, of the same headline and day) into a newly stored article: the item keeps its
        id (and the team's labels) and becomes the article, the new row goes. True when the
        article took over an item."""
        row = self.db.execute(
            "SELECT COALESCE(outlet, outlet_domain), title, published_at FROM articles "
            "WHERE id = ?",
            [article_id],
        ).fetchone()
        if row is None or row[0] is None:
            return False
        keys = {title_key(t) for t in (row[1], entry.title) if t} - {""}
        published = datetime.fromisoformat(row[2]) if row[2] else entry.published_at
        items = [
            int(r["id"])
            for r in self._outlet_articles(row[0], published)
            if r["id"] != article_id
            and is_google_news_link(r["url"])
            and title_key(r["title"]) in keys
        ]
        if not items:
            # A hit whose outlet has no name stood for whichever page has its headline that day.
            items = [
                int(r["id"])
                for title in {row[1], entry.title}
                for r in self._same_day_headlines(_nameless_key(title, published))
                if r["id"] != article_id and is_google_news_link(r["url"]) and not r["outlet"]
            ]
        if not items:
            return False
        # Headline items of one outlet's headline are stored once (see `stored_headline_twin`).
        absorb_article(self.db, min(items), article_id)
        return True

    def _same_day_headlines(self, key: tuple[str, date] | None) -> list[dict[str, Any]]:
        """Stored articles published on the day of `key` with its headline key (none for None)."""
        if key is None:
            return []
        day = key[1].isoformat()
        rows = store.articles_published_between(self.db, day, day)
        return [r for r in rows if title_key(r["title"] or "") == key[0]]

    def _outlet_articles(self, outlet_key: str, published: datetime | None) -> list[dict[str, Any]]:
        """The outlet's stored articles published within STORY_WINDOW_DAYS of `published`."""
        day = kst_day(published) if published else kst_day(self.clock())
        window = timedelta(days=STORY_WINDOW_DAYS)
        return articles_of_outlet(
            self.db, outlet_key, (day - window).isoformat(), (day + window).isoformat()
        )

    def abort(self, exc: BaseException) -> None:
        """Close the run row after an exception; what was stored stays committed."""
        self._close("interrupted" if isinstance(exc, KeyboardInterrupt | SystemExit) else "failed")

    def finish(self) -> RunReport:
        """Record each source's health and close the run; the report of what it did."""
        for name, kind in self._kinds.items():
            store.record_source_outcome(
                self.db,
                name,
                kind,
                self.run_id,
                _iso(self.clock()),
                self._outcome[name],
                self.new_by_source[name],
            )
        sources_ok = sum(1 for error in self._outcome.values() if error is None)
        status = "ok" if not self.errors and not self._problems else "partial"
        if self._kinds and sources_ok == 0:
            status = "failed"
        if self.stopped:
            status = "interrupted"
        self._close(status)
        return RunReport(
            run_id=self.run_id,
            sources=len(self._kinds),
            sources_ok=sources_ok,
            fetched=self.fetched,
            new_articles=self.new_articles,
            relevant=self.relevant,
            skipped=dict(self.skipped),
            errors=tuple(self.errors),
            source_problems=tuple(self._problems.items()),
            skipped_sources=tuple(self._skipped_sources.items()),
        )

    def _close(self, status: str) -> None:
        store.finish_run(
            self.db,
            self.run_id,
            _iso(self.clock()),
            status,
            sources=len(self._kinds),
            fetched=self.fetched,
            new_articles=self.new_articles,
            relevant=self.relevant,
            skipped=sum(self.skipped.values()),
            errors=len(self.errors),
        )


def run_once(
    config: Config,
    db: sqlite_utils.Database,
    *,
    fetcher: Fetcher,
    analyser: Analyser,
    clock: Clock,
    source_names: Sequence[str] | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunReport:
    """One collection cycle over the configured (or named) sources."""
    specs = [config.source(n) for n in source_names] if source_names else list(config.sources)
    specs = [s for s in specs if s.enabled or source_names]
    collection = Collection(
        config,
        db,
        fetcher=fetcher,
        analyser=analyser,
        clock=clock,
        progress=progress,
        should_stop=should_stop,
    )
    try:
        # Every source first: a press release found by a feed too stays a press release, and
        # a search hit another source found under the publisher's URL is dropped.
        for spec, found in _gather(specs, fetcher, workers=config.fetch.concurrency):
            collection.add_source(spec, found)
            if collection.should_stop():
                # Asked to stop while sources are read: store nothing half-gathered.
                collection.stopped = True
                break
        if not collection.stopped:
            collection.process_pending()
    except BaseException as exc:
        collection.abort(exc)
        raise
    return collection.finish()


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
            failed = SourceError(spec.name, describe_error(exc))
            failed.__cause__ = exc  # a FetchError's URL names the source's address
            return failed
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
    run: Collection,
    say: Progress,
) -> str | None:
    """Add one source's entries to `entries`; the reason it failed, or None when it worked."""
    if isinstance(result, SourceSkipped):
        run.skip_source(spec.name, result.reason)
        say(f"source {spec.name}: skipped: {result.reason}")
        return f"skipped: {result.reason}"
    if isinstance(result, SourceError):
        run.fail(_source_address(spec, result), "source", result.reason, spec.name)
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


def _source_address(spec: SourceSpec, error: SourceError) -> str | None:
    """The feed or API address a failed source was reading: the request that failed (a Google
    News search URL, a Naver API page), else the configured URL; None when it has neither."""
    cause = error.__cause__
    if isinstance(cause, FetchError):
        return cause.url
    return spec.url or spec.base_url


def _drop_headline_twins(config: Config, entries: dict[str, FeedEntry], run: Collection) -> None:
    """Drop Google News hits that another source found under the publisher's own URL: by
    outlet and headline, or (a hit whose outlet has no name) by headline and day."""
    seen = set()
    dated: set[tuple[str, date] | None] = set()
    nameless = set()
    for url, entry in entries.items():
        outlet = resolve_outlet(entry.url, config.outlets, None, entry.outlet)
        if is_google_news_link(url) and not outlet.name:
            nameless.add(url)
            continue
        dated.add(_nameless_key(entry.title, entry.published_at))
        if not is_google_news_link(url) and entry.title and outlet.name:
            seen.add((outlet.name, title_key(entry.title)))
    dated.discard(None)
    for url in [u for u, e in entries.items() if is_google_news_link(u)]:
        entry = entries[url]
        if url in nameless:
            key = _nameless_key(entry.title, entry.published_at)
            if key not in dated:
                dated.add(key)  # and a second nameless hit of it is the same item
                continue
        elif not (entry.title and entry.outlet and (entry.outlet, title_key(entry.title)) in seen):
            continue
        del entries[url]
        run.skipped["same headline from another source"] += 1


def _nameless_key(title: str | None, published: datetime | date | None) -> tuple[str, date] | None:
    """What a headline hit whose outlet has no name is matched by: its headline key and KST
    day; None without a date, or for a headline too short to name one story ("포토", "인사")."""
    key = title_key(title or "")
    if published is None or len(key) < _MIN_NAMELESS_KEY:
        return None
    return key, kst_day(published) if isinstance(published, datetime) else published


def _drop_scheme_twins(entries: dict[str, FeedEntry], run: Collection) -> None:
    """One page listed under http and https by two sources is one candidate: the https one
    (a press release stays a press release)."""
    for url in [u for u in entries if u.startswith("http://")]:
        twin = "https://" + url[len("http://") :]
        if twin in entries:
            entry = entries.pop(url)
            if entry.role == "press_release":
                entries[twin] = replace(entries[twin], role="press_release")
            run.skipped["same page under https"] += 1


def _store_item(run: Collection, entry: FeedEntry, fetched: Fetched | None) -> None:
    """Extract, analyse and store one item, recording its failure at the stage where it failed."""
    if is_google_news_link(entry.url) and run.stored_headline_twin(entry) is not None:
        # Its article was stored by another source while this run fetched.
        run.skipped["same headline already stored"] += 1
        return
    if fetched is not None and (stored := stored_landing(run.db, entry.url, fetched)) is not None:
        # Its old address is that article's too: the next run does not fetch it again.
        remember_addresses(run.db, entry.url, fetched, stored, _iso(run.clock()))
        if entry.role == "press_release":
            store.mark_press_releases(run.db, [stored])
        run.skipped[REACHED_BY_REDIRECT] += 1
        return
    try:
        article_id, created, relevant = process_page(
            run.config,
            run.db,
            run.analyser,
            entry,
            fetched,
            run_id=run.run_id,
            now=run.clock(),
        )
    except StageError as exc:
        run.fail(entry.url, exc.stage, exc.reason, entry.source)
        return
    if fetched is not None:
        remember_addresses(run.db, entry.url, fetched, entry.url, _iso(run.clock()))
    if (
        created
        and not is_google_news_link(entry.url)
        and run.absorb_headline_items(article_id, entry)
    ):
        # Counted already, as the headline item it now completes.
        run.skipped["headline item completed by its article"] += 1
    elif created:
        run.new_articles += 1
        run.new_by_source[entry.source] += 1
        run.relevant += relevant
    else:
        run.skipped["already stored"] += 1


def page_record(entry: FeedEntry, fetched: Fetched | None, now: datetime) -> store.PageRecord:
    """The raw page as stored: the fetched body, or the feed's own content when not fetched."""
    return store.PageRecord(
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


def analyse_page(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    entry: FeedEntry,
    fetched: Fetched | None,
    now: datetime,
) -> tuple[store.ArticleRecord, bool]:
    """Decode, extract and analyse one page or feed item into the record to store, and whether
    it is relevant; StageError names the stage that failed."""
    decoded: Decoded | None = None
    if fetched is not None:
        with translate_errors("decode", entry.url):
            decoded = decode_page(fetched.body, fetched.content_type)
    article = _extract(entry, fetched, decoded, config.outlets)
    with translate_errors("analyse", entry.url):
        analysis = analyser.analyse(article.title, article.body)
        record = build_record(
            config, db, entry, article, analysis, decoded, now, story_weights=analyser.story_weights
        )
    return record, analysis.relevant


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
    page = page_record(entry, fetched, now)
    try:
        record, relevant = analyse_page(config, db, analyser, entry, fetched, now)
    except StageError as exc:
        if exc.stage in {"decode", "extract"}:
            # The raw page is kept even without an article: it is not fetched again on every
            # run (a section front stays one), and `reprocess` can retry it with a better
            # extractor.
            with translate_errors("store", entry.url):
                store.save_page(db, page, run_id)
        raise
    from monitor.search import search_terms_for  # the search index's words, from the same Kiwi

    terms = search_terms_for(analyser.tagger.kiwi, record)
    with translate_errors("store", entry.url):
        article_id, created = store.save_fetched_article(db, page, record, run_id, terms)
    return article_id, created, relevant


def extract_page(html: str, url: str, outlets: Sequence[OutletSpec]) -> Article:
    """The article of a decoded page, read with the `[[outlets]]` selectors of the site serving
    `url`: collection, ingest, reprocess and `monitor extract` read a page alike."""
    return extract_article(html, url, site_rules_for(url, outlets))


def _extract(
    entry: FeedEntry,
    fetched: Fetched | None,
    decoded: Decoded | None,
    outlets: Sequence[OutletSpec] = (),
) -> Article:
    """The page's article; a full-content feed's text when the page has none or was not fetched."""
    if fetched is not None and decoded is not None:
        url = fetched.final_url or entry.url
        try:
            with translate_errors("extract", entry.url):
                return extract_page(decoded.text, url, outlets)
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
    *,
    story_weights: FactWeights,
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
        evidence = StoryEvidence(
            key=entry.url,
            published_date=published_day,
            published_at=published.astimezone(KST) if published else None,
            outlet=outlet.name or outlet.domain,
            headline=title,
            fingerprint=analysis.fingerprint if article.body else None,
            facts=story_facts(title, article.body) if analysis.mentions else frozenset(),
            entities=frozenset(m.entity for m in analysis.mentions),
            relevant=analysis.relevant,
        )
        story_id = find_story(db, evidence, story_weights)
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
    db: sqlite_utils.Database, article: StoryEvidence, weights: FactWeights
) -> int | None:
    """The story of the stored article published within a few days that this one best matches
    (the same text, the same facts, or the same outlet's version of it); None for a new story."""
    window = timedelta(days=STORY_WINDOW_DAYS)
    rows = [
        row
        for row in story_candidates(
            db,
            (article.published_date - window).isoformat(),
            (article.published_date + window).isoformat(),
        )
        if row["url"] != article.key
    ]
    candidates = _candidate_evidence(db, rows, needs_facts=bool(article.entities))
    return pick_story(
        article,
        [(int(row["story_id"]), c) for row, c in zip(rows, candidates, strict=True)],
        weights,
    )


def _candidate_evidence(
    db: sqlite_utils.Database, rows: Sequence[dict[str, Any]], *, needs_facts: bool
) -> list[StoryEvidence]:
    """Story evidence of stored articles; fingerprints of an older format are recomputed from
    the stored body (and saved), facts only where an entity could make them count."""
    stale: list[int] = []
    prints: dict[int, Fingerprint | None] = {}
    for row in rows:
        data = row["fingerprint"]
        try:
            prints[row["id"]] = Fingerprint.from_bytes(data) if data is not None else None
        except StaleFingerprint:
            stale.append(row["id"])
    wanted = stale + [r["id"] for r in rows if needs_facts and r["entities"]]
    texts = article_texts(db, sorted(set(wanted))) if wanted else {}
    if stale:
        fresh = {i: fingerprint_text(texts[i][1] or texts[i][0]) for i in stale if i in texts}
        prints.update(fresh)
        save_fingerprints(db, {i: f.to_bytes() for i, f in fresh.items()})
    evidence = []
    for row in rows:
        published_at = row["published_at"]
        title, body = texts.get(row["id"], (row["title"], ""))
        evidence.append(
            StoryEvidence(
                key=row["url"],
                published_date=date.fromisoformat(row["published_date"]),
                published_at=datetime.fromisoformat(published_at) if published_at else None,
                outlet=row["outlet"] or row["outlet_domain"],
                headline=row["title"] or "",
                fingerprint=prints.get(row["id"]),
                facts=story_facts(title, body) if needs_facts and row["entities"] else frozenset(),
                entities=row["entities"],
                relevant=None if row["is_relevant"] is None else bool(row["is_relevant"]),
            )
        )
    return evidence


def describe_problems(problems: Iterable[tuple[str, str]]) -> list[str]:
    """One line per failed source, as the CLI prints them."""
    return [f"source {name}: {reason}" for name, reason in problems]
