"""Sources and fetching: the only package that touches the network."""

from scrapers._errors import FetchError, ScrapeError, SourceError, SourceSkipped
from scrapers._google import is_google_news_link
from scrapers._records import FeedEntry, Fetched, FetchSettings, SourceResult, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source
from scrapers.urls import canonicalize_url

__all__ = [
    "FeedEntry",
    "FetchError",
    "FetchSettings",
    "Fetched",
    "Fetcher",
    "ScrapeError",
    "SourceError",
    "SourceResult",
    "SourceSkipped",
    "SourceSpec",
    "canonicalize_url",
    "collect_source",
    "is_google_news_link",
]
