"""Counting rules: articles are distinct (outlet, story) pairs; labels win; releases never count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sqlite_utils
from testkit import BASE_ARTICLE

import db as store

BASE = replace(
    BASE_ARTICLE,
    title="일산테크노밸리 착공",
    body="일산테크노밸리가 착공했다.",
    topic="infrastructure",
    mentions=(store.MentionRecord("ilsan-techno-valley", "title", 0, 7, "일산테크노밸리"),),
)


def _add(db: sqlite_utils.Database, n: int, **changes: object) -> int:
    record = replace(BASE, url=f"https://example.com/{n}", **changes)  # type: ignore[arg-type]
    article_id, _ = store.save_article(db, record, None, None)
    return article_id


def test_tally_counts_outlet_story_pairs(memory_db: sqlite_utils.Database) -> None:
    release = _add(memory_db, 0, outlet="고양시", role="press_release")
    story = _add(memory_db, 1, outlet="뉴스핌", tier="internet", story_id=release)
    _add(memory_db, 2, outlet="뉴스핌", tier="internet", story_id=release)  # same outlet re-post
    _add(memory_db, 3, outlet="경기일보", tier="local", story_id=release)
    _add(memory_db, 4, outlet="경기일보", tier="local")  # another story
    _add(memory_db, 5, outlet="경기일보", relevant=False)  # not relevant
    _add(memory_db, 6, outlet="중부일보", published_date="2024-12-01")  # outside the period
    assert story
    rows, total = store.tally(memory_db, "entity", "2024-11-01", "2024-11-30")
    assert [(r.key, r.articles, r.outlets, r.stories) for r in rows] == [
        ("ilsan-techno-valley", 3, 2, 2)
    ]
    assert (total.articles, total.outlets, total.stories) == (3, 2, 2)
    by_tier, _ = store.tally(memory_db, "tier", "2024-11-01", "2024-11-30")
    assert {r.key: r.articles for r in by_tier} == {"local": 2, "internet": 1}


def test_tally_names_a_missing_tier_unknown(memory_db: sqlite_utils.Database) -> None:
    _add(memory_db, 1, outlet="경기일보", tier="local")
    _add(memory_db, 2, outlet="어느신문", tier=None)
    _add(memory_db, 3, outlet="다른신문", tier="")
    by_tier, total = store.tally(memory_db, "tier", "2024-11-01", "2024-11-30")
    assert {r.key: r.articles for r in by_tier} == {"local": 1, "unknown": 2}
    assert total.articles == 3


def test_labels_win_over_the_classifier(memory_db: sqlite_utils.Database) -> None:
    kept = _add(memory_db, 1, outlet="뉴스핌")
    dropped = _add(memory_db, 2, outlet="경기일보", relevant=False)
    with memory_db.conn:
        memory_db.execute(
            "INSERT INTO labels (article_id, relevant, tone, updated_at) VALUES (?, 0, NULL, 't')",
            [kept],
        )
        memory_db.execute(
            "INSERT INTO labels (article_id, relevant, tone, updated_at) "
            "VALUES (?, 1, 'negative', 't')",
            [dropped],
        )
    rows, total = store.tally(memory_db, "tone", "2024-11-27", "2024-11-27")
    assert [(r.key, r.articles) for r in rows] == [("negative", 1)]
    assert total.articles == 1


def test_search_filters_and_relevance(memory_db: sqlite_utils.Database) -> None:
    a = _add(
        memory_db,
        1,
        outlet="뉴스핌",
        title="국립암센터와 협약",
        body="고양시와 국립암센터가 협약했다.",
    )
    b = _add(memory_db, 2, outlet="경기일보", relevant=False, title="국립암센터 신약 임상")
    relevant_only = store.search_articles(memory_db, ["국립암센터"], store.SearchFilters(), 50)
    assert [r["id"] for r in relevant_only] == [a]
    everything = store.search_articles(
        memory_db, ["국립암센터"], store.SearchFilters(include_irrelevant=True), 50
    )
    assert {r["id"] for r in everything} == {a, b}
    assert everything[0]["entities"] == ["ilsan-techno-valley"]
    by_outlet = store.search_articles(
        memory_db, [], store.SearchFilters(outlet="경기일보", include_irrelevant=True), 0
    )
    assert [r["id"] for r in by_outlet] == [b]


def test_digest_articles_by_day_and_by_collection(memory_db: sqlite_utils.Database) -> None:
    early = _add(memory_db, 1, collected_at="2024-11-27T07:00:00+09:00")
    late = _add(memory_db, 2, collected_at="2024-11-27T12:00:00+09:00")
    _add(memory_db, 3, published_date="2024-11-26", collected_at="2024-11-27T12:30:00+09:00")
    day = store.digest_articles(memory_db, date="2024-11-27")
    assert {r["id"] for r in day} == {early, late}
    since = store.digest_articles(
        memory_db,
        collected_after="2024-11-27T08:00:00+09:00",
        collected_until="2024-11-27T12:00:00+09:00",
    )
    assert [r["id"] for r in since] == [late]


def _mixed_archive(db: sqlite_utils.Database) -> None:
    """Copies, print editions, labels both ways, story corrections and releases over two
    months: every rule of the count in play at once."""
    outlets = (("뉴스핌", None, "internet"), (None, "kyeonggi.kr", "local"), (None, None, None))
    topics = ("agreement", "event", None)
    ids: list[int] = []
    for n in range(36):
        outlet, domain, tier = outlets[n % 3]
        ids.append(
            _add(
                db,
                n,
                outlet=outlet,
                outlet_domain=domain,
                tier=tier,
                # Several copies of one outlet in one story, with different topics and media.
                story_id=ids[n - 3] if n % 4 == 3 and n >= 3 else None,
                medium="print" if n % 5 == 0 else "online",
                topic=topics[n % 3 - (n // 3) % 2],
                tone=("positive", "negative")[n % 2],
                relevant=n % 7 != 0,
                role="press_release" if n % 11 == 0 else "coverage",
                published_date=f"2024-{11 + n % 2}-{1 + n % 28:02d}",
                mentions=BASE.mentions if n % 2 else (),
            )
        )
    at = "2024-12-31T09:00:00+09:00"
    store.set_label(db, ids[7], at, relevant=True, topic="overseas")  # classifier said no
    store.set_label(db, ids[8], at, relevant=False)  # classifier said yes
    store.set_label(db, ids[10], at, tone="negative", topic="policy")
    store.set_label(db, ids[14], at, relevant=None)  # a cleared label: the classifier counts
    store.merge_stories(db, [ids[1], ids[4], ids[13]], at)
    store.split_story(db, ids[6], at)


def test_every_tally_is_a_recount_of_a_mixed_archive(
    memory_db: sqlite_utils.Database,
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    _mixed_archive(memory_db)
    for start, end in (
        ("2024-11-01", "2024-12-31"),
        ("2024-11-01", "2024-11-30"),
        ("2024-12-04", "2024-12-04"),
        ("2024-11-20", "2024-12-10"),
    ):
        assert_recount(memory_db, start, end)
    _, total = store.tally(memory_db, "month", "2024-11-01", "2024-12-31")
    assert total.articles > total.stories > 0  # the archive really has multi-outlet stories


def test_tally_reads_the_counted_index_not_the_table(memory_db: sqlite_utils.Database) -> None:
    """Schema 6's covering index carries the count; the table's rows (with their bodies) are
    read only for the articles a label made relevant."""
    from db.queries import _COUNTED_ROWS

    plan = " | ".join(
        str(r[3])
        for r in memory_db.execute(
            f"EXPLAIN QUERY PLAN {_COUNTED_ROWS}", {"start": "2024-01-01", "end": "2024-12-31"}
        )
    )
    assert "COVERING INDEX articles_counted" in plan
    assert "SCAN l" in plan and "SCAN a" not in plan
