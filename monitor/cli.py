"""The command line: a thin layer over the library; errors become one line and an exit status."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

import db as store
from db import StorageError
from monitor._table import align_table, clip
from monitor.config import Config, load_config, resolve_config_path
from monitor.digest import DIGEST_FORMATS, build_digest, render_digest
from monitor.errors import ConfigError, MonitorError, UsageError
from monitor.health import collect_notices
from monitor.labels import TIER_LABELS, medium_label, topic_labels
from monitor.locks import collection_lock
from monitor.periods import KST, Period, kst_day, parse_day, parse_period
from monitor.report import REPORT_FORMATS
from monitor.tallies import TALLY_FORMATS, compute_tally, render_tally
from nlp import ModelError, NlpError, normalize_text
from nlp.kiwi import Kiwi
from scrapers import ScrapeError, non_html_reason

if TYPE_CHECKING:
    from monitor.analyse import Analyser
    from monitor.backfill import BackfillReport
    from monitor.digest import Digest
    from nlp.classify import Classifiers

__all__ = ["main"]

Clock = Callable[[], datetime]

# SQLite integers are 64-bit: a larger id cannot exist, a larger limit means no limit.
_MAX_ID = 2**63 - 1

# The first line of a config the demo writes: only such a file is overwritten by the next run.
_DEMO_MARK = "# written by `monitor demo`: the demo site's sources, entities and outlets\n"

# A URL scheme of two or more characters: `C:\pages\a.html` is a path.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")

# One port for every demo outlet (each has its own loopback address): stable URLs across runs.
DEMO_PORT = 8765


def _now() -> datetime:
    return datetime.now(KST)


class _App:
    """What a command needs, opened lazily: the config, the database, Kiwi."""

    def __init__(
        self,
        args: argparse.Namespace,
        environ: dict[str, str],
        clock: Clock,
        kiwi: Kiwi | None,
    ) -> None:
        self.args = args
        self.environ = environ
        self.clock = clock
        self._kiwi = kiwi
        self._config: Config | None = None
        self._db: sqlite_utils.Database | None = None
        self._classifiers: Classifiers | None = None
        self._classifiers_path: Path | None = None

    @property
    def kiwi(self) -> Kiwi:
        """The process's one Kiwi, loaded on first use (it costs ~1 s and ~0.5 GB)."""
        if self._kiwi is None:
            from nlp.kiwi import load_kiwi  # lazily: only commands that analyse pay for it

            self._kiwi = load_kiwi()
        return self._kiwi

    def use_config(self, config: Config) -> Config:
        """Work on this config instead of the one --config names (the demo writes its own);
        called before the database is first used."""
        self._config = config
        return config

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(resolve_config_path(self.args.config, self.environ))
        return self._config

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            path = self.config.database_path
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = store.open_database(path)
        return self._db

    def analyser(self) -> Analyser:
        """An analyser over the process's Kiwi, judged by the newest trained models if any.

        The models are read again only when a newer version was trained (a long-running
        `schedule` picks up `monitor train` without a restart).
        """
        from monitor.analyse import Analyser
        from monitor.train import models_folder
        from nlp.classify import latest_model_path, load_classifiers

        config = self.config
        path = latest_model_path(models_folder(config))
        if path != self._classifiers_path:
            self._classifiers_path = path
            self._classifiers = None
            if path is not None:
                try:
                    self._classifiers = load_classifiers(path)
                except ModelError as exc:
                    # A damaged model must not stop collection: the rules judge instead.
                    _err(f"monitor: warning: {exc}; the rules judge relevance, topic and tone")
        return Analyser(self.kiwi, config.entities, config.topics, self._classifiers)

    def close(self) -> None:
        if self._db is not None:
            self._db.conn.close()


def _backfill_idle(report: BackfillReport) -> str:
    """Why a backfill made no run: every source finished earlier, or none can go back."""
    if any(s.status == "finished earlier" for s in report.sources):
        return ": nothing to do (--restart walks finished sources again)"
    return ": nothing to do"


