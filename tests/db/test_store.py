"""Storage: schema, idempotent writes, stable ids, raw pages apart from articles."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import sqlite_utils
from testkit import BASE_ARTICLE

import db as store
from db._schema import MIGRATIONS
from db.crawl_state import (
    KnownUrl,
    absorb_article,
    find_known_urls,
    record_address,
    stored_under,
)

PAGE = store.PageRecord(
    url="https://www.mygoyang.com/news/articleView.html?idxno=1",
    fetched_at="2024-11-27T09:00:00+09:00",
    body="<html>국립암센터</html>".encode(),
    source="mygoyang",
)
ARTICLE = replace(
    BASE_ARTICLE,
    url=PAGE.url,
    title="고양시, 국립암센터와 정밀의료 협약",
    body="고양시가 국립암센터와 협약을 맺었다.",
    method="cms:ndsoft",
    published_at="2024-11-27T08:10:00+09:00",
    outlet="고양신문",
    mentions=(store.MentionRecord("ncc", "title", 5, 10, "국립암센터"),),
)


def test_schema_is_versioned_and_uses_wal(tmp_path: Path) -> None:
    database = store.open_database(tmp_path / "m.db")
    assert database.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"pages", "articles", "mentions", "runs", "errors", "sources", "labels"} <= set(
        database.table_names()
    )
    database.conn.close()
    # Opening again applies nothing twice.
    again = store.open_database(tmp_path / "m.db")
    assert again.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(store.SchemaError):
        store.open_database(path)


def test_page_body_is_stored_compressed_and_round_trips(memory_db: sqlite_utils.Database) -> None:
    big = replace(PAGE, body=("<p>일산테크노밸리</p>" * 2000).encode())
    page_id = store.save_page(memory_db, big, None)
    stored = memory_db.execute("SELECT length(body_gz) FROM pages").fetchone()[0]
    assert stored < len(big.body) / 10
    assert store.page_body(memory_db, page_id) == big.body


def test_saving_the_same_url_twice_keeps_one_row_and_its_id(
    memory_db: sqlite_utils.Database,
) -> None:
    first_id, created = store.save_fetched_article(memory_db, PAGE, ARTICLE, None)
    assert created
    later = replace(
        ARTICLE, title="고양시, 국립암센터와 협약 (종합)", collected_at="2024-11-28T09:00:00+09:00"
    )
    second_id, created_again = store.save_fetched_article(memory_db, PAGE, later, None)
    assert (second_id, created_again) == (first_id, False)
    row = memory_db.execute("SELECT title, collected_at FROM articles").fetchall()
    # The first collection time survives; the content is updated.
    assert row == [("고양시, 국립암센터와 협약 (종합)", "2024-11-27T09:00:00+09:00")]
    assert memory_db.execute("SELECT COUNT(*) FROM mentions").fetchone()[0] == 1
    assert store.known_urls(memory_db, [PAGE.url, "https://x.example/"]) == {PAGE.url}


def test_errors_and_source_health_are_recorded(memory_db: sqlite_utils.Database) -> None:
    run_id = store.start_run(memory_db, "run", "2024-11-27T09:00:00+09:00")
    store.record_error(memory_db, run_id, "https://a/", "fetch", "HTTP 503", "t", "feed")
    store.record_source_outcome(memory_db, "feed", "rss", run_id, "t1", "HTTP 503", 0)
    store.record_source_outcome(memory_db, "feed", "rss", run_id, "t2", "timeout", 0)
    (health,) = store.source_health(memory_db)
    assert health["consecutive_failures"] == 2
    assert health["last_error"] == "timeout"
    store.record_source_outcome(memory_db, "feed", "rss", run_id, "t3", None, 4)
    (health,) = store.source_health(memory_db)
    assert (health["consecutive_failures"], health["last_success"]) == (0, "t3")
    assert health["new_articles_last_run"] == 4
    store.finish_run(memory_db, run_id, "t4", "partial", errors=1, fetched=3)
    assert memory_db.execute("SELECT status, errors, fetched FROM runs").fetchone() == (
        "partial",
        1,
        3,
    )


def test_schema_7_records_stored_pages_landings_in_an_existing_database(tmp_path: Path) -> None:
    """A database with data gains the address table, seeded from where stored pages' redirects
    landed; the known-URL check then knows those addresses, under either scheme."""
    path = tmp_path / "six.db"
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:6], start=1):
        conn.executescript(script + f";PRAGMA user_version = {number};")
    pages = [
        ("http://news.test/old/1", "http://news.test/news/1#top"),  # redirected
        ("http://news.test/news/2", "http://news.test/news/2"),  # did not
        ("http://news.test/old/3", "http://news.test/news/2"),  # landed on another article
    ]
    for n, (url, final_url) in enumerate(pages, start=1):
        conn.execute(
            "INSERT INTO pages (id, url, final_url, fetched_at) VALUES (?, ?, ?, 't')",
            [n, url, final_url],
        )
        conn.execute(
            "INSERT INTO articles (page_id, url, title, collected_at, processed_at) "
            "VALUES (?, ?, '기사', 't', 't')",
            [n, url],
        )
    conn.commit()
    conn.close()
    database = store.open_database(path)
    assert database.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION >= 7
    assert database.execute("SELECT url, article_id, kind FROM article_addresses").fetchall() == [
        ("http://news.test/news/1", 1, "landing")
    ]
    found = find_known_urls(database, ["https://news.test/news/1", "http://news.test/news/4"])
    assert found == {
        "https://news.test/news/1": KnownUrl("http://news.test/old/1", "other address")
    }


def test_an_address_belongs_to_one_article_and_follows_it(memory_db: sqlite_utils.Database) -> None:
    first, _ = store.save_article(memory_db, ARTICLE, None, None)
    other = replace(ARTICLE, url="https://www.mygoyang.com/news/2")
    store.save_article(memory_db, other, None, None)
    at = "2024-11-27T09:00:00+09:00"
    assert record_address(memory_db, "http://old.test/1", ARTICLE.url, "redirect", at)
    # An article's own URL is never another article's address.
    assert not record_address(memory_db, other.url, ARTICLE.url, "landing", at)
    assert stored_under(memory_db, ["https://old.test/1", other.url, "https://x.test/"]) == {
        "https://old.test/1": ARTICLE.url,
        other.url: other.url,
    }
    memory_db.execute("DELETE FROM articles WHERE id = ?", [first])
    assert stored_under(memory_db, ["http://old.test/1"]) == {}


def test_a_headline_item_taking_over_an_article_takes_its_addresses(
    memory_db: sqlite_utils.Database,
) -> None:
    item = replace(ARTICLE, url="https://news.google.com/rss/articles/CBMiAbc", method="headline")
    item_id, _ = store.save_article(memory_db, item, None, None)
    page_id, _ = store.save_article(memory_db, ARTICLE, None, None)
    at = "2024-11-27T09:00:00+09:00"
    assert record_address(memory_db, "https://www.mygoyang.com/old/1", ARTICLE.url, "redirect", at)
    absorb_article(memory_db, item_id, page_id)
    assert memory_db.execute("SELECT url, article_id FROM article_addresses").fetchall() == [
        ("https://www.mygoyang.com/old/1", item_id)
    ]
    assert stored_under(memory_db, ["http://www.mygoyang.com/old/1"]) == {
        "http://www.mygoyang.com/old/1": ARTICLE.url
    }
