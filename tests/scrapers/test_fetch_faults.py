"""The fetcher against a real loopback server that misbehaves: every fault ends in one
FetchError with a true reason (or a success after retries), and no test waits long."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest
from faults import FaultServer, Reply

from scrapers import FetchError, FetchSettings
from scrapers.fetch import Fetcher

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = "<html><head><title>고양시 소식</title></head><body><p>본문</p></body></html>".encode()


def _fetcher(sleeps: list[float] | None = None, **overrides: Any) -> Fetcher:
    settings = FetchSettings(
        **{
            "per_host_delay_s": 0.0,
            "retries": 2,
            "backoff_s": 0.01,
            "connect_timeout_s": 0.5,
            "read_timeout_s": 0.3,
            "total_timeout_s": 2.0,
            **overrides,
        }
    )
    return Fetcher(settings, sleep=(sleeps if sleeps is not None else []).append)


def _sequence(*replies: Any) -> Any:
    """A route answering with each reply in turn, then the last one again."""
    queue = list(replies)

    def route(_request: Any) -> Any:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return route


def test_5xx_then_success_is_retried_with_backoff(fault_server: FaultServer) -> None:
    fault_server.routes["/a"] = _sequence(Reply(502), Reply(503), Reply(200, HTML, PAGE))
    sleeps: list[float] = []
    with _fetcher(sleeps) as fetcher:
        assert fetcher.fetch(fault_server.base_url + "/a").body == PAGE
    assert fault_server.hits("/a") == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential: the second wait is longer


def test_429_honours_retry_after_and_a_long_one_gives_up(fault_server: FaultServer) -> None:
    fault_server.routes["/busy"] = _sequence(
        Reply(429, {"Retry-After": "1"}), Reply(200, HTML, PAGE)
    )
    fault_server.routes["/tomorrow"] = lambda _r: Reply(429, {"Retry-After": "86400"})
    sleeps: list[float] = []
    with _fetcher(sleeps) as fetcher:
        assert fetcher.fetch(fault_server.base_url + "/busy").status == 200
        with pytest.raises(FetchError, match=r"HTTP 429 \(Retry-After 86400 s"):
            fetcher.fetch(fault_server.base_url + "/tomorrow")
    assert sleeps == [1.0]  # the injected sleep got the server's wait; nobody waited a day
    assert fault_server.hits("/tomorrow") == 1


def test_a_hanging_server_is_a_read_timeout_after_retries(fault_server: FaultServer) -> None:
    fault_server.routes["/hang"] = lambda _r: Reply(200, HTML, PAGE, fault="hang", pause_s=0.6)
    with _fetcher(retries=1, read_timeout_s=0.1) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(fault_server.base_url + "/hang")
    assert info.value.reason == "read timeout"
    assert fault_server.hits("/hang") == 2


def test_a_slow_drip_is_cut_by_the_total_timeout(fault_server: FaultServer) -> None:
    body = PAGE * 20  # ~1.6 kB in 16-byte drops every 50 ms: 5 s if nobody stops it
    fault_server.routes["/drip"] = lambda _r: Reply(200, HTML, body, fault="drip")
    with (
        _fetcher(total_timeout_s=0.4) as fetcher,
        pytest.raises(FetchError, match=r"total timeout \(>0.4 s\)"),
    ):
        fetcher.fetch(fault_server.base_url + "/drip")
    assert fault_server.hits("/drip") == 1  # a slow server is not retried: it would be slow again


def test_connection_reset_and_truncated_body_are_named_and_retried(
    fault_server: FaultServer,
) -> None:
    fault_server.routes["/reset"] = lambda _r: Reply(fault="reset")
    fault_server.routes["/cut"] = lambda _r: Reply(200, HTML, PAGE, fault="truncate")
    fault_server.routes["/flaky"] = _sequence(Reply(fault="reset"), Reply(200, HTML, PAGE))
    with _fetcher(retries=1) as fetcher:
        with pytest.raises(FetchError) as reset:
            fetcher.fetch(fault_server.base_url + "/reset")
        with pytest.raises(FetchError) as cut:
            fetcher.fetch(fault_server.base_url + "/cut")
        assert fetcher.fetch(fault_server.base_url + "/flaky").body == PAGE
    assert reset.value.reason.startswith("connection ")
    assert "by the server" in reset.value.reason
    assert cut.value.reason.startswith("truncated body")
    assert fault_server.hits("/reset") == fault_server.hits("/cut") == 2


def test_gzip_bomb_and_oversize_page_stop_at_the_cap(fault_server: FaultServer) -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 50_000_000)  # ~50 kB on the wire, 50 MB unpacked
    fault_server.routes["/bomb"] = lambda _r: Reply(200, {**HTML, "Content-Encoding": "gzip"}, bomb)
    fault_server.routes["/big"] = lambda _r: Reply(200, HTML, b"<p>" + b"b" * 300_000)
    with _fetcher(max_bytes=100_000) as fetcher:
        with pytest.raises(FetchError, match=r"too large \(>100000 bytes\)"):
            fetcher.fetch(fault_server.base_url + "/bomb")
        with pytest.raises(FetchError, match=r"too large \(Content-Length 300003"):
            fetcher.fetch(fault_server.base_url + "/big")


def test_redirects_loop_scheme_and_limit(fault_server: FaultServer) -> None:
    base = fault_server.base_url
    fault_server.routes["/a"] = lambda _r: Reply(302, {"Location": "/b?utm_source=x"})
    fault_server.routes["/b"] = lambda _r: Reply(301, {"Location": base + "/a#top"})
    fault_server.routes["/ftp"] = lambda _r: Reply(302, {"Location": "ftp://files.test/a.hwp"})
    fault_server.routes["/js"] = lambda _r: Reply(302, {"Location": "javascript:alert(1)"})
    for hop in range(8):
        fault_server.routes[f"/chain{hop}"] = lambda _r, hop=hop: Reply(
            302, {"Location": f"/chain{hop + 1}"}
        )
    fault_server.routes["/login"] = _sequence(
        Reply(302, {"Location": "/login", "Set-Cookie": "s=1"}), Reply(200, HTML, PAGE)
    )
    fault_server.routes["/moved"] = lambda _r: Reply(301, {"Location": "/final"})
    fault_server.routes["/final"] = lambda _r: Reply(200, HTML, PAGE)
    with _fetcher(max_redirects=5) as fetcher:
        with pytest.raises(FetchError, match="redirect loop"):
            fetcher.fetch(base + "/a")
        with pytest.raises(FetchError, match="redirect to a ftp URL"):
            fetcher.fetch(base + "/ftp")
        with pytest.raises(FetchError, match="malformed URL or redirect target"):
            fetcher.fetch(base + "/js")
        with pytest.raises(FetchError, match=r"too many redirects \(>5\)"):
            fetcher.fetch(base + "/chain0")
        # A cookie-setting bounce back to the same page is a login dance, not a loop.
        assert fetcher.fetch(base + "/login").body == PAGE
        moved = fetcher.fetch(base + "/moved")
    assert moved.url == base + "/moved" and moved.final_url == base + "/final"
    assert fault_server.hits("/a") == 1  # loops are not retried


def test_robots_disallow_and_redirect_into_a_disallowed_path(fault_server: FaultServer) -> None:
    base = fault_server.base_url
    fault_server.routes["/robots.txt"] = lambda _r: Reply(
        200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private\n"
    )
    fault_server.routes["/private/a"] = lambda _r: Reply(200, HTML, PAGE)
    fault_server.routes["/open"] = lambda _r: Reply(200, HTML, PAGE)
    with _fetcher() as fetcher:
        with pytest.raises(FetchError, match=r"blocked by robots\.txt"):
            fetcher.fetch(base + "/private/a")
        assert fetcher.fetch(base + "/open").status == 200
        assert fetcher.fetch(base + "/open?no=2").status == 200
    assert fault_server.hits("/private/a") == 0
    assert fault_server.hits("/robots.txt") == 1  # cached per host


def test_non_html_is_skipped_with_a_reason(fault_server: FaultServer) -> None:
    base = fault_server.base_url
    fault_server.routes["/doc"] = lambda _r: Reply(200, {"Content-Type": "application/pdf"}, b"%P")
    fault_server.routes["/img"] = lambda _r: Reply(200, {"Content-Type": "image/jpeg"}, b"\xff")
    fault_server.routes["/lying"] = lambda _r: Reply(200, HTML, b"%PDF-1.7\n...")
    fault_server.routes["/untyped"] = lambda _r: Reply(200, {}, b"\x89PNG\r\n\x1a\n\0\0")
    fault_server.routes["/file.hwp"] = lambda _r: Reply(200, HTML, PAGE)
    with _fetcher() as fetcher:
        reasons = {}
        for path in ("/doc", "/img", "/lying", "/untyped", "/file.hwp"):
            with pytest.raises(FetchError) as info:
                fetcher.fetch(base + path)
            reasons[path] = info.value.reason
    assert reasons == {
        "/doc": "not HTML: application/pdf",
        "/img": "not HTML: image/jpeg",
        "/lying": "not HTML: application/pdf",
        "/untyped": "not HTML: image/png",
        "/file.hwp": "not HTML: .hwp file",
    }
    assert fault_server.hits("/file.hwp") == 0  # known document suffixes are not even asked for


def test_the_same_page_in_different_forms_is_one_canonical_fetch(
    fault_server: FaultServer,
) -> None:
    base = fault_server.base_url
    fault_server.routes["/news"] = lambda _r: Reply(200, HTML, PAGE)
    forms = [
        base + "/news?b=2&a=1",
        base + "/news?a=1&b=2&utm_source=naver&fbclid=x",
        base.upper().replace("HTTP://", "http://") + "/news?a=1&b=2#comments",
    ]
    with _fetcher() as fetcher:
        results = dict(fetcher.fetch_many(forms))
    urls = {r.url for r in results.values() if not isinstance(r, FetchError)}
    assert urls == {base + "/news?a=1&b=2"}
    assert all(r.query == {"a": "1", "b": "2"} for r in fault_server.requests if r.path == "/news")


def test_mobile_twin_is_fetched_as_www_and_falls_back_to_the_given_form(
    fault_server: FaultServer,
) -> None:
    """Through the server as a proxy: m.news.test and www.news.test are one site; a page only
    the mobile site serves is still fetched, and stored under the www key."""
    served = {
        ("www.news.test", "/a/1"): PAGE,
        ("m.news.test", "/mobile-only/2"): PAGE.replace(b"<p>", b"<p>m "),
    }

    def route(request: Any) -> Any:
        body = served.get((request.host, request.path))
        return Reply(200, HTML, body) if body else Reply(404)

    fault_server.routes["/a/1"] = fault_server.routes["/mobile-only/2"] = route
    settings = FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0)
    client = httpx.Client(proxy=fault_server.base_url, follow_redirects=False)
    with Fetcher(settings, client=client) as fetcher:
        one = fetcher.fetch("http://m.news.test/a/1")
        other = fetcher.fetch("http://m.news.test/mobile-only/2")
    assert one.url == "http://www.news.test/a/1"
    assert [(r.host, r.path) for r in fault_server.requests if r.path == "/a/1"] == [
        ("www.news.test", "/a/1")
    ]
    assert other.url == "http://www.news.test/mobile-only/2"
    assert other.final_url == "http://m.news.test/mobile-only/2" and b"<p>m " in other.body
