"""The Naver News search API source: paged JSON results turned into candidate entries.

The API has no date filter: going back means paging through results sorted by date.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from scrapers._errors import BudgetExhausted, FetchError, SourceError, SourceSkipped
from scrapers._records import BackfillStep, FeedEntry, SourceResult, SourceSpec
from scrapers.fetch import Fetcher

__all__ = ["collect_naver_news", "walk_naver_news"]

KST = ZoneInfo("Asia/Seoul")
NAVER_API_URL = "https://openapi.naver.com"
_DISPLAY = 100  # the API's largest page
_MAX_START = 1000  # the API refuses start beyond this
_TAG_RE = re.compile(r"<[^>]+>")


def collect_naver_news(
    spec: SourceSpec,
    fetcher: Fetcher,
    *,
    since: datetime | None,
    environ: Mapping[str, str],
) -> SourceResult:
    """Page through the Naver News search API (newest first) until short page, limit or `since`."""
    endpoint, headers = _api_access(spec, environ)
    entries: list[FeedEntry] = []
    problems: list[tuple[str, str]] = []
    notes: list[str] = []
    seen: set[str] = set()
    for page in range(max(1, spec.max_pages)):
        start = 1 + page * _DISPLAY
        if start > _MAX_START:
            notes.append("stopped at Naver's 1,000-result limit")
            break
        try:
            items = _fetch_items(spec, fetcher, _page_url(spec, endpoint, start), headers)
        except _BudgetSpent as spent:
            if page == 0:
                raise SourceError(spec.name, spent.reason) from spent
            notes.append(f"stopped after {page} pages: {spent.reason}")
            break
        before = len(entries)
        reached_since = _add_items(spec, fetcher, items, since, seen, entries, problems)
        if reached_since or len(items) < _DISPLAY:
            break
        page_urls = [e.url for e in entries[before:]]
        known = fetcher.state.known_urls(page_urls)
        if known:
            # Newest first: once stored items show up, the rest were read by an earlier run.
            notes.append(f"stopped after page {page + 1}: {len(known)} of its items already stored")
            break
    return SourceResult(spec.name, tuple(entries), tuple(problems), notes=tuple(notes))


def walk_naver_news(
    spec: SourceSpec,
    fetcher: Fetcher,
    *,
    since: datetime,
    position: Mapping[str, Any],
    environ: Mapping[str, str],
) -> Iterator[BackfillStep]:
    """Backfill: one step per result page (100 items, newest first) from the stored `start`
    until items are older than `since`; the API's 1,000-result limit ends the walk with a warning
    (older items cannot be reached through it). Credentials are checked before any request.

    A resumed walk asks for the stored offset again: articles published since then push items
    down the list, so a few are seen twice (and dropped as known), never skipped.
    """
    endpoint, headers = _api_access(spec, environ)
    start = position.get("start", 1)
    if not isinstance(start, int) or not 1 <= start <= _MAX_START + _DISPLAY:
        raise SourceError(spec.name, f"bad stored backfill position {dict(position)!r}")
    return _walk_pages(spec, fetcher, since, start, endpoint, headers)


def _walk_pages(
    spec: SourceSpec,
    fetcher: Fetcher,
    since: datetime,
    start: int,
    endpoint: str,
    headers: Mapping[str, str],
) -> Iterator[BackfillStep]:
    """The pages of `walk_naver_news`, fetched one at a time as the caller asks."""
    pages_total = _MAX_START // _DISPLAY
    seen: set[str] = set()
    while True:
        page_no = (start - 1) // _DISPLAY + 1
        label = f"results {start}-{start + _DISPLAY - 1}"
        if start > _MAX_START:
            # A walk stopped right at the limit: nothing more can be asked for.
            cursor = _cursor(start)
            yield BackfillStep(
                spec.name,
                label,
                cursor,
                None,
                final=True,
                units_done=pages_total,
                units_total=pages_total,
            )
            return
        try:
            items = _fetch_items(spec, fetcher, _page_url(spec, endpoint, start), headers)
        except SourceError as error:
            yield BackfillStep(spec.name, label, _cursor(start), None, error=error.reason)
            return
        entries: list[FeedEntry] = []
        problems: list[tuple[str, str]] = []
        reached_since = _add_items(spec, fetcher, items, since, seen, entries, problems)
        ended = reached_since or len(items) < _DISPLAY
        warnings: tuple[str, ...] = ()
        if not ended and start + _DISPLAY > _MAX_START:
            ended = True
            dates = [e.published_at for e in entries if e.published_at is not None]
            reached = f" (items back to {min(dates).date().isoformat()})" if dates else ""
            warnings = (
                f"Naver's 1,000-result limit reached before {since.date().isoformat()}{reached}: "
                "older items cannot be reached through the API",
            )
        yield BackfillStep(
            spec.name,
            label,
            _cursor(start + _DISPLAY),
            SourceResult(spec.name, tuple(entries), tuple(problems)),
            warnings=warnings,
            units_done=page_no if not ended else pages_total,
            units_total=pages_total,
            final=ended,
        )
        if ended:
            return
        start += _DISPLAY


def _cursor(start: int) -> str:
    """The stored position of a Naver walk: the next result offset to ask for."""
    return json.dumps({"kind": "naver_news", "start": start}, separators=(",", ":"))


def _api_access(spec: SourceSpec, environ: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The search endpoint and credential headers; SourceSkipped without credentials or query."""
    client_id = environ.get(spec.client_id_env)
    client_secret = environ.get(spec.client_secret_env)
    if not client_id or not client_secret:
        raise SourceSkipped(
            spec.name,
            f"no Naver credentials: set {spec.client_id_env} and {spec.client_secret_env}",
        )
    if not spec.query:
        raise SourceSkipped(spec.name, "no query configured")
    headers = {"X-Naver-Client-Id": client_id, "X-Naver-Client-Secret": client_secret}
    endpoint = (spec.base_url or NAVER_API_URL).rstrip("/") + "/v1/search/news.json"
    return endpoint, headers


