"""Per-outlet extraction health: a silent site redesign is flagged, a steady outlet is not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlite_utils

import db as store
from monitor.digest import build_digest
from monitor.health import assess_outlets, collect_notices
from monitor.periods import KST

NOW = datetime(2024, 11, 27, 9, 0, tzinfo=KST)
LONG = "고양시가 일산테크노밸리에 바이오 기업을 유치한다. " * 20


def _store(
    db: sqlite_utils.Database, n: int, outlet: str, method: str, body: str, ago_days: int
) -> None:
    for i in range(n):
        at = (NOW - timedelta(days=ago_days, hours=i)).isoformat()
        page = store.PageRecord(
            url=f"http://{outlet}.test/{method}/{ago_days}/{i}",
            fetched_at=at,
            body=b"<html></html>",
        )
        store.save_fetched_article(
            db,
            page,
            store.ArticleRecord(
                url=page.url,
                title=f"기사 {i}",
                body=body,
                role="coverage",
                method=method,
                collected_at=at,
                processed_at=at,
                outlet=outlet,
                published_date=at[:10],
            ),
            None,
        )


def test_a_redesign_is_flagged_and_a_steady_outlet_is_not(memory_db: sqlite_utils.Database) -> None:
    clock: Callable[[], datetime] = lambda: NOW  # noqa: E731
    _store(memory_db, 8, "redesigned", "cms:ndsoft", LONG, ago_days=15)
    _store(memory_db, 4, "redesigned", "generic", "사진 = 고양시 제공", ago_days=2)
    _store(memory_db, 8, "steady", "jsonld", LONG, ago_days=15)
    _store(memory_db, 4, "steady", "jsonld", LONG, ago_days=2)
    _store(memory_db, 2, "tiny", "generic", "짧다", ago_days=1)  # too few to judge

    health = {h.outlet: h for h in assess_outlets(memory_db, clock)}
    flagged = health["redesigned"]
    assert flagged.articles == 4 and flagged.baseline_articles == 8
    assert flagged.short_share == 1.0 and flagged.baseline_short_share == 0.0
    assert flagged.flags == (
        "short bodies 100% (was 0%)",
        "extraction method cms:ndsoft -> generic",
    )
    assert health["steady"].flags == () and health["tiny"].flags == ()
    assert next(iter(assess_outlets(memory_db, clock))).outlet == "redesigned"  # flagged first


def test_the_digest_carries_failing_sources_and_extraction_shifts(
    memory_db: sqlite_utils.Database,
) -> None:
    clock: Callable[[], datetime] = lambda: NOW  # noqa: E731
    _store(memory_db, 8, "redesigned", "cms:ndsoft", LONG, ago_days=15)
    _store(memory_db, 4, "redesigned", "generic", "", ago_days=2)
    for runs in range(1, 4):
        run_id = store.start_run(memory_db, "run", NOW.isoformat())
        store.record_source_outcome(
            memory_db, "kgnews", "rss", run_id, NOW.isoformat(), "HTTP 503", 0
        )
        if runs < 3:  # one or two failed runs are a blip, not a notice
            assert not any("kgnews" in line for line in collect_notices(memory_db, clock))
    notices = collect_notices(memory_db, clock)
    assert notices == (
        "source kgnews failing for 3 runs (never worked): HTTP 503",
        "outlet redesigned: short bodies 100% (was 0%); extraction method cms:ndsoft -> generic",
    )
    digest = build_digest(memory_db, day=date(2024, 11, 27), notices=notices)
    assert digest.to_json()["notices"] == list(notices)
