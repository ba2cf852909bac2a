"""Sources and fetching: the only package that touches the network."""

from scrapers._errors import FetchError, ScrapeError, SourceError, SourceSkipped
from scrapers._records import FeedEntry, Fetched, FetchSettings, SourceResult, SourceSpec

__all__ = [
    "FeedEntry",
    "FetchError",
    "FetchSettings",
    "Fetched",
    "ScrapeError",
    "SourceError",
    "SourceResult",
    "SourceSkipped",
    "SourceSpec",
]
