"""What the fetcher remembers across runs: feed validators, API calls per day, known URLs.

The fetcher works without a store (an in-memory one per fetcher); monitor hands it one backed by
the database so a 304 and a spent API budget still hold on the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol

__all__ = ["CrawlState", "MemoryCrawlState"]


class CrawlState(Protocol):
    """The store the fetcher and the sources read and write between runs."""

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """The (ETag, Last-Modified) to revalidate a feed with; (None, None) when unknown."""
        ...

    def save_feed_validators(
        self, url: str, source: str, etag: str | None, last_modified: str | None
    ) -> None:
        """Remember a feed's validators from a full 200 response."""
        ...

    def spend_api_call(self, api: str, day: str, limit: int) -> int | None:
        """Count one call to `api` on `day` (KST); the calls used so far, or None when `limit`
        calls have already been made that day (the call must not be made)."""
        ...

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of `urls` already stored (a search can stop paging at them)."""
        ...


class MemoryCrawlState:
    """A CrawlState that lives as long as its fetcher: validators and calls of this process."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        self._calls: dict[tuple[str, str], int] = {}

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """The validators saved in this process."""
        with self._lock:
            return self._validators.get(url, (None, None))

    def save_feed_validators(
        self, url: str, source: str, etag: str | None, last_modified: str | None
    ) -> None:
        """Keep a feed's validators in memory."""
        with self._lock:
            self._validators[url] = (etag, last_modified)

    def spend_api_call(self, api: str, day: str, limit: int) -> int | None:
        """Count a call in memory, refusing past `limit`."""
        with self._lock:
            used = self._calls.get((api, day), 0)
            if used >= limit:
                return None
            self._calls[(api, day)] = used + 1
            return used + 1

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Nothing is known without a database."""
        return set()