def _emit(stream: Any, text: str) -> None:
    """Write to a stream as UTF-8 whatever the locale says (Korean Windows consoles, pipes,
    PYTHONIOENCODING=ascii): a Korean title must never end a command with a traceback."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
    else:
        buffer.write(text.encode("utf-8", "backslashreplace"))
        buffer.flush()


def _err(line: str) -> None:
    _emit(sys.stderr, line + "\n")


def _write(text: str) -> None:
    """Write to stdout as UTF-8 whatever the locale says."""
    _emit(sys.stdout, text)


def _line(text: str = "") -> None:
    """One line of human output on stdout."""
    _write(text + "\n")


def _print_json(value: Any) -> None:
    _write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


# --- run --------------------------------------------------------------------------------


def _cmd_run(app: _App) -> int:
    from monitor.pipeline import run_once
    from scrapers.fetch import Fetcher

    config = app.config
    names = [app.args.source] if app.args.source else None
    if names:
        config.source(names[0])  # an unknown name fails before Kiwi loads
    # The lock first: a second collection exits at once, before Kiwi loads.
    with collection_lock(config.database_path, what="run", clock=app.clock):
        analyser = app.analyser()
        with Fetcher(config.fetch) as fetcher:
            report = run_once(
                config,
                app.db,
                fetcher=fetcher,
                analyser=analyser,
                clock=app.clock,
                source_names=names,
                progress=None if app.args.quiet else _err,
            )
    for name, reason in report.source_problems:
        if app.args.quiet:
            _err(f"source {name}: {reason}")
    if app.args.json:
        _print_json(report.to_json())
    else:
        _err(
            f"run {report.run_id}: {report.sources_ok}/{report.sources} sources ok, "
            f"{report.fetched} fetched, {report.new_articles} new articles "
            f"({report.relevant} relevant), {len(report.errors)} errors"
        )
    _send_alerts(app)
    return 0 if report.any_source_worked else 1


# --- extract ------------------------------------------------------------------------------


def _cmd_extract(app: _App) -> int:
    from monitor.config import site_rules_for
    from monitor.ingest import named_address
    from monitor.pipeline import extract_page
    from nlp.decode import decode_page
    from scrapers import FetchSettings
    from scrapers.fetch import Fetcher

    config = _optional_config(app)
    outlets = config.outlets if config is not None else ()
    failed = 0
    with ExitStack() as stack:
        fetcher: Fetcher | None = None
        for target in app.args.targets:
            try:
                saved = _url_scheme(target) not in ("http", "https")
                if not saved:
                    if fetcher is None:
                        settings = config.fetch if config is not None else FetchSettings()
                        fetcher = stack.enter_context(Fetcher(settings))
                    fetched = fetcher.fetch(target)
                    body, content_type, url = fetched.body, fetched.content_type, fetched.final_url
                else:
                    path, scheme = Path(target), _url_scheme(target)
                    if scheme is not None and not path.exists():
                        raise UsageError(f"only http(s) URLs are fetched, not {scheme}:")
                    if path.is_dir():
                        raise UsageError("is a directory")
                    if not path.is_file():
                        raise UsageError("no such file")
                    body, content_type, url = path.read_bytes(), None, path.resolve().as_uri()
                    refused = non_html_reason(body, path.name)
                    if refused is not None:
                        raise UsageError(refused)
                text = decode_page(body, content_type).text
                article = extract_page(text, url, outlets)
                named = named_address(article) if saved else None
                if named is not None and site_rules_for(named, outlets) is not None:
                    # A saved page goes by the address it names, as `ingest` stores it: its
                    # site's rules read it.
                    article = extract_page(text, named, outlets)
            except (MonitorError, ScrapeError, NlpError) as exc:
                failed += 1
                _err(f"{target}: {_reason(exc)}")
                continue
            item = {
                "url": url,
                "title": article.title,
                "body": article.body,
                "published_at": _iso(article.published_at),
                "updated_at": _iso(article.updated_at),
                "authors": list(article.authors),
                "outlet": article.outlet,
                "method": article.method,
                "lead": "\n\n".join(article.lead) or None,
                "canonical_url": article.canonical_url,
                "flags": list(article.flags),
                "language": article.language,
            }
            if app.args.json:
                _write(json.dumps(item, ensure_ascii=False) + "\n")
            else:
                _line(f"# {article.title}")
                _line(
                    f"{article.outlet or '-'} | {item['published_at'] or '-'} | "
                    f"{', '.join(article.authors) or '-'} | method {article.method}"
                )
                _line()
                _line(article.body)
                _line()
    return 1 if failed else 0


def _url_scheme(target: str) -> str | None:
    """The lower-cased scheme a target starts with ("ftp", "javascript"), None for a path; one
    letter is a Windows drive (C:), not a scheme."""
    found = _SCHEME.match(target)
    return found.group(1).lower() if found else None


def _optional_config(app: _App) -> Config | None:
    """The config when its file exists, else None (extract needs none); a broken one is named
    on stderr and extraction goes on without its selectors and fetch settings."""
    if not resolve_config_path(app.args.config, app.environ).exists():
        return None
    try:
        return app.config
    except ConfigError as exc:
        _err(f"monitor: warning: {exc}; extracting without its [[outlets]] selectors")
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(KST).isoformat(timespec="seconds") if moment else None


# --- show / search -----------------------------------------------------------------------


def _search_item(row: dict[str, Any], snippet: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "title": row["title"],
        "outlet": row["outlet"] or row["outlet_domain"],
        "tier": row["tier"],
        "published_at": row["published_at"],
        "entities": row["entities"],
        "topic": row["topic"],
        "tone": row["tone"],
        "relevant": bool(row["relevant"]),
        "story_id": row["story_id"],
        "role": row["role"],
        "medium": row["medium"],
        "snippet": snippet,
    }


def _snippet(row: dict[str, Any], terms: Sequence[str], width: int = 60) -> str:
    text = " ".join(f"{row['lead']} {row['body']}".split())
    at = -1
    for term in terms:
        at = text.find(term)
        if at >= 0:
            break
    if at < 0:
        return text[: width * 2] + ("…" if len(text) > width * 2 else "")
    start = max(0, at - width)
    piece = text[start : at + width]
    return ("…" if start else "") + piece + ("…" if at + width < len(text) else "")


def _known_key(value: str | None, labels: Mapping[str, str], what: str, option: str) -> str | None:
    """A filter value as its stored key: the key itself or its label (엔티티명, 중앙지); an
    unknown one is a user error, not an empty result."""
    if value is None:
        return None
    for key, label in labels.items():
        if value.strip() in (key, label):
            return key
    choices = ", ".join(f"{key} ({label})" for key, label in labels.items())
    raise UsageError(f"unknown {what} {value!r} for {option}; one of: {choices}")


def _cmd_search(app: _App) -> int:
    from monitor.search import (
        QueryError,
        articles_to_reindex,
        reindex_terms,
        search_coverage,
    )

    if app.args.reindex:
        from monitor.progress import progress_bar

        pending = articles_to_reindex(app.db, everything=app.args.all)
        with progress_bar("search index", len(pending), unit="articles") as bar:
            done = reindex_terms(app.db, app.kiwi, pending, progress=bar.advance)
        _err(f"search index: {done} articles analysed into Kiwi morphemes")
        return 0
    config = app.config
    filters = store.SearchFilters(
        entity=_known_key(
            app.args.entity, {e.id: e.name for e in config.entities}, "entity", "--entity"
        ),
        topic=_known_key(app.args.topic, topic_labels(config), "topic", "--topic"),
        outlet=app.args.outlet,
        tier=_known_key(app.args.tier, TIER_LABELS, "outlet type", "--tier"),
        tone=app.args.tone,
        since=parse_day(app.args.since).isoformat() if app.args.since else None,
        until=parse_day(app.args.until).isoformat() if app.args.until else None,
        include_irrelevant=app.args.all,
        include_press_releases=app.args.all,
    )
    if app.args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    limit = min(app.args.limit, _MAX_ID)
    # Markers: plain in JSON and pipes, bold on a terminal.
    marks = ("\033[1m", "\033[0m") if not app.args.json and sys.stdout.isatty() else ("«", "»")
    try:
        found = search_coverage(
            app.db, lambda: app.kiwi, " ".join(app.args.query), filters, limit, marks=marks
        )
    except QueryError as exc:
        _err(f"monitor: error: {exc}")
        return 2
    items = [_search_item(r, r["snippet"]) for r in found]
    if app.args.json:
        _print_json(items)
        return 0
    if not items:
        _err("no matching articles")
    for item in items:
        mark = "" if item["relevant"] else " (not relevant)"
        _line(
            f"{item['id']:>6}  {(item['published_at'] or '')[:10]}  {item['outlet'] or '-'}  "
            f"{item['title']}{mark}"
        )
        _line(f"        {item['snippet']}")
    return 0


def _cmd_show(app: _App) -> int:
    if not 0 < app.args.id <= _MAX_ID:
        raise UsageError(f"no article with id {app.args.id}")
    try:
        row = store.get_article(app.db, app.args.id)
    except store.NotFound:
        raise UsageError(f"no article with id {app.args.id}") from None
    item = _search_item(row, _snippet(row, []))
    item.update(
        {
            "body": row["body"],
            "lead": row["lead"],
            "authors": row["authors"],
            "updated_at": row["updated_at"],
            "method": row["method"],
            "flags": row["flags"],
            "note": row["note"],
            "date_source": row["date_source"],
            "relevance_reason": row["relevance_reason"],
            "topic_reason": row["topic_reason"],
            "tone_reason": row["tone_reason"],
            "mentions": [
                {k: m[k] for k in ("entity", "field", "start", "end", "text")}
                for m in store.article_mentions(app.db, app.args.id)
            ],
            "labels": row["labels"],
            "copies": store.article_copies(app.db, app.args.id),
            "fetch": row["fetch"],
        }
    )
    if app.args.json:
        _print_json(item)
        return 0
    _line(f"# {item['title']}")
    _line(
        f"id {item['id']} · {item['outlet'] or '-'} ({item['tier'] or '-'}) · "
        f"{item['published_at']}"
    )
    _line(f"{item['url']}")
    labels = item["labels"]
    reason = "team label" if labels.get("relevant") is not None else item["relevance_reason"]
    _line(
        f"relevant: {item['relevant']} ({reason}) · topic: {item['topic']} · "
        f"tone: {item['tone']} · story: {item['story_id']} · method: {item['method']} · "
        f"medium: {item['medium']}"
    )
    if labels:
        set_fields = [f"{k}={labels[k]}" for k in ("relevant", "topic", "tone") if labels[k]]
        set_fields += [f"relevant={labels['relevant']}"] if labels["relevant"] is False else []
        _line(
            f"team label ({labels['updated_at']}): {', '.join(set_fields) or '-'}"
            + (f" · note: {labels['note']}" if labels.get("note") else "")
        )
    if item["mentions"]:
        by_entity: dict[str, list[str]] = {}
        for m in item["mentions"]:
            by_entity.setdefault(m["entity"], []).append(f"{m['text']}({m['field']})")
        _line(
            "mentions: "
            + "; ".join(
                f"{entity} ×{len(found)}: {', '.join(dict.fromkeys(found))}"
                for entity, found in by_entity.items()
            )
        )
    if item["fetch"]:
        fetch = item["fetch"]
        _line(
            f"fetched: {fetch['fetched_at']} by source {fetch['source'] or '-'}"
            + (f" (HTTP {fetch['status']})" if fetch["status"] else "")
        )
    for copy in item["copies"]:
        _line(f"copy: {copy['id']} {copy['outlet'] or '-'} {copy['title']}")
    _line()
    if item["note"]:
        _line(f"note: {item['note']}")
    if item["lead"]:
        _line(item["lead"])
        _line()
    _line(item["body"])
    return 0


# --- corrections, ingest, reprocess -------------------------------------------------------


def _article_id(value: int) -> int:
    if not 0 < value <= _MAX_ID:
        raise UsageError(f"no article with id {value}")
    return value


def _cmd_label(app: _App) -> int:
    args = app.args
    article_id = _article_id(args.id)
    given: dict[str, Any] = {}
    if args.relevant is not None:
        given["relevant"] = args.relevant
    if args.topic is not None:
        topics = {t.id for t in app.config.topics}
        if args.topic not in topics:
            raise UsageError(f"unknown topic {args.topic!r} (one of: {', '.join(sorted(topics))})")
        given["topic"] = args.topic
    if args.tone is not None:
        given["tone"] = args.tone
    if args.note is not None:
        given["note"] = args.note or None
    if args.clear:
        if given:
            raise UsageError("--clear drops the whole label: give it alone")
        given = dict.fromkeys(("relevant", "topic", "tone", "note"))
    if not given:
        raise UsageError(
            "say what to label: --relevant, --irrelevant, --topic, --tone, --note or --clear"
        )
    try:
        label = store.set_label(app.db, article_id, _iso(app.clock()) or "", **given)
        row = store.get_article(app.db, article_id)
    except store.NotFound:
        raise UsageError(f"no article with id {article_id}") from None
    result = {
        "id": article_id,
        "labels": label,
        "relevant": row["relevant"],
        "topic": row["topic"],
        "tone": row["tone"],
    }
    if app.args.json:
        _print_json(result)
    else:
        _line(
            f"article {article_id}: relevant {row['relevant']}, topic {row['topic']}, "
            f"tone {row['tone']}" + ("" if label else " (no team label: the classifiers decide)")
        )
    return 0


def _cmd_story(app: _App) -> int:
    now = _iso(app.clock()) or ""
    try:
        if app.args.action == "merge":
            ids = [_article_id(i) for i in app.args.ids]
            if len(set(ids)) < 2:
                raise UsageError("story merge needs two or more different ids")
            story = store.merge_stories(app.db, ids, now)
            rest: int | None = None
        elif app.args.action == "split":
            if len(app.args.ids) != 1:
                raise UsageError("story split takes one article id")
            story, rest = store.split_story(app.db, _article_id(app.args.ids[0]), now)
        else:
            if len(app.args.ids) != 1:
                raise UsageError("story show takes one article or story id")
            story, rest = store.effective_story(app.db, _article_id(app.args.ids[0])), None
        members = store.story_members(app.db, story)
        rest_members = store.story_members(app.db, rest) if rest is not None else []
    except store.NotFound as exc:
        raise UsageError(str(exc)) from None
    result: dict[str, Any] = {"story_id": story, "articles": members}
    if rest is not None:
        result["rest"] = {"story_id": rest, "articles": rest_members}
    if app.args.json:
        _print_json(result)
        return 0
    for sid, ids in [(story, members)] + ([(rest, rest_members)] if rest is not None else []):
        _line(f"story {sid}: {len(ids)} article(s)")
        for article_id in ids:
            row = store.get_article(app.db, article_id)
            _line(
                f"  {article_id:>6}  {row['outlet'] or row['outlet_domain'] or '-'}  {row['title']}"
            )
    return 0


def _cmd_ingest(app: _App) -> int:
    from monitor.ingest import ingest_targets
    from scrapers.fetch import Fetcher

    config = app.config
    analyser = app.analyser()
    with ExitStack() as stack:
        # A collection may be writing: a few single pages can wait for it a little.
        stack.enter_context(
            collection_lock(config.database_path, what="ingest", clock=app.clock, wait_s=60)
        )
        opened: list[Fetcher] = []

        def fetcher() -> Fetcher:
            if not opened:
                opened.append(stack.enter_context(Fetcher(config.fetch)))
            return opened[0]

        _run_id, outcomes = ingest_targets(
            config,
            app.db,
            analyser,
            app.args.targets,
            fetcher=fetcher,
            clock=app.clock,
            page_url=app.args.url,
        )
    if app.args.json:
        _print_json([o.to_json() for o in outcomes])
    for o in outcomes:
        if o.outcome == "failed":
            _err(f"{o.target}: {o.stage}: {o.reason}")
        elif not app.args.json:
            mark = "" if o.relevant else " (not relevant)"
            _line(f"{o.outcome:<8} {o.article_id:>6}  {o.title}{mark}")
    return 1 if any(o.outcome == "failed" for o in outcomes) else 0


def _cmd_reprocess(app: _App) -> int:
    from monitor.progress import progress_bar
    from monitor.reprocess import reprocess_pages, select_pages

    config = app.config
    since = parse_day(app.args.since) if app.args.since else None
    pages = select_pages(app.db, since)
    if not pages:
        _err("no stored pages to reprocess")
    analyser = app.analyser()
    with (
        collection_lock(config.database_path, what="reprocess", clock=app.clock),
        progress_bar("reprocess", len(pages), unit="pages", enabled=not app.args.quiet) as bar,
    ):
        report = reprocess_pages(config, app.db, analyser, pages, clock=app.clock, bar=bar)
    if app.args.json:
        _print_json(report.to_json())
    else:
        changed = ", ".join(f"{k} {v}" for k, v in sorted(report.changed.items()) if v)
        _err(
            f"reprocess {report.run_id}: {report.pages} pages: {report.updated} articles "
            f"re-analysed ({report.articles_changed} came out different"
            + (f": {changed}" if changed else "")
            + f"), {report.new_articles} new, {report.no_article} still without an article, "
            f"{len(report.errors)} errors"
        )
    for url, stage, reason in report.errors[:20]:
        _err(f"  {url}: {stage}: {reason}")
    return 0


# --- tally / digest ------------------------------------------------------------------------


def _default_period(clock: Clock) -> Period:
    today = kst_day(clock())
    return parse_period(f"{today.year:04d}-{today.month:02d}")


def _cmd_train(app: _App) -> int:
    from monitor.analyse import Analyser
    from monitor.train import labelled_set_digest, models_folder, out_of_date_reason, train_models
    from nlp.classify import MODEL_PREFIX, latest_model_path, load_classifiers

    if app.args.if_missing:
        existing = latest_model_path(models_folder(app.config))
        stale: str | None = None
        if existing is not None:
            try:
                reason = out_of_date_reason(load_classifiers(existing), labelled_set_digest())
                stale = None if reason is None else f"{existing} is out of date: {reason}"
            except ModelError as exc:
                stale = str(exc)
        if stale is not None:
            # An upgrade that changed the features or the labelled set, or a damaged file, must
            # not leave collection on a model that no longer fits: `make run` retrains once, here.
            _err(f"monitor train: {stale}; training a new version")
        elif existing is not None:
            if app.args.json:
                # latest_model_path only returns names ending in a version number.
                version = int(existing.stem[len(MODEL_PREFIX) :])
                _print_json({"version": version, "path": str(existing), "trained": False})
            else:
                _line(f"a model exists ({existing}); `monitor train` makes a new version")
            return 0
    # Training reads features only: the stored models (perhaps the damaged one) are not needed.
    analyser = Analyser(app.kiwi, app.config.entities, app.config.topics)
    trained = train_models(app.config, app.db, analyser, app.clock)
    if app.args.json:
        _print_json(
            {
                "version": trained.version,
                "path": str(trained.path),
                "trained": True,
                "trained_at": trained.trained_at.isoformat(),
                "examples": dict(trained.examples),
                "scores": {name: s.to_json() for name, s in trained.scores.items()},
            }
        )
        return 0
    sources = ", ".join(f"{n} {name}" for name, n in sorted(trained.examples.items()))
    _line(f"model v{trained.version}: {sum(trained.examples.values())} examples ({sources})")
    _line(
        f"{'model':<10} {'examples':>8} {'precision':>9} {'recall':>7} {'F1':>6}  (cross-validated)"
    )
    for name, s in trained.scores.items():
        _line(
            f"{name:<10} {s.examples:>8} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f}"
            f"  {s.folds}-fold" + ("" if name == "relevance" else ", macro")
        )
    _line(f"saved {trained.path}; `monitor reprocess` re-judges stored articles with it")
    return 0


def _export(app: _App, text: str, what: str) -> None:
    """Print a rendered export, or write it to --out (CSV keeps its BOM either way)."""
    if app.args.out:
        Path(app.args.out).write_text(text, encoding="utf-8", newline="")
        _err(f"{what} written to {app.args.out}")
    else:
        _write(text)


def _xlsx_out(app: _App, fmt: str) -> Path | None:
    """The --out path an xlsx export needs (a workbook is never written to a terminal)."""
    if fmt != "xlsx":
        return None
    if not app.args.out:
        raise UsageError("--format xlsx needs --out PATH")
    return Path(app.args.out)


def _cmd_tally(app: _App) -> int:
    from monitor.tallies import list_counted, write_tally_xlsx

    fmt = "json" if app.args.json else app.args.format or "table"
    out = _xlsx_out(app, fmt)
    period = (
        _default_period(app.clock) if app.args.period is None else parse_period(app.args.period)
    )
    tally = compute_tally(app.config, app.db, period, app.args.by)
    if out is not None:
        write_tally_xlsx(tally, list_counted(app.db, period), app.config, out)
        _err(f"tally written to {out}")
    elif fmt == "json":
        _export(app, json.dumps(tally.to_json(), ensure_ascii=False, indent=2) + "\n", "tally")
    elif fmt == "csv":
        # Excel on Korean Windows needs the BOM to read UTF-8.
        _export(app, "\ufeff" + render_tally(tally, "csv"), "tally")
    else:
        _export(app, render_tally(tally, "table"), "tally")
    return 0


def _cmd_report(app: _App) -> int:
    from monitor.report import build_report, render_report, write_report_xlsx

    fmt = "json" if app.args.json else app.args.format or "table"
    out = _xlsx_out(app, fmt)
    period = parse_period(app.args.period)
    report = build_report(app.config, app.db, period, app.args.period.strip())
    if out is not None:
        write_report_xlsx(report, app.config, out)
        _err(f"report written to {out}")
    elif fmt == "json":
        _export(app, json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", "report")
    else:
        _export(app, render_report(report, fmt), "report")
    return 0


def _cmd_digest(app: _App) -> int:
    from monitor.digest import DATE, SINCE_LAST, last_sent, mail_digest, record_sent

    config = app.config
    if app.args.send and config.smtp is None:
        raise UsageError(f"--send needs an [smtp] table (host, from, recipients) in {config.path}")
    fmt = "json" if app.args.json else app.args.format or "md"
    now = app.clock()
    until = _iso(now) or ""
    after: str | None = None
    if app.args.since_last:
        last = last_sent(app.db, SINCE_LAST)
        after = last["covered_until"] if last else None
        digest = _digest_since_last(app, config, app.db, now)
    else:
        day = parse_day(app.args.date) if app.args.date else kst_day(now)
        digest = _digest_of_day(app, config, app.db, day)
    if app.args.out:
        Path(app.args.out).write_text(render_digest(digest, fmt, config, now), encoding="utf-8")
        _err(f"digest written to {app.args.out}")
    elif not app.args.send:
        _write(render_digest(digest, fmt, config, now))
    if not app.args.send:
        if app.args.since_last:
            # Recorded as not sent: only a sent digest moves the next --since-last forward.
            store.record_digest(app.db, until, SINCE_LAST, None, after, until, sent=False)
        return 0
    sent = mail_digest(digest, config, now, app.environ)
    # A --date digest is kept apart: it never moves where the next --since-last starts.
    record_sent(app.db, digest, SINCE_LAST if app.args.since_last else DATE, until)
    if sent.refused:
        _err(f"monitor: error: digest {sent.describe()}")
        return 1
    _err(f"digest {sent.describe()}")
    return 0


def _digest_since_last(
    app: _App, config: Config, db: sqlite_utils.Database, now: datetime
) -> Digest:
    """What was collected after the last digest sent, until `now` (`digest --since-last`)."""
    from monitor.digest import SINCE_LAST, last_sent

    last = last_sent(db, SINCE_LAST)
    return build_digest(
        db,
        collected_after=last["covered_until"] if last else None,
        collected_until=_iso(now) or "",
        notices=collect_notices(db, app.clock, failing_runs=config.digest.failing_source_runs),
        entity_order=[e.id for e in config.entities],
        previous_window=(last["covered_from"], last["covered_until"]) if last else None,
    )


def _digest_of_day(app: _App, config: Config, db: sqlite_utils.Database, day: date) -> Digest:
    """The stories published on one KST day (`digest --date`)."""
    return build_digest(
        db,
        day=day,
        notices=collect_notices(db, app.clock, failing_runs=config.digest.failing_source_runs),
        entity_order=[e.id for e in config.entities],
    )


def _send_alerts(app: _App) -> None:
    """After a collection, mail its new negative coverage (the same-day alert); a failure is
    one line on stderr and the same articles are tried after the next run."""
    from monitor.digest import send_alerts

    try:
        alert = send_alerts(app.config, app.db, clock=app.clock, environ=app.environ)
    except (MonitorError, StorageError) as exc:
        _err(f"monitor: alert not sent (tried again after the next run): {_reason(exc)}")
        return
    if alert is not None and alert.mail is not None:
        _err(f"monitor: {alert.describe()}")


def _cmd_sources(app: _App) -> int:
    from monitor.health import assess_outlets, assess_sources

    outlets = assess_outlets(app.db, app.clock)
    if app.args.outlets:
        if app.args.json:
            _print_json([h.to_json() for h in outlets])
            return 0
        _print_outlet_health(outlets)
        return 0
    sources = assess_sources(app.db, app.config)
    if app.args.json:
        _print_json([h.to_json() for h in sources])
        return 0
    rows = [("source", "kind", "state", "last success", "new per run", "last failure: reason")]
    for h in sources:
        state = "ok" if not h.consecutive_failures else f"failed x{h.consecutive_failures}"
        if h.failing:
            state = f"FAILING x{h.consecutive_failures}"
        elif h.last_success is None and h.last_failure is None:
            state = "never run"
        per_run = " ".join(str(n) for n in h.new_articles_per_run) or "-"
        failure = f"{h.last_failure}: {h.last_error}" if h.last_failure else "-"
        if not h.configured:
            failure += "  (no longer configured)"
        rows.append((h.name, h.kind, state, h.last_success or "-", per_run, failure))
    _line(align_table(rows, total_row=False, free_last=True))
    if any(h.failing for h in sources):
        runs = app.config.digest.failing_source_runs
        _err(f"FAILING: {runs} or more failed runs in a row; the digest carries a notice")
    flagged = [h for h in outlets if h.flags]
    if flagged:
        _line()
        _print_outlet_health(flagged)
    return 0


def _print_outlet_health(outlets: Sequence[Any]) -> None:
    _line("extraction by outlet: last 7 days (4 weeks before)")
    if not outlets:
        _line("  no fetched articles in the last 5 weeks")
        return
    rows = [("outlet", "articles", "short", "(before)", "method", "(before)", "state")]
    for h in outlets:
        rows.append(
            (
                h.outlet,
                str(h.articles),
                f"{h.short_share:.0%}",
                f"({h.baseline_short_share:.0%})",
                h.method or "-",
                f"({h.baseline_method or '-'})",
                "; ".join(h.flags) if h.flags else "ok",
            )
        )
    _line(align_table(rows, numeric=(1, 2, 3), total_row=False, indent="  "))


# --- entities ---------------------------------------------------------------------------------


def _cmd_entities(app: _App) -> int:
    from monitor.suggest import entity_usage, suggest_from_database

    config = app.config
    if not app.args.suggest:
        if app.args.since or app.args.min_articles is not None or app.args.limit is not None:
            raise UsageError("--since, --min-articles and --limit go with --suggest")
        usage = entity_usage(app.db, config.entities)
        if app.args.json:
            _print_json([u.to_json() for u in usage])
            return 0
        rows = [("entity", "articles", "relevant", "name; aliases")]
        rows += [
            (u.id, str(u.articles), str(u.relevant), "; ".join((u.name, *u.aliases))) for u in usage
        ]
        _line(align_table(rows, numeric=(1, 2), total_row=False, free_last=True))
        return 0
    min_articles = 3 if app.args.min_articles is None else app.args.min_articles
    if min_articles < 1:
        raise UsageError("--min-articles must be at least 1")
    limit = 50 if app.args.limit is None else app.args.limit
    candidates = suggest_from_database(
        app.db, app.kiwi, config.entities, since=app.args.since, min_articles=min_articles
    )
    shown = candidates if limit <= 0 else candidates[:limit]
    if app.args.json:
        _print_json([c.to_json() for c in shown])
        return 0
    if not shown:
        _line(f"no new names in {min_articles} or more relevant articles")
        return 0
    rows = [("name", "articles", "stories", "example (article ids)")]
    for c in shown:
        ids = ", ".join(str(i) for i in c.article_ids[:5]) + (" ..." if c.articles > 5 else "")
        rows.append((c.name, str(c.articles), str(c.stories), f"{clip(c.example, 70)} ({ids})"))
    _line(align_table(rows, numeric=(1, 2), total_row=False, free_last=True))
    if len(shown) < len(candidates):
        _err(f"{len(candidates) - len(shown)} more: --limit 0 shows all")
    _err("add a name to [[entities]] in config.toml, or to the stoplist if it is no organisation")
    return 0


# --- schedule ---------------------------------------------------------------------------------


def _cmd_schedule(app: _App) -> int:
    from monitor.schedule import ScheduleDeps, logging_to_stderr, run_schedule
    from scrapers.fetch import Fetcher

    config = app.config
    with logging_to_stderr(config.schedule.timezone, verbose=app.args.verbose) as log:
        deps = ScheduleDeps(
            config=config,
            db=app.db,
            clock=app.clock,
            # Kiwi loads at the first collection, not while the scheduler waits for it.
            make_analyser=app.analyser,
            make_fetcher=lambda: Fetcher(config.fetch),
            log=log,
            verbose=app.args.verbose,
        )
        return run_schedule(deps, once=app.args.once)


# --- backfill -------------------------------------------------------------------------------


def _cmd_backfill(app: _App) -> int:
    from monitor.backfill import parse_since, plan_backfill, report_plans, run_backfill
    from monitor.progress import open_progress

    config = app.config
    today = kst_day(app.clock())
    names = [app.args.source] if app.args.source else None
    try:
        since = parse_since(app.args.since, today)
        if names:
            config.source(names[0])
    except (UsageError, ConfigError) as exc:
        _err(f"monitor backfill: error: {exc}")
        return 2
    # The lock first: a second collection exits at once, before Kiwi loads.
    with collection_lock(config.database_path, what="backfill", clock=app.clock):
        plans = plan_backfill(
            config, app.db, since=since, source_names=names, restart=app.args.restart
        )
        if not any(plan.runnable for plan in plans):
            report = report_plans(plans, since=since, until=today)
        else:
            from scrapers.fetch import Fetcher

            analyser = app.analyser()
            try:
                with (
                    Fetcher(config.fetch) as fetcher,
                    open_progress(enabled=not app.args.quiet) as progress,
                ):
                    report = run_backfill(
                        config,
                        app.db,
                        plans,
                        since=since,
                        fetcher=fetcher,
                        analyser=analyser,
                        clock=app.clock,
                        environ=app.environ,
                        progress=progress,
                    )
            except KeyboardInterrupt:
                _err("backfill interrupted: what was stored is kept; run it again to carry on")
                raise
    for source in report.sources:
        for warning in source.warnings:
            _err(f"source {source.source}: warning: {warning}")
    if app.args.json:
        _print_json(report.to_json())
    else:
        rows = [("source", "kind", "status", "windows", "new", "reason")]
        for s in report.sources:
            windows = f"{s.windows} window{'' if s.windows == 1 else 's'}" + (
                f" ({s.windows_total} in all)" if s.windows_total != s.windows else ""
            )
            if s.status in ("unsupported", "skipped", "not reached"):
                windows = "-"
            rows.append((s.source, s.kind, s.status, windows, str(s.new_articles), s.reason or ""))
        _line(align_table(rows, numeric=(4,), total_row=False, free_last=True))
        run = report.run
        _line(
            f"backfill since {report.since} to {report.until}"
            + (
                f", run {run.run_id}: {run.sources_ok}/{run.sources} sources ok, "
                f"{report.windows} windows, {run.fetched} fetched, {run.new_articles} new "
                f"articles ({run.relevant} relevant), {len(run.errors)} errors"
                if run is not None
                else _backfill_idle(report)
            )
            + ("; stopped: run it again to carry on" if report.stopped else "")
        )
    if report.any_source_worked:
        return 0
    why = "; ".join(f"{s.source}: {s.reason or s.status}" for s in report.sources)
    _err(f"monitor: error: no source could go back ({why or 'no sources configured'})")
    return 1


# --- import / add ----------------------------------------------------------------------------


def _cmd_import(app: _App) -> int:
    from monitor.clippings import apply_import, plan_import, read_sheet, render_import
    from monitor.progress import open_progress
    from scrapers.fetch import Fetcher

    config = app.config
    sheet = read_sheet(Path(app.args.file), sheet_name=app.args.sheet)
    today = kst_day(app.clock())
    plan = plan_import(config, app.db, sheet, today=today)
    if not app.args.dry_run:
        # Fetching pages is a collection: exit at once when one runs; a sheet of manual items
        # only writes rows, so it may wait a little for the running collection instead.
        wait_s = 0.0 if plan.counts["new_url"] else 60.0
        with ExitStack() as stack:
            stack.enter_context(
                collection_lock(config.database_path, what="import", clock=app.clock, wait_s=wait_s)
            )
            # Planned again inside the lock: what a collection stored meanwhile is matched.
            plan = plan_import(config, app.db, sheet, today=today)
            analysers: list[Analyser] = []
            fetchers: list[Fetcher] = []

            def analyser() -> Analyser:
                if not analysers:  # Kiwi loads only when something new is stored
                    analysers.append(app.analyser())
                return analysers[0]

            def fetcher() -> Fetcher:
                if not fetchers:
                    fetchers.append(stack.enter_context(Fetcher(config.fetch)))
                return fetchers[0]

            progress = stack.enter_context(open_progress(enabled=plan.counts["new_url"] > 0))
            plan = apply_import(
                config,
                app.db,
                plan,
                analyser=analyser,
                fetcher=fetcher,
                clock=app.clock,
                progress=progress,
            )
    if app.args.json:
        _print_json(plan.to_json())
    else:
        _write(render_import(plan))
    # Invalid rows are the sheet's to fix and are reported; a row that could not be stored is ours.
    return 1 if plan.counts["failed"] else 0


def _cmd_add(app: _App) -> int:
    from monitor.manual import (
        ManualItem,
        add_manual_item,
        check_topic,
        parse_item_date,
        resolve_entity_ids,
    )

    config = app.config
    args = app.args
    day = parse_item_date(args.date, today=kst_day(app.clock()))
    title, outlet = normalize_text(args.title).strip(), normalize_text(args.outlet).strip()
    if not title or not outlet:
        raise UsageError("--title and --outlet must not be empty")
    wanted = [v.strip() for value in args.entity or [] for v in value.split(",") if v.strip()]
    entities, unknown = resolve_entity_ids(wanted, config.entities, exact=True)
    if unknown:
        ids = ", ".join(e.id for e in config.entities)
        raise UsageError(f"unknown entity {unknown[0]!r} (one of: {ids})")
    topic = check_topic(args.topic, config.topics) if args.topic else None
    item = ManualItem(
        day=day,
        outlet=outlet,
        title=title,
        medium=args.medium,
        entities=entities,
        topic=topic,
        note=args.note or None,
    )
    analyser = app.analyser()
    result = add_manual_item(config, app.db, analyser, item, clock=app.clock)
    if not result.outlet_known:
        _err(
            f"warning: outlet {result.outlet!r} is not in the registry ([[outlets]]): "
            "counted under its name, tier unknown"
        )
    if app.args.json:
        _print_json(result.to_json())
        return 0
    medium = medium_label(result.medium)
    _line(
        f"{'added' if result.created else 'updated'} article {result.article_id}: "
        f"[{result.outlet}·{result.tier or '-'}·{medium}] {result.published_date} {title}"
    )
    _line(
        f"  entities: {', '.join(result.entities) or '-'} · topic: {result.topic or '-'} · "
        f"tone: {result.tone or '-'}"
    )
    if result.joined:
        _line(
            f"  joins story {result.story_id} (the same outlet's same headline): "
            "the outlet's copies count once"
        )
    return 0


# --- demo -------------------------------------------------------------------------------------


def _cmd_demo(app: _App) -> int:
    from monitor.demo.server import serve_demo_site
    from monitor.pipeline import run_once
    from scrapers.fetch import Fetcher

    with ExitStack() as stack:
        if app.args.db:
            db_path = Path(app.args.db).resolve()
            if db_path.is_dir():
                raise UsageError(f"--db {app.args.db} is a directory: give a database file")
        else:
            db_path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "demo.db"
        config_path = demo_config_path(db_path)
        _check_demo_config(config_path, db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        site = stack.enter_context(serve_demo_site(port=app.args.port))
        config_path.write_text(_DEMO_MARK + site.config_text(str(db_path)), encoding="utf-8")
        # The demo's own config, wherever it runs: never ./config.toml or $MONITOR_CONFIG.
        config = app.use_config(load_config(config_path))
        db = app.db
        _err(f"demo site on {', '.join(site.bases.values())}; database {db_path}")
        analyser = app.analyser()
        with Fetcher(config.fetch) as fetcher:
            report = run_once(
                config, db, fetcher=fetcher, analyser=analyser, clock=app.clock, progress=_err
            )
        if app.args.json:
            _print_json(report.to_json())
            return 0 if report.any_source_worked else 1
        _line(
            f"collected: {report.new_articles} new articles ({report.relevant} relevant) from "
            f"{report.sources_ok}/{report.sources} sources, {len(report.errors)} errors\n"
        )
        # The same digest and tally as the commands print afterwards (shown on stderr).
        # Hints only for a kept database: a temporary one is gone when the demo ends.
        hint: Callable[[str], None] = _err if app.args.db else (lambda line: None)
        command = f"monitor --config {config_path}"
        hint(f"digest: {command} digest --since-last")
        now = app.clock()
        _write(render_digest(_digest_since_last(app, config, db, now), "md", config, now))
        dates = db.execute(
            "SELECT MIN(published_date), MAX(published_date) FROM articles WHERE relevant = 1"
        ).fetchone()
        if dates[0]:
            period = f"{dates[0]}..{dates[1]}"
            hint(f"tally: {command} tally --period {period}")
            tally = compute_tally(config, db, parse_period(period), "entity")
            _write(render_tally(tally, "table"))
        return 0 if report.any_source_worked else 1


def demo_config_path(db_path: Path) -> Path:
    """The demo config beside its database, named after it: demo3.db -> demo3-config.toml."""
    return db_path.with_name(f"{db_path.stem}-config.toml")


def _check_demo_config(config_path: Path, db_path: Path) -> None:
    """Refuse to overwrite a config file that is not this database's demo config."""
    if not config_path.exists():
        return
    try:
        text = config_path.read_text(encoding="utf-8")
        existing = load_config(config_path).database_path.resolve()
    except (ConfigError, UnicodeDecodeError):
        text, existing = "", None
    if not text.startswith(_DEMO_MARK) or existing != db_path:
        raise UsageError(
            f"{config_path} exists and is not the demo config of {db_path}: "
            "move it away or give another --db"
        )


