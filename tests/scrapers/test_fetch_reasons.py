"""Fetch failures carry a true, short reason; API calls are not crawls."""

from __future__ import annotations

import httpx
import pytest

from scrapers import FetchError, FetchSettings, canonicalize_url
from scrapers.fetch import Fetcher

SETTINGS = FetchSettings(per_host_delay_s=0, retries=1, backoff_s=0.01)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("[Errno -2] Name or service not known", "DNS lookup failed"),
        ("[Errno 111] Connection refused", "connection refused"),
        ("[Errno 101] Network is unreachable", "network unreachable"),
    ],
)
def test_connection_failures_are_named(message: str, reason: str) -> None:
    attempts: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        raise httpx.ConnectError(message, request=request)

    slept: list[float] = []
    fetcher = Fetcher(
        FetchSettings(per_host_delay_s=0, retries=1, backoff_s=0.01, respect_robots=False),
        client=httpx.Client(transport=httpx.MockTransport(handle)),
        sleep=slept.append,
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://news.example/a")
    assert info.value.reason == reason
    assert len(attempts) == 2  # connection errors are retried once, after a recorded backoff
    assert len(slept) == 1


def test_api_calls_skip_robots_but_pages_obey_it() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /\n")
        return httpx.Response(200, json={"items": []})

    fetcher = Fetcher(SETTINGS, client=httpx.Client(transport=httpx.MockTransport(handle)))
    with pytest.raises(FetchError, match="robots"):
        fetcher.fetch("https://openapi.example/v1/search/news.json")
    fetched = fetcher.fetch("https://openapi.example/v1/search/news.json", crawl=False)
    assert fetched.status == 200


@pytest.mark.parametrize("url", ["http://[::1/x", "http://a..b/x", "http://xn--한국.kr/"])
def test_malformed_urls_are_fetch_errors_not_crashes(url: str) -> None:
    with pytest.raises(FetchError, match="malformed URL"):
        canonicalize_url(url)
