"""Sources: turn a configured SourceSpec into candidate FeedEntry records, now or back in time.

`collect_source` reads what a source offers today; `backfill_source` walks a source back to a
date, one window at a time (Google News date windows, Naver result pages, sitemap files, listing
pages), so the caller can store each window before asking for the next and resume where it left.
"""

from __future__ import annotations

import calendar
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import feedparser
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from scrapers._decode import decode_markup, utf8_xml_bytes
from scrapers._errors import FetchError, SourceError, SourceSkipped
from scrapers._google import split_google_title
from scrapers._naver import collect_naver_news, walk_naver_news
from scrapers._records import BackfillStep, FeedEntry, SourceResult, SourceSpec
from scrapers._sitemap import collect_sitemap, walk_sitemap
from scrapers.fetch import Fetcher
from scrapers.urls import canonicalize_url

__all__ = [
    "BACKFILL_KINDS",
    "BackfillStep",
    "backfill_source",
    "backfill_unsupported",
    "collect_source",
    "is_valid_selector",
]

KST = ZoneInfo("Asia/Seoul")
_GOOGLE_NEWS_URL = "https://news.google.com/rss/search"
_DATE_RE = re.compile(r"(20\d\d)[.\-/년]\s*(\d{1,2})[.\-/월]\s*(\d{1,2})")
_DATE_TIME_RE = re.compile(
    r"((?:19|20)\d\d)\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})(?:\s*일)?"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_DOTTED_DATE_RE = re.compile(r"\s*(?:19|20)\d\d\s*[./년]")
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?")
_ZONE_RE = re.compile(r"(?:Z\b|[+-]\d{2}:?\d{2}\b|[A-Za-z]{1,5}\b)")
_DAY = timedelta(days=1)
# Google News answers a search with at most ~100 items and no paging: a window that comes back
# this full was probably cut off, so it is split and asked again (a little below 100 because the
# feed drops a few duplicates after cutting).
GOOGLE_NEWS_CAP_ITEMS = 95
_DATE_OPERATOR_RE = re.compile(r"\b(?:after|before|when):\S+", re.IGNORECASE)
_NEXT_LINK = 'link[rel~="next"], a[rel~="next"]'

# The kinds that can go back in time, and why the others cannot.
BACKFILL_KINDS = ("google_news", "naver_news", "sitemap", "listing")
_NO_BACKFILL = {
    "rss": "an RSS feed holds only its latest items: there is nothing to go back through",
}


def collect_source(
    spec: SourceSpec,
    fetcher: Fetcher,
    *,
    since: datetime | None = None,
    environ: Mapping[str, str] = os.environ,
) -> SourceResult:
    """Run one source and return the entries it found (newer than `since` when given)."""
    if spec.kind == "rss":
        return _collect_feed(spec, fetcher, _require_url(spec), since, strip_outlet=False)
    if spec.kind == "google_news":
        url = _google_news_url(spec, since)
        return _collect_feed(spec, fetcher, url, since, strip_outlet=True)
    if spec.kind == "naver_news":
        return collect_naver_news(spec, fetcher, since=since, environ=environ)
    if spec.kind == "sitemap":
        return collect_sitemap(spec, fetcher, since=since)
    if spec.kind == "listing":
        return _collect_listing(spec, fetcher, since)
    raise SourceSkipped(spec.name, f"unsupported source kind {spec.kind!r}")


def _require_url(spec: SourceSpec) -> str:
    """The spec's URL, or SourceSkipped when it has none."""
    if not spec.url:
        raise SourceSkipped(spec.name, "no url configured")
    return spec.url


def _google_news_url(spec: SourceSpec, since: datetime | None) -> str:
    """Build the Google News RSS search URL for a spec."""
    if spec.url:
        return spec.url
    query = spec.query or ""
    if since is not None:
        query += f" after:{(since - timedelta(days=1)).date().isoformat()}"
    params = {"q": query.strip(), "hl": "ko", "gl": "KR", "ceid": "KR:ko"}
    return f"{spec.base_url or _GOOGLE_NEWS_URL}?{urlencode(params)}"


def _fetch_text(spec: SourceSpec, fetcher: Fetcher, url: str, *, conditional: bool = False) -> str:
    """Fetch a source document and decode it, turning fetch failure into SourceError; with
    `conditional`, None when the server says it has not changed since the last full read."""
    text = _fetch_feed_text(spec, fetcher, url, conditional=conditional)
    if text is None:
        raise SourceError(spec.name, "HTTP 304 to a request that was not conditional")
    return text


def _fetch_feed_text(
    spec: SourceSpec, fetcher: Fetcher, url: str, *, conditional: bool
) -> str | None:
    """`_fetch_text`, with None for a 304 Not Modified."""
    try:
        fetched = fetcher.fetch(url, feed_of=spec.name if conditional else None)
    except FetchError as error:
        raise SourceError(spec.name, error.reason) from error
    if fetched.status == 304:
        return None
    return decode_markup(fetched.body, fetched.charset)


def _entry_time(entry: Any) -> datetime | None:
    """The entry's published (or updated) time as an aware datetime; zone-less means KST."""
    for key in ("published", "updated"):
        # Plain dict access: FeedParserDict.get() warns when it maps updated onto published.
        raw = dict.get(entry, key)
        parsed = dict.get(entry, f"{key}_parsed")
        if isinstance(raw, str) and _DOTTED_DATE_RE.match(raw):
            # feedparser misreads "2026.11.21 09:30" (Korean boards' form) as another date.
            parsed = None
        if parsed:
            if isinstance(raw, str) and not has_zone(raw):
                # feedparser reads a zone-less date as UTC; Korean feeds mean local time.
                year, month, day, hour, minute, second = parsed[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=KST)
            return datetime.fromtimestamp(calendar.timegm(parsed), KST)
        if isinstance(raw, str) and raw.strip():
            loose = parse_loose_date(raw)
            if loose is not None:
                return loose
    return None


def has_zone(raw: str) -> bool:
    """Whether a feed date string names its time zone (an offset, Z, or a zone name)."""
    clock = _CLOCK_RE.search(raw)
    if clock is None:
        return False  # a bare date carries no zone
    rest = raw[clock.end() :].strip()
    return bool(rest) and bool(_ZONE_RE.match(rest))


def parse_loose_date(raw: str) -> datetime | None:
    """Parse dates feedparser cannot (zone-less RFC 822, "2026.11.20 09:30"); no zone means KST."""
    try:
        rfc822 = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        rfc822 = None
    if rfc822 is not None:
        return rfc822 if rfc822.tzinfo is not None else rfc822.replace(tzinfo=KST)
    match = _DATE_TIME_RE.search(raw)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    hour = int(match.group(4) or 0)
    minute = int(match.group(5) or 0)
    second = int(match.group(6) or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=KST)
    except ValueError:
        return None


def _collect_feed(
    spec: SourceSpec, fetcher: Fetcher, url: str, since: datetime | None, *, strip_outlet: bool
) -> SourceResult:
    """Parse an RSS/Atom feed into entries; none, marked not modified, on a 304."""
    result, _count = _read_feed(
        spec, fetcher, url, since, strip_outlet=strip_outlet, conditional=True
    )
    return result


def _read_feed(
    spec: SourceSpec,
    fetcher: Fetcher,
    url: str,
    since: datetime | None,
    *,
    strip_outlet: bool,
    conditional: bool = False,
) -> tuple[SourceResult, int]:
    """Fetch and parse a feed; its entries newer than `since`, and how many items it held."""
    text = _fetch_feed_text(spec, fetcher, url, conditional=conditional)
    if text is None:
        return SourceResult(spec.name, (), not_modified=True), 0
    if not text.strip():
        raise SourceError(spec.name, "empty feed (no content)")
    # feedparser trusts the declared charset (often a wrong euc-kr); hand it UTF-8 it can trust.
    parsed = feedparser.parse(utf8_xml_bytes(text))
    if not parsed.entries and parsed.bozo:
        raise SourceError(spec.name, f"malformed feed: {parsed.get('bozo_exception')}")
    if not parsed.entries and not parsed.get("version"):
        # A login wall, a bot challenge or a redesign's new home page where the feed was.
        title = _page_title(text)
        raise SourceError(
            spec.name, "not an RSS or Atom feed" + (f" (page {title!r})" if title else "")
        )
    feed_title = parsed.feed.get("title") or None
    entries: list[FeedEntry] = []
    problems: list[tuple[str, str]] = []
    if parsed.bozo:
        # A feed cut short or broken halfway: the items before the break still count.
        reason = f"malformed feed after {len(parsed.entries)} items: {parsed.get('bozo_exception')}"
        problems.append((url, reason))
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            problems.append((url, "entry without link"))
            continue
        try:
            canonical = fetcher.canonicalize(link, url)
        except FetchError as error:
            problems.append((link, error.reason))
            continue
        published = _entry_time(item)
        if since is not None and published is not None and published < since:
            continue
        title = item.get("title") or None
        outlet = spec.outlet or feed_title
        if strip_outlet:
            source = item.get("source") or {}
            title, outlet = split_google_title(title, source.get("title") or None)
        content = item.get("content") or []
        entries.append(
            FeedEntry(
                url=canonical,
                source=spec.name,
                title=title,
                published_at=published,
                outlet=outlet,
                summary=item.get("summary") or None,
                content_html=content[0].get("value") if content else None,
                role=spec.role,
            )
        )
    return SourceResult(spec.name, tuple(entries), tuple(problems)), len(parsed.entries)


def _page_title(text: str) -> str | None:
    """The <title> of an HTML page, shortened, for saying what came instead of a feed."""
    match = re.search(r"<title[^>]*>([^<]{1,200})", text, re.IGNORECASE)
    return " ".join(match.group(1).split())[:60] if match else None


@dataclass(frozen=True)
class _ListingPage:
    """One page of a listing: every entry on it (not yet cut by date) and the next page's URL."""

    entries: tuple[FeedEntry, ...]
    problems: tuple[tuple[str, str], ...]
    next_url: str | None


def _collect_listing(spec: SourceSpec, fetcher: Fetcher, since: datetime | None) -> SourceResult:
    """Read a listing's anchors (by CSS selector) as entries, following up to `max_pages` pages
    while pages bring new links and (with `since`) not every dated link is older than it."""
    url: str | None = _require_url(spec)
    entries: dict[str, FeedEntry] = {}
    problems: list[tuple[str, str]] = []
    for page_no in range(1, max(1, spec.max_pages) + 1):
        if url is None:
            break
        page = _read_listing_page(spec, fetcher, url, page_no)
        problems.extend(page.problems)
        fresh = [e for e in page.entries if e.url not in entries]
        if not fresh:
            break  # an empty page, or the last page served again: past the end
        for entry in fresh:
            if not _older_than(entry, since):
                entries[entry.url] = entry
        if since is not None and _all_dated_older(page.entries, since):
            break
        url = page.next_url
    return SourceResult(spec.name, tuple(entries.values()), tuple(problems))


def _read_listing_page(spec: SourceSpec, fetcher: Fetcher, url: str, page_no: int) -> _ListingPage:
    """Fetch one listing page: its article links (with a nearby date) and the next page's URL."""
    tree = LexborHTMLParser(_fetch_text(spec, fetcher, url))
    try:
        nodes = tree.css(spec.selector or "a")
    except SelectolaxError as error:
        raise SourceError(spec.name, f"bad CSS selector {spec.selector!r}") from error
    entries: dict[str, FeedEntry] = {}
    problems: list[tuple[str, str]] = []
    for node in nodes:
        anchor = node if node.tag == "a" else node.css_first("a")
        if anchor is None or not anchor.attributes.get("href"):
            continue
        href = anchor.attributes.get("href") or ""
        try:
            canonical = fetcher.canonicalize(href, url)
        except FetchError as error:
            problems.append((href, error.reason))
            continue
        if canonical in entries:
            continue
        entries[canonical] = FeedEntry(
            url=canonical,
            source=spec.name,
            title=anchor.text(strip=True) or None,
            published_at=_nearby_date(anchor),
            outlet=spec.outlet,
            role=spec.role,
        )
    next_url = _next_page_url(spec, tree, url, page_no)
    return _ListingPage(tuple(entries.values()), tuple(problems), next_url)


def _next_page_url(spec: SourceSpec, tree: LexborHTMLParser, url: str, page_no: int) -> str | None:
    """The next listing page: `page_param` set to the next number on the configured URL, else
    the `next_selector` link, else the page's own rel="next" link; None on the last page."""
    if spec.page_param:
        return _with_query_param(spec.url or url, spec.page_param, str(page_no + 1))
    try:
        node = tree.css_first(spec.next_selector or _NEXT_LINK)
    except SelectolaxError as error:
        raise SourceError(spec.name, f"bad CSS selector {spec.next_selector!r}") from error
    if node is not None and node.tag not in ("a", "link"):
        node = node.css_first("a")
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    if not href or href.startswith(("#", "javascript:")):
        return None  # script-driven pagers cannot be followed: configure page_param instead
    try:
        next_url = canonicalize_url(href, url)
    except FetchError:
        return None
    return None if next_url == canonicalize_url(url) else next_url


def _with_query_param(url: str, name: str, value: str) -> str:
    """`url` with query parameter `name` set to `value` (replacing any it had)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))


def _older_than(entry: FeedEntry, since: datetime | None) -> bool:
    """Whether the entry is dated before `since` (undated entries are never too old)."""
    return since is not None and entry.published_at is not None and entry.published_at < since


def _all_dated_older(entries: tuple[FeedEntry, ...], since: datetime) -> bool:
    """Whether a page has dated entries and every one of them is older than `since`."""
    dated = [e for e in entries if e.published_at is not None]
    return bool(dated) and all(_older_than(e, since) for e in dated)


def is_valid_selector(selector: str) -> bool:
    """Whether the HTML parser accepts `selector` as CSS (config validation uses it)."""
    try:
        LexborHTMLParser("<html></html>").css(selector)
    except SelectolaxError:
        return False
    return True


def _nearby_date(anchor: Any) -> datetime | None:
    """A date written in the anchor's row (its parent or grandparent), if any."""
    node = anchor.parent
    for _ in range(2):
        if node is None:
            return None
        match = _DATE_RE.search(node.text(separator=" "))
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime(year, month, day, tzinfo=KST)
            except ValueError:
                return None
        node = node.parent
    return None


# --- backfill: walking a source back in time, one window at a time ------------------------------


def backfill_unsupported(spec: SourceSpec) -> str | None:
    """Why this source cannot go back in time, or None when `backfill_source` can walk it."""
    if spec.kind in _NO_BACKFILL:
        return _NO_BACKFILL[spec.kind]
    if spec.kind not in BACKFILL_KINDS:
        return f"{spec.kind} sources cannot go back in time"
    if spec.kind == "google_news" and not _google_news_query(spec):
        return "no query to search by date"
    return None


def backfill_source(
    spec: SourceSpec,
    fetcher: Fetcher,
    *,
    since: datetime,
    until: date,
    cursor: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Iterator[BackfillStep]:
    """Walk a source back to `since`, newest window first, yielding one BackfillStep per window.

    The walk is lazy: nothing is fetched for a window until the caller asks for it, so the
    caller stores each window (then its `cursor`) before the next one is read, and a walk
    started again with the last stored cursor carries on after it. Per kind:

    - google_news: `after:`/`before:` searches of `backfill_window_days` days (7 by default)
      from `until` back to `since`; a window answered with the ~100-item cap is halved and asked
      again (a single capped day is kept with a warning: the rest of that day is out of reach).
    - naver_news: result pages of 100 sorted by date, until items are older than `since`; the
      API stops at 1,000 results, and reaching it first is a warning.
    - sitemap: the leaf sitemaps of an index (indexes of indexes too), newest `lastmod` first,
      skipping those last modified before `since`; a failed one is retried on the next walk.
    - listing: pages (`page_param`, `next_selector` or rel="next") until a page's dated links
      are all older than `since`, the board ends, or `backfill_max_pages` pages (a warning).

    Raises SourceSkipped when the source cannot go back (see `backfill_unsupported`) or cannot
    run (no Naver credentials), SourceError when its stored cursor does not fit it. A window that
    fails is yielded with `error` set (its cursor unchanged); sequential walks end there.
    """
    reason = backfill_unsupported(spec)
    if reason is not None:
        raise SourceSkipped(spec.name, reason)
    position = _read_cursor(spec, cursor)
    if spec.kind == "google_news":
        _position_day(spec, position, until)  # a bad stored position fails now, not mid-walk
        return _walk_google_news(spec, fetcher, since, until, position)
    if spec.kind == "naver_news":
        return walk_naver_news(spec, fetcher, since=since, position=position, environ=environ)
    if spec.kind == "sitemap":
        return walk_sitemap(spec, fetcher, since=since, position=position)
    _require_url(spec)
    _position_page(spec, position)
    return _walk_listing(spec, fetcher, since, position)


def _read_cursor(spec: SourceSpec, cursor: str | None) -> dict[str, Any]:
    """The stored position of a walk ({} to start from the newest), checked against the spec."""
    if not cursor:
        return {}
    try:
        position = json.loads(cursor)
    except json.JSONDecodeError:
        position = None
    if not isinstance(position, dict) or position.get("kind") != spec.kind:
        raise SourceError(
            spec.name,
            f"the stored backfill position {cursor!r} does not fit this {spec.kind} source",
        )
    return position


def _cursor(kind: str, **position: Any) -> str:
    """Encode a walk position for storage (compact JSON naming the source kind)."""
    return json.dumps({"kind": kind, **position}, ensure_ascii=False, separators=(",", ":"))


def _google_news_query(spec: SourceSpec) -> str:
    """The search terms: `query`, else the `q` of a configured URL; date operators removed."""
    query = spec.query or ""
    if not query and spec.url:
        query = dict(parse_qsl(urlsplit(spec.url).query)).get("q", "")
    return " ".join(_DATE_OPERATOR_RE.sub(" ", query).split())


def google_news_window_url(spec: SourceSpec, first: date, last: date) -> str:
    """The Google News RSS search for the days `first`..`last`, both included.

    `after:` and `before:` are exclusive bounds, hence a day of slack on each side. The next
    older window's `before:` is the day after this one's `after:`, so the windows meet (or
    overlap, if Google ever reads a bound as inclusive) whatever zone its day boundaries are in:
    no item falls between two windows, and one seen twice is dropped as already stored.
    """
    q = f"{_google_news_query(spec)} after:{(first - _DAY).isoformat()}"
    q += f" before:{(last + _DAY).isoformat()}"
    if spec.url:
        parts = urlsplit(spec.url)
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "q"]
        return urlunsplit(parts._replace(query=urlencode([("q", q), *kept])))
    params = {"q": q, "hl": "ko", "gl": "KR", "ceid": "KR:ko"}
    return f"{spec.base_url or _GOOGLE_NEWS_URL}?{urlencode(params)}"


def _window_label(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def _position_day(spec: SourceSpec, position: Mapping[str, Any], until: date) -> date:
    """The newest day a Google News walk has still to ask for."""
    try:
        return date.fromisoformat(str(position.get("next_end", until.isoformat())))
    except ValueError:
        raise SourceError(spec.name, f"bad stored backfill position {dict(position)!r}") from None


def _position_page(spec: SourceSpec, position: Mapping[str, Any]) -> tuple[int, str]:
    """The next listing page a walk has to read: its number and URL."""
    page_no = position.get("page", 1)
    url = position.get("url") or spec.url
    if not isinstance(page_no, int) or page_no < 1 or not isinstance(url, str):
        raise SourceError(spec.name, f"bad stored backfill position {dict(position)!r}")
    return page_no, url


def _walk_google_news(
    spec: SourceSpec, fetcher: Fetcher, since: datetime, until: date, position: Mapping[str, Any]
) -> Iterator[BackfillStep]:
    """Date windows from `until` (or the stored `next_end`) back to `since`, newest first."""
    first_day = since.astimezone(KST).date()
    end = _position_day(spec, position, until)
    total_days = max(1, (until - first_day).days + 1)
    window_days = max(1, spec.backfill_window_days)
    if end < first_day:
        yield BackfillStep(
            spec.name,
            "nothing left",
            _cursor(spec.kind, next_end=end.isoformat()),
            None,
            units_done=total_days,
            units_total=total_days,
            final=True,
        )
        return
    while end >= first_day:
        start = max(first_day, end - timedelta(days=window_days - 1))
        windows = [(start, end)]  # a stack: the newer half of a split window on top
        while windows:
            first, last = windows.pop()
            label = _window_label(first, last)
            url = google_news_window_url(spec, first, last)
            try:
                result, count = _read_feed(spec, fetcher, url, since, strip_outlet=True)
            except SourceError as error:
                cursor = _cursor(spec.kind, next_end=last.isoformat())
                yield BackfillStep(spec.name, label, cursor, None, error=error.reason)
                return
            if count >= GOOGLE_NEWS_CAP_ITEMS and first < last:
                middle = first + (last - first) // 2
                windows += [(first, middle), (middle + _DAY, last)]
                continue
            warnings: tuple[str, ...] = ()
            if count >= GOOGLE_NEWS_CAP_ITEMS:
                warnings = (
                    f"{label}: Google News returned its ~100-item cap for a single day; "
                    "more items of that day may exist than a search can reach",
                )
            yield BackfillStep(
                spec.name,
                label,
                _cursor(spec.kind, next_end=(first - _DAY).isoformat()),
                result,
                warnings=warnings,
                units_done=min(total_days, (until - first).days + 1),
                units_total=total_days,
                final=first == first_day and not windows,
            )
        end = start - _DAY


def _walk_listing(
    spec: SourceSpec, fetcher: Fetcher, since: datetime, position: Mapping[str, Any]
) -> Iterator[BackfillStep]:
    """Listing pages from the first (or the stored next page) until they are older than `since`."""
    page_no, url = _position_page(spec, position)
    cap = max(1, spec.backfill_max_pages)
    seen: set[str] = set()
    while True:
        cursor = _cursor(spec.kind, page=page_no, url=url)
        if page_no > cap:
            warning = (
                f"stopped after {cap} pages (backfill_max_pages) before reaching "
                f"{since.date().isoformat()}: raise it to go further back"
            )
            yield BackfillStep(
                spec.name,
                f"page {page_no}",
                cursor,
                None,
                warnings=(warning,),
                units_done=cap,
                units_total=cap,
            )
            return
        label = f"page {page_no}"
        try:
            page = _read_listing_page(spec, fetcher, url, page_no)
        except SourceError as error:
            yield BackfillStep(spec.name, label, cursor, None, error=error.reason)
            return
        if not page.entries and page_no == 1:
            # A first page without links is a changed site or a wrong selector, not the end.
            reason = f"no links match the selector {spec.selector!r} on the first page"
            yield BackfillStep(spec.name, label, cursor, None, error=reason)
            return
        fresh = [e for e in page.entries if e.url not in seen]
        seen.update(e.url for e in fresh)
        # Past the board's end a site serves an empty page or its last page again; pinned
        # notices repeat on every page, so only links not seen yet show there is more.
        ended = not fresh or page.next_url is None or _all_dated_older(page.entries, since)
        kept = tuple(e for e in fresh if not _older_than(e, since))
        next_cursor = _cursor(spec.kind, page=page_no + 1, url=page.next_url or url)
        yield BackfillStep(
            spec.name,
            label,
            next_cursor,
            SourceResult(spec.name, kept, page.problems),
            units_done=page_no,
            units_total=page_no if ended else cap,
            final=ended,
        )
        if ended or page.next_url is None:
            return
        page_no, url = page_no + 1, page.next_url
