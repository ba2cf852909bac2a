"""Sources: turn a configured SourceSpec into candidate FeedEntry records."""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import feedparser
from selectolax.lexbor import LexborHTMLParser

from scrapers._decode import decode_markup, utf8_xml_bytes
from scrapers._errors import FetchError, SourceError, SourceSkipped
from scrapers._google import resolve_google_news_link
from scrapers._naver import collect_naver_news
from scrapers._records import FeedEntry, SourceResult, SourceSpec
from scrapers._sitemap import collect_sitemap
from scrapers.fetch import Fetcher
from scrapers.urls import canonicalize_url

__all__ = ["collect_source"]

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
        return _collect_feed(spec, fetcher, _google_news_url(spec, since), since, strip_outlet=True)
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


def _fetch_text(spec: SourceSpec, fetcher: Fetcher, url: str) -> str:
    """Fetch a source document and decode it, turning fetch failure into SourceError."""
    try:
        fetched = fetcher.fetch(url)
    except FetchError as error:
        raise SourceError(spec.name, error.reason) from error
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
    """Parse an RSS/Atom feed into entries."""
    text = _fetch_text(spec, fetcher, url)
    # feedparser trusts the declared charset (often a wrong euc-kr); hand it UTF-8 it can trust.
    parsed = feedparser.parse(utf8_xml_bytes(text))
    if not parsed.entries and parsed.bozo:
        raise SourceError(spec.name, f"malformed feed: {parsed.get('bozo_exception')}")
    feed_title = parsed.feed.get("title") or None
    entries: list[FeedEntry] = []
    problems: list[tuple[str, str]] = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            problems.append((url, "entry without link"))
            continue
        if strip_outlet:
            link = resolve_google_news_link(link)
        try:
            canonical = canonicalize_url(link, url)
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
            outlet = source.get("title") or None
            if title and " - " in title:
                title, _, tail = title.rpartition(" - ")
                outlet = outlet or tail.strip()
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
    return SourceResult(spec.name, tuple(entries), tuple(problems))


def _collect_listing(spec: SourceSpec, fetcher: Fetcher, since: datetime | None) -> SourceResult:
    """Read a listing page's anchors (by CSS selector) as entries."""
    url = _require_url(spec)
    tree = LexborHTMLParser(_fetch_text(spec, fetcher, url))
    entries: list[FeedEntry] = []
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node in tree.css(spec.selector or "a"):
        anchor = node if node.tag == "a" else node.css_first("a")
        if anchor is None or not anchor.attributes.get("href"):
            continue
        href = anchor.attributes.get("href") or ""
        try:
            canonical = canonicalize_url(href, url)
        except FetchError as error:
            problems.append((href, error.reason))
            continue
        if canonical in seen:
            continue
        seen.add(canonical)
        published = _nearby_date(anchor)
        if since is not None and published is not None and published < since:
            continue
        title = anchor.text(strip=True) or None
        entries.append(
            FeedEntry(
                url=canonical,
                source=spec.name,
                title=title,
                published_at=published,
                outlet=spec.outlet,
                role=spec.role,
            )
        )
    return SourceResult(spec.name, tuple(entries), tuple(problems))


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
