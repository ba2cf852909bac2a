"""Records that cross the scrapers' boundary: what sources find and what fetching returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how far the fetcher may go; built by monitor from `[fetch]`."""

    user_agent: str = "press-monitor/0.1 (+https://github.com/goyang/press-monitor)"
    contact: str = ""
    concurrency: int = 4
    per_host_delay_s: float = 1.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff_s: float = 1.0
    max_retry_after_s: float = 120.0  # a server asking for a longer wait is left to the next run
    respect_robots: bool = True
    # The Naver search APIs share 25,000 calls a day per application; set lower when the same
    # key serves other tools too.
    naver_daily_calls: int = 25_000


@dataclass(frozen=True)
class SourceSpec:
    """One configured source (`[[sources]]`): where to look for candidate articles."""

    name: str
    kind: str  # rss, google_news, naver_news, sitemap, listing
    url: str | None = None
    query: str | None = None
    base_url: str | None = None
    selector: str | None = None
    role: str = "coverage"  # or "press_release"
    outlet: str | None = None
    client_id_env: str = "NAVER_CLIENT_ID"
    client_secret_env: str = "NAVER_CLIENT_SECRET"
    max_pages: int = 1
    enabled: bool = True
    # Listing pagination: the query parameter carrying the page number (1-based) or a CSS
    # selector for the next-page link; without either, the page's own rel="next" link is used.
    page_param: str | None = None
    next_selector: str | None = None
    backfill_max_pages: int = 50  # listing: how many pages `monitor backfill` walks at most
    backfill_window_days: int = 7  # google_news: the date window `monitor backfill` asks for


@dataclass(frozen=True)
class FeedEntry:
    """A candidate article a source found: a URL plus whatever the source said about it."""

    url: str  # canonical URL
    source: str  # the SourceSpec name
    title: str | None = None
    published_at: datetime | None = None  # aware; KST when the source gave no zone
    outlet: str | None = None  # outlet name when the source names it
    summary: str | None = None
    content_html: str | None = None  # full text from a full-content feed, if any
    role: str = "coverage"


@dataclass(frozen=True)
class Fetched:
    """One fetched HTTP response body, before any decoding."""

    url: str  # the canonical URL that was asked for
    final_url: str  # after redirects
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type header declares, if any."""
        if not self.content_type:
            return None
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'").lower()
        return None


@dataclass(frozen=True)
class SourceResult:
    """What one source run produced: entries plus the per-item problems it met."""

    source: str
    entries: tuple[FeedEntry, ...]
    problems: tuple[tuple[str, str], ...] = ()  # (url, reason) for items it had to skip
    not_modified: bool = False  # the feed answered 304: nothing new since the last full read
    notes: tuple[str, ...] = ()  # why the source stopped early (known items, API budget)


@dataclass(frozen=True)
class BackfillStep:
    """One window of a backfill walk: what it found and where the walk stands once it is stored."""

    source: str
    label: str  # the window, as people read it: "2024-11-20..2024-11-26", "page 3", a sitemap URL
    cursor: str  # the resume point once this window is stored (opaque JSON, per source kind)
    result: SourceResult | None  # None: no window was read (a failure, or a closing notice)
    error: str | None = None  # the window could not be read; its cursor is the previous one
    warnings: tuple[str, ...] = ()  # coverage the walk knows it cannot reach
    units_done: int = 0  # progress through the walk (days, pages or sitemaps)
    units_total: int = 0
    final: bool = False  # nothing older is left to collect: the backfill is finished
