"""Sources and fetching: the only package that touches the network."""

from scrapers._binary import non_html_reason
from scrapers._errors import BudgetExhausted, FetchError, ScrapeError, SourceError, SourceSkipped
from scrapers._google import is_google_news_link
from scrapers._records import FeedEntry, Fetched, FetchSettings, SourceResult, SourceSpec
from scrapers._state import CrawlState, MemoryCrawlState
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source
from scrapers.urls import canonicalize_url, scheme_twin

__all__ = [
    "BudgetExhausted",
    "CrawlState",
    "FeedEntry",
    "FetchError",
    "FetchSettings",
    "Fetched",
    "Fetcher",
    "MemoryCrawlState",
    "ScrapeError",
    "SourceError",
    "SourceResult",
    "SourceSkipped",
    "SourceSpec",
    "canonicalize_url",
    "collect_source",
    "is_google_news_link",
    "non_html_reason",
    "scheme_twin",
]