# --- web ----------------------------------------------------------------------------------------


def _cmd_web(app: _App) -> int:
    from monitor.web import WebApp, choose_address, is_loopback, open_web_server

    config = app.config
    host, port = choose_address(config.web, app.args.host, app.args.port)
    # The schema is brought up to date once here; the pages read over query-only connections.
    _ = app.db
    page = WebApp(config, clock=app.clock, kiwi=lambda: app.kiwi, log=_err)
    server = open_web_server(page, host, port)
    try:
        if not is_loopback(host):
            _err(f"monitor web: warning: listening on {host}: other machines can read the page")
        _write(f"monitor web: {server.url} (Ctrl+C stops)\n")
        server.serve_forever()
    except KeyboardInterrupt:
        _err("monitor web: stopped")
    finally:
        server.server_close()
    return 0


# --- parser -------------------------------------------------------------------------------------


def _day_arg(text: str) -> str:
    """A YYYY-MM-DD option value: a bad one is a usage error (exit 2), caught by argparse."""
    try:
        parse_day(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _period_arg(text: str) -> str:
    """A --period value: a bad one is a usage error (exit 2) like a bad date."""
    try:
        parse_period(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


# The options of `monitor search` that take a value, in one table: argv is split by it (see
# _search_words_last), so a value is never taken for a query word.
_SEARCH_VALUE_OPTIONS: dict[str, dict[str, Any]] = {
    "--entity": {},
    "--topic": {},
    "--outlet": {},
    "--tier": {},
    "--tone": {"choices": ("positive", "neutral", "negative")},
    "--since": {"metavar": "YYYY-MM-DD", "type": _day_arg},
    "--until": {"metavar": "YYYY-MM-DD", "type": _day_arg},
    "--limit": {"type": int, "default": 50, "help": "at most N results (0: all)"},
}


def _search_words_last(argv: Sequence[str]) -> list[str]:
    """argv with the words of `monitor search` moved behind one `--`: argparse takes any word
    starting with '-' for an option, but in a query `-고양` excludes. Options and their values
    stay before the `--`, so `monitor search -고양 협약 --json` means the query '-고양 협약'."""
    at = 0
    while at < len(argv) and argv[at].startswith("-") and argv[at] != "--":
        # --config PATH is the one option before the command that takes a separate value.
        takes_value = "=" not in argv[at] and len(argv[at]) > 2 and "--config".startswith(argv[at])
        at += 2 if takes_value else 1
    if at >= len(argv) or argv[at] != "search":
        return list(argv)
    options: list[str] = []
    words: list[str] = []
    rest = iter(argv[at + 1 :])
    for token in rest:
        if token == "--":
            words += rest  # the user's own `--`: everything after it is words already
        elif token.startswith("--") or token == "-h":
            options.append(token)
            # argparse accepts unambiguous abbreviations (--ent for --entity).
            if "=" not in token and any(o.startswith(token) for o in _SEARCH_VALUE_OPTIONS):
                value = next(rest, None)
                options += [] if value is None else [value]
        else:
            words.append(token)
    return [*argv[: at + 1], *options, *(["--", *words] if words else [])]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="monitor", description="Korean press monitoring.")
    parser.add_argument(
        "--config", help="config.toml to use (default: $MONITOR_CONFIG or ./config.toml)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Callable[[_App], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler, parser=p)
        return p

    p = command("run", _cmd_run, "one collection cycle over all sources")
    p.add_argument("--source", help="run only this source")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines, only failed sources")

    p = command("extract", _cmd_extract, "extraction only, no database")
    p.add_argument("targets", nargs="+", metavar="FILE_OR_URL")
    p.add_argument("--json", action="store_true", help="one JSON object per page")

    p = command("show", _cmd_show, "one stored article with its mentions, labels and story")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")

    p = command("search", _cmd_search, "search stored coverage")
    p.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help='words (all required), "exact phrase", -word to exclude',
    )
    for option, settings in _SEARCH_VALUE_OPTIONS.items():
        p.add_argument(option, **settings)
    p.add_argument("--all", action="store_true", help="include articles judged not relevant")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--reindex",
        action="store_true",
        help="analyse articles indexed by plain words with Kiwi (with --all: every article)",
    )

    p = command(
        "label", _cmd_label, "the team's correction of one article's relevance, topic or tone"
    )
    p.add_argument("id", type=int)
    verdict = p.add_mutually_exclusive_group()
    verdict.add_argument("--relevant", dest="relevant", action="store_true", default=None)
    verdict.add_argument("--irrelevant", dest="relevant", action="store_false")
    p.add_argument("--topic", help="a topic id from config.toml")
    p.add_argument("--tone", choices=("positive", "neutral", "negative"))
    p.add_argument("--note", help="why (an empty string removes the note)")
    p.add_argument("--clear", action="store_true", help="drop the team's label: classifiers decide")
    p.add_argument("--json", action="store_true")

    p = command("story", _cmd_story, "correct the grouping of syndicated copies")
    p.add_argument("action", choices=("merge", "split", "show"))
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.add_argument("--json", action="store_true")

    p = command(
        "ingest", _cmd_ingest, "put single pages (URLs or saved HTML files) through the pipeline"
    )
    p.add_argument("targets", nargs="+", metavar="URL_OR_FILE")
    p.add_argument(
        "--url", help="the web address of the one saved FILE given (when the page names none)"
    )
    p.add_argument("--json", action="store_true")

    p = command("reprocess", _cmd_reprocess, "re-run extraction and NLP over stored pages")
    p.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        type=_day_arg,
        help="articles published on or after this day",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true")

    p = command(
        "train", _cmd_train, "retrain relevance, topic and tone from the labelled set and labels"
    )
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="train only when no usable model exists (none, damaged, or out of date)",
    )
    p.add_argument("--json", action="store_true")

    p = command(
        "entities",
        _cmd_entities,
        "configured entities and their coverage; --suggest: new names worth configuring",
    )
    p.add_argument(
        "--suggest",
        action="store_true",
        help="proper nouns recurring in relevant articles that no entity covers yet",
    )
    p.add_argument(
        "--since", metavar="YYYY-MM-DD", type=_day_arg, help="articles published on or after"
    )
    p.add_argument(
        "--min-articles", type=int, metavar="N", help="seen in at least N articles (default 3)"
    )
    p.add_argument("--limit", type=int, metavar="N", help="at most N names (default 50; 0: all)")
    p.add_argument("--json", action="store_true")

    p = command("tally", _cmd_tally, "coverage counts for a period")
    p.add_argument(
        "--period",
        type=_period_arg,
        help="2024, 2024H2, 2024Q3, 2024-11, 2024-11-27, 2024-W48, a..b",
    )
    p.add_argument("--by", choices=store.TALLY_DIMENSIONS, default="entity")
    p.add_argument("--format", choices=TALLY_FORMATS, help="default: table")
    p.add_argument("--out", metavar="PATH", help="write to this file (required for xlsx)")
    p.add_argument("--json", action="store_true", help="same as --format json")

    p = command("report", _cmd_report, "the press figures of a pledge-progress report for a period")
    p.add_argument(
        "--period",
        required=True,
        type=_period_arg,
        help="2024, 2024H2, 2024Q3, 2024-11, 2024-W48, a..b ...",
    )
    p.add_argument("--format", choices=REPORT_FORMATS, help="default: table")
    p.add_argument("--out", metavar="PATH", help="write to this file (required for xlsx)")
    p.add_argument("--json", action="store_true", help="same as --format json")

    p = command("digest", _cmd_digest, "the daily digest")
    window = p.add_mutually_exclusive_group()
    window.add_argument(
        "--date", metavar="YYYY-MM-DD", type=_day_arg, help="stories published on this KST day"
    )
    window.add_argument(
        "--since-last", action="store_true", help="what was collected since the last digest sent"
    )
    p.add_argument("--format", choices=DIGEST_FORMATS, help="default: md")
    p.add_argument("--out", metavar="PATH", help="write it to this file instead of stdout")
    p.add_argument(
        "--send",
        action="store_true",
        help="mail it (text and HTML) to [smtp] recipients; stdout stays empty",
    )
    p.add_argument("--json", action="store_true", help="same as --format json")

    p = command("sources", _cmd_sources, "each source's health")
    p.add_argument(
        "--outlets",
        action="store_true",
        help="extraction health per outlet instead: short bodies and the winning method",
    )
    p.add_argument("--json", action="store_true")

    p = command(
        "schedule",
        _cmd_schedule,
        "run the collection and digest jobs of [schedule] in the foreground",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="run the jobs whose cron fired since they last ran, then exit (for cron users)",
    )
    p.add_argument(
        "--verbose", "-v", action="store_true", help="collection progress and tracebacks in the log"
    )

    p = command("backfill", _cmd_backfill, "collect past coverage from sources that can go back")
    p.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="back to this KST day")
    p.add_argument("--source", help="backfill only this source")
    p.add_argument(
        "--restart", action="store_true", help="walk again from today, even finished sources"
    )
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar or lines")

    p = command("import", _cmd_import, "import the team's clipping sheet (xlsx or csv)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--sheet", metavar="NAME", help="the xlsx sheet to read (default: the first)")
    p.add_argument(
        "--dry-run", action="store_true", help="show what would change and change nothing"
    )
    p.add_argument("--json", action="store_true")

    p = command("add", _cmd_add, "add one print or broadcast item that has no URL")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--outlet", required=True, help="the outlet's name, as in [[outlets]]")
    p.add_argument("--title", required=True)
    p.add_argument("--medium", required=True, choices=("print", "broadcast"))
    p.add_argument(
        "--entity", action="append", metavar="ID", help="a tracked entity id (repeatable)"
    )
    p.add_argument("--topic", help="a topic id from config.toml (default: the classifier's)")
    p.add_argument("--note", help="a remark kept with the item (page, programme ...)")
    p.add_argument("--json", action="store_true")

    p = command("demo", _cmd_demo, "serve the bundled sample site on loopback and run the pipeline")
    p.add_argument("--db", metavar="PATH", help="keep the demo database here (default: a temp dir)")
    p.add_argument(
        "--port", type=int, default=DEMO_PORT, help=f"port of every outlet (default {DEMO_PORT})"
    )
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")

    p = command("web", _cmd_web, "the team's read-only web page on 127.0.0.1")
    p.add_argument("--port", type=int, help="TCP port (default: [web] port, 8080; 0: a free one)")
    p.add_argument(
        "--host",
        help="address to listen on (default: [web] host, 127.0.0.1); "
        "a non-loopback address only when given here",
    )
    return parser


