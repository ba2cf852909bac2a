"""The digest from stored rows: copies folded, manual print/broadcast items shown as such."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

import db as store
from monitor.config import parse_config
from monitor.digest import build_digest, render_digest
from monitor.periods import KST

CONFIG = """
[database]
path = "unused.db"

[[sources]]
name = "feed"
kind = "rss"
url = "http://news.test/rss.xml"

[[entities]]
id = "ncc"
name = "국립암센터"

[[outlets]]
domain = "news.test"
name = "테스트일보"
tier = "local"
"""


def _article(
    url: str, outlet: str, medium: str, story_id: int | None = None
) -> store.ArticleRecord:
    return store.ArticleRecord(
        url=url,
        title="국립암센터, 고양시와 정밀의료 협력",
        body="" if medium != "online" else "국립암센터와 고양시가 협력한다.",
        role="coverage",
        method="manual" if medium != "online" else "generic",
        collected_at="2024-11-27T09:00:00+09:00",
        processed_at="2024-11-27T09:00:00+09:00",
        medium=medium,
        published_at="2024-11-27T00:00:00+09:00",
        published_date="2024-11-27",
        outlet=outlet,
        tier="local",
        relevant=True,
        tone="neutral",
        story_id=story_id,
        mentions=(store.MentionRecord("ncc", "title", 0, 5, "국립암센터", ""),),
    )


def test_manual_print_item_shows_as_print_without_a_link(memory_db: sqlite_utils.Database) -> None:
    online, _ = store.save_article(
        memory_db, _article("http://news.test/a/1", "테스트일보", "online"), None, None
    )
    store.save_article(
        memory_db, _article("manual:abc", "고양신문", "print", story_id=online), None, None
    )
    config = parse_config(tomllib.loads(CONFIG), Path("config.toml"))
    digest = build_digest(memory_db, day=date(2024, 11, 27))
    assert len(digest.stories) == 1
    media = [a.medium for a in digest.stories[0].articles]
    assert media == ["online", "print"]
    now = datetime(2024, 11, 27, 9, tzinfo=KST)
    md = render_digest(digest, "md", config, now)
    assert "[고양신문·local·지면] 국립암센터, 고양시와 정밀의료 협력 (링크 없음)" in md
    assert "manual:abc" not in md
    copies = [line for line in md.splitlines() if line.startswith("- [")]
    assert copies == [
        "- [테스트일보·local] http://news.test/a/1",
        "- [고양신문·local·지면] 국립암센터, 고양시와 정밀의료 협력 (링크 없음)",
    ]
    html = render_digest(digest, "html", config, now)
    assert "[지면]" in html and 'href="manual:' not in html and 'href="#"' not in html
    items = render_digest(digest, "json", config, now)
    assert '"medium": "print"' in items
