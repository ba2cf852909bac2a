"""Tests for the Naver News search API source against a loopback server."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scrapers._errors import SourceError, SourceSkipped
from scrapers._records import FetchSettings, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.sources import collect_source

KST = ZoneInfo("Asia/Seoul")
ENV = {"NAVER_CLIENT_ID": "id-123", "NAVER_CLIENT_SECRET": "secret-456"}
Route = tuple[int, dict[str, str], bytes]
RecordingServer = Any  # the conftest fixture type; tests are not a package to import it from
NEWEST = datetime(2026, 11, 21, 18, 0, tzinfo=KST)


def _item(index: int) -> dict[str, str]:
    """The index-th newest item; one hour older per index, in the API's RFC 822 form."""
    published = NEWEST - timedelta(hours=index)
    return {
        "title": f"<b>고양시</b> 소식 {index} &quot;특례시&quot; &amp; 정책",
        # Every tenth item has no publisher link, as the real API sometimes returns.
        "originallink": ""
        if index % 10 == 0
        else f"https://www.outlet.kr/news/{index}?utm_source=naver",
        "link": f"https://n.news.naver.com/mnews/article/001/{index:010d}?sid=102",
        "description": f"<b>고양</b>시가 {index}번째 &lt;발표&gt;를 했다",
        "pubDate": published.strftime("%a, %d %b %Y %H:%M:%S +0900"),
    }


def _api(total: int) -> Callable[[Any], Route]:
    """A responder serving `total` items in pages of `display`, newest first."""

    def respond(request: Any) -> Route:
        start = int(request.query["start"])
        display = int(request.query["display"])
        items = [_item(i) for i in range(start - 1, min(total, start - 1 + display))]
        body = json.dumps({"total": total, "start": start, "display": len(items), "items": items})
        return (200, {"Content-Type": "application/json; charset=utf-8"}, body.encode())

    return respond


def _spec(server: RecordingServer, max_pages: int = 5) -> SourceSpec:
    return SourceSpec(
        name="naver",
        kind="naver_news",
        query="고양시",
        base_url=server.base_url,
        max_pages=max_pages,
    )


def _fetcher() -> Fetcher:
    return Fetcher(FetchSettings(per_host_delay_s=0.0, retries=0), sleep=lambda _s: None)


def test_naver_pages_with_headers_and_cleans_items(recording_server: RecordingServer) -> None:
    recording_server.respond = _api(130)
    with _fetcher() as fetcher:
        result = collect_source(_spec(recording_server), fetcher, environ=ENV)
    # Two pages (100 + 30): the short second page ends paging before max_pages.
    assert [r.query["start"] for r in recording_server.requests] == ["1", "101"]
    for request in recording_server.requests:
        assert request.path == "/v1/search/news.json"
        assert request.headers["x-naver-client-id"] == "id-123"
        assert request.headers["x-naver-client-secret"] == "secret-456"
        assert request.query["query"] == "고양시"
        assert request.query["display"] == "100"
        assert request.query["sort"] == "date"
    assert len(result.entries) == 130
    first = result.entries[1]
    assert first.title == '고양시 소식 1 "특례시" & 정책'
    assert first.summary == "고양시가 1번째 <발표>를 했다"
    assert first.url.endswith("outlet.kr/news/1")  # publisher link preferred, tracking dropped
    assert first.outlet is None
    assert first.published_at == NEWEST - timedelta(hours=1)
    assert first.published_at is not None and first.published_at.utcoffset() == timedelta(hours=9)
    # An empty originallink falls back to the Naver copy, canonicalised.
    assert result.entries[10].url == "https://n.news.naver.com/mnews/article/001/0000000010"
    assert all("<b>" not in (e.title or "") for e in result.entries)


def test_naver_stops_at_since_and_at_max_pages(recording_server: RecordingServer) -> None:
    recording_server.respond = _api(1000)
    since = NEWEST - timedelta(hours=49, minutes=30)
    with _fetcher() as fetcher:
        recent = collect_source(_spec(recording_server), fetcher, since=since, environ=ENV)
    assert len(recording_server.requests) == 1
    assert len(recent.entries) == 50
    assert all(e.published_at is not None and e.published_at >= since for e in recent.entries)
    recording_server.requests.clear()
    with _fetcher() as fetcher:
        capped = collect_source(_spec(recording_server, max_pages=3), fetcher, environ=ENV)
    assert [r.query["start"] for r in recording_server.requests] == ["1", "101", "201"]
    assert len(capped.entries) == 300


def test_naver_never_asks_past_start_1000(recording_server: RecordingServer) -> None:
    recording_server.respond = _api(5000)
    with _fetcher() as fetcher:
        collect_source(_spec(recording_server, max_pages=50), fetcher, environ=ENV)
    starts = [int(r.query["start"]) for r in recording_server.requests]
    assert max(starts) <= 1000
    assert len(starts) == 10


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, r"rejected the credentials \(HTTP 401\)"),
        (403, r"rejected the credentials \(HTTP 403\)"),
        (429, "daily quota exhausted"),
    ],
)
def test_naver_http_errors_are_clear(
    recording_server: RecordingServer, status: int, message: str
) -> None:
    recording_server.respond = lambda _r: (status, {"Content-Type": "application/json"}, b"{}")
    with _fetcher() as fetcher, pytest.raises(SourceError, match=message) as caught:
        collect_source(_spec(recording_server), fetcher, environ=ENV)
    assert not isinstance(caught.value, SourceSkipped)


def test_naver_invalid_json_is_a_source_error(recording_server: RecordingServer) -> None:
    recording_server.respond = lambda _r: (200, {"Content-Type": "application/json"}, b"<html>")
    with _fetcher() as fetcher, pytest.raises(SourceError, match="invalid JSON"):
        collect_source(_spec(recording_server), fetcher, environ=ENV)


def test_naver_missing_secret_is_skipped_without_requests(
    recording_server: RecordingServer,
) -> None:
    with _fetcher() as fetcher, pytest.raises(SourceSkipped, match="NAVER_CLIENT_SECRET"):
        collect_source(_spec(recording_server), fetcher, environ={"NAVER_CLIENT_ID": "id-123"})
    assert recording_server.requests == []
