"""A redirect to another host keeps that host's politeness: its delay, its Crawl-delay and its
one-request-at-a-time lock, not only its robots.txt."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx

from scrapers import FetchSettings
from scrapers.fetch import Fetcher

HTML = {"content-type": "text/html; charset=utf-8"}


class Web:
    """Two sites: a.test redirects its /go/ links to b.test, which serves pages slowly."""

    def __init__(self, robots_b: str = "") -> None:
        self.robots_b = robots_b
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.most_in_flight: Counter[str] = Counter()

    def handle(self, request: httpx.Request) -> httpx.Response:
        host, path = request.url.host, request.url.path
        if path == "/robots.txt":
            body = self.robots_b if host == "b.test" else ""
            return httpx.Response(200, text=body, headers={"content-type": "text/plain"})
        if host == "a.test" and path.startswith("/go/"):
            return httpx.Response(302, headers={"location": f"http://b.test/{path[4:]}"})
        with self.lock:
            self.in_flight[host] += 1
            self.most_in_flight[host] = max(self.most_in_flight[host], self.in_flight[host])
        time.sleep(0.02)  # long enough for other workers to arrive while this one is served
        with self.lock:
            self.in_flight[host] -= 1
        return httpx.Response(200, text="<p>기사</p>", headers=HTML)


def _fetcher(web: Web, sleeps: list[float], **settings: object) -> Fetcher:
    return Fetcher(
        FetchSettings(retries=0, **settings),  # type: ignore[arg-type]
        client=httpx.Client(transport=httpx.MockTransport(web.handle)),
        sleep=sleeps.append,
    )


def test_a_redirect_waits_for_the_new_hosts_delay() -> None:
    web = Web()
    sleeps: list[float] = []
    with _fetcher(web, sleeps, per_host_delay_s=30.0, respect_robots=False) as fetcher:
        fetcher.fetch("http://b.test/1")
        assert sleeps == []
        # a.test was never asked, but the hop lands on b.test, asked a moment ago.
        fetched = fetcher.fetch("http://a.test/go/2")
    assert fetched.final_url == "http://b.test/2"
    assert len(sleeps) == 1 and 29.0 < sleeps[0] <= 30.0


def test_a_redirect_honours_the_new_hosts_crawl_delay() -> None:
    web = Web(robots_b="User-agent: *\nCrawl-delay: 45\n")
    sleeps: list[float] = []
    with _fetcher(web, sleeps, per_host_delay_s=1.0) as fetcher:
        fetcher.fetch("http://b.test/1")
        fetcher.fetch("http://a.test/go/2")
    assert len(sleeps) == 1 and 44.0 < sleeps[0] <= 45.0


def test_redirected_fetches_take_turns_on_the_new_host() -> None:
    web = Web()
    urls = [f"http://a.test/go/{n}" for n in range(6)]
    urls += [f"http://b.test/{n}" for n in range(9, 12)]
    with _fetcher(web, [], per_host_delay_s=0.0, respect_robots=False, concurrency=4) as fetcher:
        results = dict(fetcher.fetch_many(urls))
    assert all(not isinstance(r, Exception) for r in results.values())
    # Redirects from a.test arrive on b.test one at a time, beside b.test's own pages.
    assert web.most_in_flight["b.test"] == 1


def test_redirects_between_two_hosts_in_both_directions_finish() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        host, path = request.url.host, request.url.path
        if path.startswith("/go/"):
            other = "b.test" if host == "a.test" else "a.test"
            return httpx.Response(302, headers={"location": f"http://{other}/{path[4:]}"})
        time.sleep(0.01)
        return httpx.Response(200, text="<p>기사</p>", headers=HTML)

    fetcher = Fetcher(
        FetchSettings(retries=0, per_host_delay_s=0.0, respect_robots=False, concurrency=4),
        client=httpx.Client(transport=httpx.MockTransport(handle)),
        sleep=lambda _s: None,
    )
    urls = [f"http://{h}/go/{n}" for n in range(8) for h in ("a.test", "b.test")]
    with fetcher:
        results = dict(fetcher.fetch_many(urls))
    assert len(results) == len(urls)
    assert all(not isinstance(r, Exception) for r in results.values())
