"""Polite HTTP fetching: robots.txt, per-host spacing, retries, limits, conditional GET.

Every failure leaves as one FetchError whose `reason` says what happened in a few words
("HTTP 404", "redirect loop", "total timeout (>60 s)", "not HTML: application/pdf"); httpx's
exceptions never leave this module.
"""

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
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx

from scrapers._binary import binary_kind, binary_suffix, looks_like_text
from scrapers._errors import BudgetExhausted, FetchError
from scrapers._records import Fetched, FetchSettings
from scrapers._state import CrawlState, MemoryCrawlState
from scrapers.urls import canonicalize_url

__all__ = ["Fetcher"]

KST = ZoneInfo("Asia/Seoul")
_TEXT_TYPES = ("html", "xml", "rss", "atom", "text/plain", "json")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Servers that do not know what they send say this; the body decides.
_UNTYPED = "application/octet-stream"
# A canonical URL that fails like this may still exist in the form a source gave it (a mobile
# site with its own paths, a publisher down while the portal copy is up).
_FALLBACK_REASONS = frozenset({"HTTP 404", "HTTP 410", "DNS lookup failed", "connection refused"})


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
        state: CrawlState | None = None,
    ) -> None:
        """Keep the settings and build (or adopt) the HTTP client."""
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._state: CrawlState = state or MemoryCrawlState()
        agent = settings.user_agent + (f" {settings.contact}" if settings.contact else "")
        self._own_client = client is None
        # Redirects are followed here, not by httpx, to check each hop (scheme, loop, robots).
        self._client = client or httpx.Client(
            follow_redirects=False,
            trust_env=True,
            timeout=self._timeout(settings.read_timeout_s),
            headers={"User-Agent": agent},
        )
        self._agent = agent
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._alternates: dict[str, list[str]] = {}

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

    @property
    def state(self) -> CrawlState:
        """The store of validators, API calls and known URLs this fetcher uses."""
        return self._state

    def use_state(self, state: CrawlState) -> None:
        """Remember validators and API calls in `state` (the database) from now on."""
        self._state = state

    def canonicalize(self, url: str, base: str | None = None) -> str:
        """`canonicalize_url`, remembering the form given as a fallback when the host changed."""
        canonical = canonicalize_url(url, base)
        absolute = urljoin(base, url.strip()) if base else url.strip()
        if urlsplit(absolute).hostname != urlsplit(canonical).hostname:
            self.add_alternate(canonical, absolute)
        return canonical

    def add_alternate(self, canonical: str, url: str) -> None:
        """Another address of the same page, tried when the canonical one is missing or down."""
        if url == canonical:
            return
        with self._lock:
            known = self._alternates.setdefault(canonical, [])
            if url not in known:
                known.append(url)

    def _timeout(self, read_s: float) -> httpx.Timeout:
        """Connect and read limits; the total limit is enforced while streaming."""
        return httpx.Timeout(read_s, connect=self._settings.connect_timeout_s)

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
        with self._lock:
            if key in self._robots:
                return self._robots[key]
        parser: urllib.robotparser.RobotFileParser | None = None
        try:
            response = self._client.get(
                f"{key}/robots.txt", follow_redirects=True, timeout=self._timeout(10.0)
            )
            if response.status_code == 200:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(response.text[:500_000].splitlines())
        except httpx.HTTPError:
            parser = None  # an unreachable robots.txt is treated as allowing all
        with self._lock:
            self._robots[key] = parser
        return parser

    def _robots_delay_s(self, url: str) -> float:
        """The delay to keep for `url`'s host; FetchError when robots.txt disallows the URL."""
        parts = urlsplit(url)
        delay_s = self._settings.per_host_delay_s
        if self._settings.respect_robots:
            robots = self._robots_for(parts.scheme, parts.netloc)
            if robots is not None:
                if not robots.can_fetch(self._agent, url):
                    raise FetchError(url, "blocked by robots.txt")
                crawl_delay = robots.crawl_delay(self._agent)
                if crawl_delay:
                    delay_s = max(delay_s, float(crawl_delay))
        return delay_s

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        crawl: bool = True,
        feed_of: str | None = None,
        api: str | None = None,
    ) -> Fetched:
        """Fetch one URL, obeying robots.txt and politeness; raise FetchError on failure.

        `crawl=False` is for authorised API calls (the Naver search API with its keys): robots.txt
        governs crawling pages, not an API the key holder is licensed to call. `feed_of` names
        the source whose feed this is and turns on conditional GET: a 304 comes back as a
        Fetched with status 304 and no body. `api` names a metered API ("naver") whose daily
        budget each attempt spends; BudgetExhausted is raised, without a request, once it is
        spent.
        """
        canonical = self.canonicalize(url)
        try:
            return self._fetch_canonical(canonical, headers, crawl, feed_of, api)
        except FetchError as error:
            if error.reason not in _FALLBACK_REASONS:
                raise
            with self._lock:
                alternates = list(self._alternates.get(canonical, ()))
            for alternate in alternates:
                try:
                    fetched = self._fetch_canonical(alternate, headers, crawl, None, api)
                except FetchError:
                    continue
                return Fetched(
                    url=canonical,
                    final_url=fetched.final_url,
                    status=fetched.status,
                    content_type=fetched.content_type,
                    body=fetched.body,
                    fetched_at=fetched.fetched_at,
                    headers=fetched.headers,
                    elapsed_ms=fetched.elapsed_ms,
                )
            raise

    def _fetch_canonical(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        crawl: bool,
        feed_of: str | None,
        api: str | None,
    ) -> Fetched:
        """Fetch a URL as given (already canonical, or a known alternate form of it)."""
        suffix = binary_suffix(urlsplit(url).path)
        if suffix is not None:
            raise FetchError(url, f"not HTML: .{suffix} file")
        request_headers = dict(headers or {})
        conditional = False
        if feed_of is not None:
            etag, last_modified = self._state.feed_validators(url)
            if etag:
                request_headers["If-None-Match"] = etag
            if last_modified:
                request_headers["If-Modified-Since"] = last_modified
            conditional = bool(etag or last_modified)
        fetched = self._fetch_with_retries(url, request_headers, crawl, api)
        if fetched.status == 304:
            if not conditional:
                raise FetchError(url, "HTTP 304 to a request that was not conditional")
        elif feed_of is not None:
            etag = fetched.headers.get("etag")
            last_modified = fetched.headers.get("last-modified")
            if etag or last_modified:
                self._state.save_feed_validators(url, feed_of, etag, last_modified)
        return fetched

    def _spend(self, url: str, api: str) -> None:
        """Count one call to a metered API, or raise BudgetExhausted before making it."""
        limit = self._settings.naver_daily_calls if api == "naver" else None
        if limit is None:
            return
        day = self._clock().astimezone(KST).date().isoformat()
        if self._state.spend_api_call(api, day, limit) is None:
            raise BudgetExhausted(
                url, f"{api} API daily budget used up ({limit} calls on {day} KST)"
            )

    def _fetch_with_retries(
        self, url: str, headers: Mapping[str, str], crawl: bool, api: str | None
    ) -> Fetched:
        """Try a request, retrying connection errors, 429 and 5xx with backoff."""
        attempt = 0
        while True:
            try:
                return self._fetch_following(url, headers, crawl, api)
            except _Retryable as problem:
                if attempt >= self._settings.retries:
                    raise FetchError(url, problem.reason) from problem
                wait_s = problem.retry_after_s
                if wait_s is not None and wait_s > self._settings.max_retry_after_s:
                    # An hour's Retry-After is a "come back tomorrow": the next run will.
                    reason = f"{problem.reason} (Retry-After {wait_s:g} s is longer than we wait)"
                    raise FetchError(url, reason) from problem
                if wait_s is None:
                    wait_s = self._settings.backoff_s * (2**attempt) * (1 + random.random() / 4)
                # The host that failed hears nothing from this fetcher while it backs off.
                with self._host_lock(problem.host):
                    self._sleep(wait_s)
                attempt += 1

    def _fetch_following(
        self, url: str, headers: Mapping[str, str], crawl: bool, api: str | None
    ) -> Fetched:
        """One attempt: the request and its redirects, each hop checked, under the total limit.

        Every hop waits its own host's turn under that host's lock (a redirect to another site
        keeps that site's delay and Crawl-delay too); no lock is held across hops, so two
        fetches redirecting between the same two hosts in opposite directions cannot deadlock.
        """
        started = time.monotonic()
        deadline = started + self._settings.total_timeout_s
        visited = {canonicalize_url(url)}
        current = url
        for hop in range(self._settings.max_redirects + 1):
            host = urlsplit(current).netloc
            queued = time.monotonic()
            with self._host_lock(host):
                # Each hop's host: its robots.txt (raising when it disallows the URL) and delay.
                delay_s = self._settings.per_host_delay_s
                if crawl:
                    delay_s = self._robots_delay_s(current)
                self._wait_turn(host, delay_s)
                # Waiting for a host's turn is politeness, not the server being slow.
                deadline += time.monotonic() - queued
                if api is not None and hop == 0:
                    self._spend(url, api)
                try:
                    outcome = self._fetch_once(url, current, headers, deadline)
                except _Retryable as problem:
                    problem.host = host
                    raise
            if isinstance(outcome, Fetched):
                return Fetched(
                    url=url,
                    final_url=outcome.final_url,
                    status=outcome.status,
                    content_type=outcome.content_type,
                    body=outcome.body,
                    fetched_at=self._clock(),
                    headers=outcome.headers,
                    elapsed_ms=(time.monotonic() - started) * 1000,
                )
            location, set_cookie = outcome
            target = urljoin(current, location)
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ("http", "https"):
                raise FetchError(url, f"redirect to a {scheme or 'schemeless'} URL")
            try:
                key = canonicalize_url(target)
            except FetchError as error:
                raise FetchError(url, f"redirect to a malformed URL ({error.reason})") from None
            # A site that sets a cookie and sends the visitor back is not looping.
            if key in visited and not set_cookie:
                raise FetchError(url, f"redirect loop via {target}")
            visited.add(key)
            current = target
        raise FetchError(url, f"too many redirects (>{self._settings.max_redirects})")

    def _fetch_once(
        self, url: str, current: str, headers: Mapping[str, str], deadline: float
    ) -> Fetched | tuple[str, bool]:
        """One streamed request: the response, or (Location, set a cookie) for a redirect."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, self._total_reason())
        timeout = self._timeout(min(self._settings.read_timeout_s, remaining))
        try:
            with self._client.stream(
                "GET", current, headers=headers, follow_redirects=False, timeout=timeout
            ) as response:
                status = response.status_code
                if status in _REDIRECTS and response.headers.get("location"):
                    return response.headers["location"], "set-cookie" in response.headers
                if status == 429 or status >= 500:
                    raise _Retryable(f"HTTP {status}", _retry_after_s(response.headers))
                if status == 304:
                    return self._response(response, current, b"")
                if status >= 300:
                    raise FetchError(url, f"HTTP {status}")
                content_type = response.headers.get("content-type")
                media = (content_type or "").split(";")[0].strip().lower()
                if media and media != _UNTYPED and not any(t in media for t in _TEXT_TYPES):
                    raise FetchError(url, f"not HTML: {media}")
                body = self._read_body(url, response, deadline)
                if media in ("", _UNTYPED) and not looks_like_text(body):
                    raise FetchError(url, f"not HTML: {media or 'untyped'} binary body")
                return self._response(response, current, body)
        except httpx.TimeoutException as error:
            if time.monotonic() >= deadline:
                raise FetchError(url, self._total_reason()) from error
            raise _Retryable(_timeout_reason(error), None) from error
        except httpx.ConnectError as error:
            raise _Retryable(_connect_reason(error), None) from error
        except httpx.RemoteProtocolError as error:
            raise _Retryable(_protocol_reason(error), None) from error
        except (httpx.ReadError, httpx.WriteError) as error:
            raise _Retryable("connection reset by the server", None) from error
        except httpx.DecodingError as error:
            raise FetchError(url, "body does not decode as its Content-Encoding says") from error
        except httpx.ProxyError as error:
            raise FetchError(url, f"the proxy refused: {error}") from error
        except httpx.UnsupportedProtocol as error:
            raise FetchError(url, "unsupported scheme") from error
        except httpx.HTTPError as error:
            raise FetchError(url, f"{type(error).__name__}: {error}") from error
        except (httpx.InvalidURL, UnicodeError, ValueError) as error:
            # httpx reads a redirect's Location as it answers, so a bad one lands here too.
            raise FetchError(url, f"malformed URL or redirect target: {error}") from error

    def _read_body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """The body, decompressed, cut off at the size limit and the total time limit."""
        limit = self._settings.max_bytes
        declared = response.headers.get("content-length", "")
        encoded = response.headers.get("content-encoding", "identity").lower()
        if declared.isdigit() and encoded in ("", "identity") and int(declared) > limit:
            raise FetchError(url, f"too large (Content-Length {declared} > {limit} bytes)")
        chunks: list[bytes] = []
        size = 0
        # iter_bytes yields decoded data, so a gzip bomb is cut off too.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"too large (>{limit} bytes)")
            if time.monotonic() > deadline:
                raise FetchError(url, self._total_reason())
            chunks.append(chunk)
        body = b"".join(chunks)
        kind = binary_kind(body)
        if kind is not None:
            raise FetchError(url, f"not HTML: {kind}")
        return body

    def _response(self, response: httpx.Response, current: str, body: bytes) -> Fetched:
        """The Fetched record of a final response (url and timing are set by the caller)."""
        return Fetched(
            url=current,
            final_url=str(response.url),
            status=response.status_code,
            content_type=response.headers.get("content-type"),
            body=body,
            fetched_at=self._clock(),
            headers={k.lower(): v for k, v in response.headers.items()},
        )

    def _total_reason(self) -> str:
        """The reason for a fetch cut off by the total time limit."""
        return f"total timeout (>{self._settings.total_timeout_s:g} s)"

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, Fetched | FetchError]]:
        """Fetch many URLs on a thread pool, yielding each result as it completes."""
        pool = ThreadPoolExecutor(max_workers=max(1, self._settings.concurrency))
        futures = {pool.submit(self.fetch, url): url for url in _interleave_by_host(urls)}
        try:
            for future in as_completed(futures):
                url = futures.pop(future)  # a yielded body is not kept here
                try:
                    yield url, future.result()
                except FetchError as error:
                    yield url, error
        finally:
            # A consumer that stops early (Ctrl-C) must not wait for every queued fetch.
            pool.shutdown(wait=True, cancel_futures=True)


def _interleave_by_host(urls: Iterable[str]) -> list[str]:
    """The URLs in round-robin order of their hosts.

    A feed lists one host's pages together; in that order every worker would queue on the same
    host's lock and sleep its delay while the other hosts sit idle.
    """
    queues: dict[str, list[str]] = {}
    for url in urls:
        queues.setdefault(urlsplit(url).netloc.lower(), []).append(url)
    ordered: list[str] = []
    rounds = max((len(q) for q in queues.values()), default=0)
    for index in range(rounds):
        ordered += [q[index] for q in queues.values() if index < len(q)]
    return ordered


def _connect_reason(error: httpx.ConnectError) -> str:
    """A short, true reason for a failed connection: DNS, refused, or unreachable."""
    text = str(error).lower()
    if any(m in text for m in ("name or service not known", "nodename", "name resolution")):
        return "DNS lookup failed"
    if "refused" in text:
        return "connection refused"
    if "unreachable" in text:
        return "network unreachable"
    if "reset" in text:
        return "connection reset by the server"
    if "certificate" in text or "ssl" in text or "tls" in text:
        return f"TLS failed: {error}"
    return f"connection failed: {error}" if str(error) else "connection failed"


def _timeout_reason(error: httpx.TimeoutException) -> str:
    """Which of the limits ran out."""
    if isinstance(error, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(error, httpx.ReadTimeout):
        return "read timeout"
    return "timeout"


def _protocol_reason(error: httpx.RemoteProtocolError) -> str:
    """A body cut short, or a connection closed before any answer."""
    text = str(error).lower()
    if "incomplete" in text or "complete message body" in text:
        return "truncated body (the connection closed before Content-Length bytes came)"
    if "disconnected" in text or "without sending" in text:
        return "connection closed by the server without a response"
    return f"HTTP protocol error: {error}"


class _Retryable(Exception):
    """Internal signal that a request failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after_s: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s
        self.host = ""  # the host that failed, set by the hop that met it


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
