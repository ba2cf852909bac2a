"""Polite HTTP fetching: robots.txt, per-host spacing, retries, size limits."""

from __future__ import annotations

import random
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from scrapers._errors import FetchError
from scrapers._records import Fetched, FetchSettings
from scrapers.urls import canonicalize_url

__all__ = ["Fetcher"]

KST = ZoneInfo("Asia/Seoul")
_TEXT_TYPES = ("html", "xml", "rss", "atom", "text/", "json")


def _now_kst() -> datetime:
    """Current time in KST, the default clock."""
    return datetime.now(KST)


class Fetcher:
    """Fetches URLs politely and concurrently with an httpx client."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = _now_kst,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Keep the settings and build (or adopt) the HTTP client."""
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        agent = settings.user_agent + (f" {settings.contact}" if settings.contact else "")
        self._own_client = client is None
        self._client = client or httpx.Client(
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            trust_env=True,
            timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            headers={"User-Agent": agent},
        )
        self._agent = agent
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def __enter__(self) -> Fetcher:
        """Use the fetcher as a context manager."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close on leaving the context."""
        self.close()

    def close(self) -> None:
        """Release the HTTP client if this fetcher made it."""
        if self._own_client:
            self._client.close()

    def _host_lock(self, host: str) -> threading.Lock:
        """The lock that keeps one request at a time per host."""
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _wait_turn(self, host: str, delay_s: float) -> None:
        """Sleep until `delay_s` has passed since the last request to `host`."""
        last = self._last_request.get(host)
        if last is not None:
            remaining = delay_s - (time.monotonic() - last)
            if remaining > 0:
                self._sleep(remaining)
        self._last_request[host] = time.monotonic()

    def _robots_for(self, scheme: str, host: str) -> urllib.robotparser.RobotFileParser | None:
        """Fetch and cache robots.txt for a host; None means everything is allowed."""
        key = f"{scheme}://{host}"
        if key in self._robots:
            return self._robots[key]
        parser: urllib.robotparser.RobotFileParser | None = None
        try:
            response = self._client.get(f"{key}/robots.txt")
            if response.status_code == 200:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(response.text.splitlines())
        except httpx.HTTPError:
            parser = None  # an unreachable robots.txt is treated as allowing all
        self._robots[key] = parser
        return parser

    def fetch(
        self, url: str, *, headers: Mapping[str, str] | None = None, crawl: bool = True
    ) -> Fetched:
        """Fetch one URL, obeying robots.txt and politeness; raise FetchError on failure.

        `crawl=False` is for authorised API calls (the Naver search API with its keys): robots.txt
        governs crawling pages, not an API the key holder is licensed to call.
        """
        canonical = canonicalize_url(url)
        parts = urlsplit(canonical)
        host = parts.netloc
        with self._host_lock(host):
            delay_s = self._settings.per_host_delay_s
            if crawl and self._settings.respect_robots:
                robots = self._robots_for(parts.scheme, host)
                if robots is not None:
                    if not robots.can_fetch(self._agent, canonical):
                        raise FetchError(canonical, "blocked by robots.txt")
                    crawl_delay = robots.crawl_delay(self._agent)
                    if crawl_delay:
                        delay_s = max(delay_s, float(crawl_delay))
            return self._fetch_with_retries(canonical, host, delay_s, headers)

    def _fetch_with_retries(
        self, url: str, host: str, delay_s: float, headers: Mapping[str, str] | None = None
    ) -> Fetched:
        """Try a request, retrying connect errors, 429 and 5xx with backoff."""
        attempt = 0
        while True:
            self._wait_turn(host, delay_s)
            try:
                return self._fetch_once(url, headers)
            except _Retryable as problem:
                if attempt >= self._settings.retries:
                    raise FetchError(url, problem.reason) from problem
                wait_s = problem.retry_after_s
                if wait_s is None:
                    wait_s = self._settings.backoff_s * (2**attempt) * (1 + random.random() / 4)
                self._sleep(wait_s)
                attempt += 1

    def _fetch_once(self, url: str, headers: Mapping[str, str] | None = None) -> Fetched:
        """One streamed request with the size limit enforced."""
        started = time.monotonic()
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 429 or status >= 500:
                    raise _Retryable(f"HTTP {status}", _retry_after_s(response.headers))
                if status >= 400:
                    raise FetchError(url, f"HTTP {status}")
                content_type = response.headers.get("content-type")
                if content_type and not any(t in content_type.lower() for t in _TEXT_TYPES):
                    raise FetchError(url, f"unsupported content type {content_type}")
                limit = self._settings.max_bytes
                chunks: list[bytes] = []
                size = 0
                # iter_bytes yields decoded data, so a gzip bomb is cut off too.
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(url, f"too large (>{limit} bytes)")
                    chunks.append(chunk)
                return Fetched(
                    url=url,
                    final_url=str(response.url),
                    status=status,
                    content_type=content_type,
                    body=b"".join(chunks),
                    fetched_at=self._clock(),
                    headers=dict(response.headers),
                    elapsed_ms=(time.monotonic() - started) * 1000,
                )
        except httpx.TooManyRedirects as error:
            raise FetchError(url, "too many redirects") from error
        except httpx.TimeoutException as error:
            raise _Retryable("timeout", None) from error
        except httpx.ConnectError as error:
            raise _Retryable(_connect_reason(error), None) from error
        except httpx.HTTPError as error:
            raise FetchError(url, type(error).__name__) from error
        except (httpx.InvalidURL, UnicodeError, ValueError) as error:
            raise FetchError(url, f"malformed URL: {error}") from error

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, Fetched | FetchError]]:
        """Fetch many URLs on a thread pool, yielding each result as it completes."""
        pool = ThreadPoolExecutor(max_workers=max(1, self._settings.concurrency))
        futures = {pool.submit(self.fetch, url): url for url in urls}
        try:
            for future in as_completed(futures):
                url = futures[future]
                try:
                    yield url, future.result()
                except FetchError as error:
                    yield url, error
        finally:
            # A consumer that stops early (Ctrl-C) must not wait for every queued fetch.
            pool.shutdown(wait=True, cancel_futures=True)


def _connect_reason(error: httpx.ConnectError) -> str:
    """A short, true reason for a failed connection: DNS, refused, or unreachable."""
    text = str(error).lower()
    if any(m in text for m in ("name or service not known", "nodename", "name resolution")):
        return "DNS lookup failed"
    if "refused" in text:
        return "connection refused"
    if "unreachable" in text:
        return "network unreachable"
    return f"connection failed: {error}" if str(error) else "connection failed"


class _Retryable(Exception):
    """Internal signal that a request failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after_s: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


def _retry_after_s(headers: httpx.Headers) -> float | None:
    """Seconds a Retry-After header asks for, if it is readable."""
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())