def _page_url(spec: SourceSpec, endpoint: str, start: int) -> str:
    """One result page of the search, newest first."""
    params = {"query": spec.query or "", "display": _DISPLAY, "start": start, "sort": "date"}
    return f"{endpoint}?{urlencode(params)}"


def _add_items(
    spec: SourceSpec,
    fetcher: Fetcher,
    items: list[dict[str, Any]],
    since: datetime | None,
    seen: set[str],
    entries: list[FeedEntry],
    problems: list[tuple[str, str]],
) -> bool:
    """Add a page's items newer than `since` to `entries`; whether an older one was met."""
    reached_since = False
    for item in items:
        entry = _entry_from_item(spec, fetcher, item)
        if isinstance(entry, tuple):
            problems.append(entry)
            continue
        if since is not None and entry.published_at is not None and entry.published_at < since:
            # Results are sorted newest first, so everything after this is older still.
            reached_since = True
            continue
        if entry.url not in seen:
            seen.add(entry.url)
            entries.append(entry)
    return reached_since


def _fetch_items(
    spec: SourceSpec, fetcher: Fetcher, url: str, headers: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One API page's items, with HTTP failures translated into clear SourceErrors."""
    try:
        fetched = fetcher.fetch(url, headers=headers, crawl=False, api="naver")
    except BudgetExhausted as error:
        raise _BudgetSpent(
            spec.name, f"{error.reason}: the next run carries on (fetch.naver_daily_calls)"
        ) from error
    except FetchError as error:
        if error.reason in ("HTTP 401", "HTTP 403"):
            raise SourceError(
                spec.name, f"Naver API rejected the credentials ({error.reason})"
            ) from error
        if error.reason == "HTTP 429":
            raise SourceError(spec.name, "Naver API daily quota exhausted") from error
        raise SourceError(spec.name, f"Naver API request failed: {error.reason}") from error
    try:
        payload = json.loads(fetched.body.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise SourceError(spec.name, f"Naver API returned invalid JSON: {error}") from error
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise SourceError(spec.name, "Naver API response has no items list")
    return [item for item in items if isinstance(item, dict)]


def _entry_from_item(
    spec: SourceSpec, fetcher: Fetcher, item: Mapping[str, Any]
) -> FeedEntry | tuple[str, str]:
    """Turn one API item into an entry, or a (url, reason) problem when it has no usable link."""
    # originallink is the publisher's URL; it is sometimes empty, and then the Naver copy will do.
    original = str(item.get("originallink") or "").strip()
    portal = str(item.get("link") or "").strip()
    link = original or portal
    if not link:
        return (spec.name, "Naver item without link")
    try:
        canonical = fetcher.canonicalize(link)
    except FetchError as error:
        return (link, error.reason)
    if original and portal:
        # A publisher that is down or has moved the page: its Naver copy is the same article.
        fetcher.add_alternate(canonical, portal)
    return FeedEntry(
        url=canonical,
        source=spec.name,
        title=clean_naver_text(str(item.get("title") or "")) or None,
        published_at=_parse_pub_date(str(item.get("pubDate") or "")),
        outlet=spec.outlet,  # the API names no outlet
        summary=clean_naver_text(str(item.get("description") or "")) or None,
        role=spec.role,
    )


class _BudgetSpent(SourceError):
    """The daily API budget ran out; entries already read stay good."""


def clean_naver_text(text: str) -> str:
    """Strip the API's <b> highlight tags (and any other markup) and decode HTML entities."""
    return " ".join(html.unescape(_TAG_RE.sub("", text)).split())


def _parse_pub_date(raw: str) -> datetime | None:
    """The item's RFC 822 pubDate as an aware datetime (KST when it carries no zone)."""
    if not raw.strip():
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=KST)