def _reason(exc: BaseException) -> str:
    from monitor.errors import describe_error

    return describe_error(exc)


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    clock: Clock = _now,
    kiwi: Kiwi | None = None,
) -> int:
    """Run one command; 0 on success, 1 on a user error (one line on stderr), 2 on usage errors."""
    parser = build_parser()
    args = parser.parse_args(_search_words_last(sys.argv[1:] if argv is None else argv))
    if getattr(args, "json", False) and getattr(args, "format", None) not in (None, "json"):
        args.parser.error("--json is --format json: give one of them")
    app = _App(args, dict(os.environ if environ is None else environ), clock, kiwi)
    try:
        return int(args.handler(app))
    except BrokenPipeError:
        # The reader went away (`monitor ... | head`): stop quietly, like any Unix filter.
        _silence_stdout()
        return 0
    except (MonitorError, StorageError, NlpError, ScrapeError) as exc:
        _err(f"monitor: error: {_reason(exc)}")
        return 1
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _err(f"monitor: error: {exc.strerror or exc}{where}")
        return 1
    except KeyboardInterrupt:
        _err("monitor: interrupted")
        return 130
    finally:
        app.close()


def _silence_stdout() -> None:
    """Point stdout at the null device, so flushing it at exit cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # a stream without a descriptor (a test's capture) has nothing left to flush
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


if __name__ == "__main__":
    sys.exit(main())
