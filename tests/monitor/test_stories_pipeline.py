"""Stories through the pipeline: rewrites collected in one run form one story, reprocess regroups
them the same way, a flash and its roundup are one article, stale fingerprints are rebuilt, and
each press release gets its pick-up list."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

import db as store
from db.stories import release_pickups
from monitor.analyse import Analyser
from monitor.config import Config, parse_config
from monitor.pipeline import process_page
from monitor.reprocess import reprocess_pages, select_pages
from nlp.kiwi import Kiwi
from scrapers import FeedEntry

KST = timezone(timedelta(hours=9))
CONFIG = """
[database]
path = "unused.db"

[[sources]]
name = "feeds"
kind = "rss"
url = "http://feeds.test/rss.xml"

[[entities]]
id = "ncc"
name = "국립암센터"
aliases = ["National Cancer Center"]
core = true

[[entities]]
id = "ilsan-techno-valley"
name = "일산테크노밸리"
core = true

[[outlets]]
domain = "a.test"
name = "가일보"
tier = "local"

[[outlets]]
domain = "b.test"
name = "나경제"
tier = "economic"

[[outlets]]
domain = "c.test"
name = "다통신"
tier = "wire"

[[outlets]]
domain = "goyang.test"
name = "고양특례시"
tier = "local"
"""
RELEASE = (
    "고양특례시, 국립암센터와 정밀의료 공동연구센터 설립 협약",
    "고양특례시는 14일 시청 접견실에서 국립암센터와 '정밀의료 공동연구센터' 설립을 위한 "
    "업무협약을 체결했다. 양 기관은 3년간 50억원을 들여 일산테크노밸리에 연구센터를 세우고 "
    "암 환자 유전체 데이터를 함께 분석한다. 센터에는 연구원 40명이 상주한다.",
)
REWRITES = (
    (
        "http://a.test/1",
        "고양시, 국립암센터와 정밀의료 공동연구센터 설립 협약",
        "경기 고양특례시는 지난 14일 시청 접견실에서 국립암센터와 정밀의료 공동연구센터 설립 "
        "업무협약을 맺었다고 15일 밝혔다. 양측은 3년간 50억원을 투입해 일산테크노밸리 안에 "
        "센터를 짓고 유전체 데이터를 공동 분석한다. 이동환 시장은 정밀의료 도시로 가는 "
        "첫걸음이라고 말했다.",
        10,
    ),
    (
        "http://b.test/2",
        "국립암센터-고양특례시, 50억 들여 정밀의료 연구센터 세운다",
        "국립암센터가 고양특례시와 손잡고 일산테크노밸리에 정밀의료 공동연구센터를 짓는다. 두 "
        "기관은 14일 협약식을 열고 향후 3년 동안 총 50억원을 투입하기로 합의했다. 연구 인력 "
        "40명 규모의 센터는 암 유전체 분석과 임상 데이터 공유를 맡는다.",
        11,
    ),
    (
        "http://c.test/3",
        "[1보] 고양시-국립암센터, 정밀의료 공동연구센터 협약",
        "고양시와 국립암센터가 정밀의료 공동연구센터 설립 협약을 맺었다.",
        8,
    ),
    (
        "http://c.test/4",
        "고양시-국립암센터, 일산테크노밸리에 정밀의료 센터…3년간 50억(종합)",
        "고양특례시와 국립암센터가 일산테크노밸리에 정밀의료 공동연구센터를 세운다. 양 기관은 "
        "14일 업무협약을 맺고 3년간 50억원을 들여 연구원 40명이 일하는 센터를 짓기로 했다. "
        "시는 센터가 바이오 기업 유치의 마중물이 될 것으로 기대했다.",
        12,
    ),
)
OTHER_EVENT = (
    "http://a.test/5",
    "국립암센터·고양시, 킨텍스서 암 예방 시민 건강강좌",
    "국립암센터와 고양특례시가 16일 킨텍스 제2전시장에서 시민 300명을 대상으로 암 예방 "
    "건강강좌를 열었다. 강좌에서는 생활 습관과 조기 검진의 중요성이 소개됐고 무료 상담 부스도 "
    "운영됐다. 시 관계자는 하반기에 건강강좌를 6회 더 열겠다고 밝혔다.",
)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(tomllib.loads(CONFIG), tmp_path / "config.toml")


def _entry(url: str, title: str, body: str, when: datetime, role: str = "coverage") -> FeedEntry:
    paragraphs = "".join(f"<p>{body}</p>" for _ in range(1))
    return FeedEntry(
        url=url, source="feeds", title=title, published_at=when, content_html=paragraphs, role=role
    )


def _collect(
    config: Config, db: sqlite_utils.Database, analyser: Analyser, entries: list[FeedEntry]
) -> None:
    now = datetime(2025, 5, 17, 9, tzinfo=KST)
    for entry in entries:
        process_page(config, db, analyser, entry, None, run_id=None, now=now)


def _entries(order: list[int] | None = None) -> list[FeedEntry]:
    release = _entry(
        "http://goyang.test/release/1",
        *RELEASE,
        datetime(2025, 5, 14, 17, tzinfo=KST),
        role="press_release",
    )
    coverage = [
        _entry(url, title, body, datetime(2025, 5, 15, hour, tzinfo=KST))
        for url, title, body, hour in REWRITES
    ]
    other = _entry(*OTHER_EVENT, datetime(2025, 5, 16, 15, tzinfo=KST))
    everything = [release, *coverage, other]
    return [everything[i] for i in order] if order else everything


def _partition(db: sqlite_utils.Database) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for url, story in db.execute("SELECT url, effective_story FROM effective_articles"):
        groups.setdefault(story, set()).add(url)
    return {frozenset(g) for g in groups.values()}


class _Bar:
    def advance(self, status: str = "") -> None:
        del status


def test_rewrites_in_one_run_are_one_story_and_reprocess_keeps_it(
    config: Config,
    kiwi: Kiwi,
    memory_db: sqlite_utils.Database,
    assert_recount: Callable[[sqlite_utils.Database, str, str], None],
) -> None:
    analyser = Analyser(kiwi, config.entities, config.topics)
    # Collected in an order unlike publication: the roundup and a rewrite before the release.
    _collect(config, memory_db, analyser, _entries([4, 2, 0, 5, 1, 3]))
    groups = _partition(memory_db)
    story = next(g for g in groups if "http://goyang.test/release/1" in g)
    assert story == {"http://goyang.test/release/1", *(r[0] for r in REWRITES)}
    assert frozenset({OTHER_EVENT[0]}) in groups  # same entities, same week, another event

    # A flash and its roundup are one article: 3 outlets, 1 story (the release does not count).
    rows, total = store.tally(memory_db, "outlet", "2025-05-01", "2025-05-31")
    relevant = memory_db.execute(
        "SELECT COUNT(DISTINCT outlet) FROM effective_articles WHERE is_relevant = 1 "
        "AND role = 'coverage' AND effective_story = ?",
        [
            memory_db.execute(
                "SELECT effective_story FROM effective_articles WHERE role = 'press_release'"
            ).fetchone()[0]
        ],
    ).fetchone()[0]
    assert relevant == 3
    assert total.articles == relevant + 1 and total.stories == 2, (rows, total)
    assert_recount(memory_db, "2025-05-01", "2025-05-31")

    clock = lambda: datetime(2025, 5, 18, 9, tzinfo=KST)  # noqa: E731
    reprocess_pages(
        config, memory_db, analyser, select_pages(memory_db, None), clock=clock, bar=_Bar()
    )
    assert _partition(memory_db) == groups
    assert_recount(memory_db, "2025-05-01", "2025-05-31")


def test_collection_order_does_not_change_the_grouping(
    config: Config, kiwi: Kiwi, tmp_path: Path
) -> None:
    analyser = Analyser(kiwi, config.entities, config.topics)
    partitions = []
    for n, order in enumerate(([0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [3, 5, 1, 0, 4, 2])):
        db = store.open_database(tmp_path / f"{n}.db")
        _collect(config, db, analyser, _entries(order))
        partitions.append(_partition(db))
    assert partitions[0] == partitions[1] == partitions[2]


def test_stale_fingerprints_are_rebuilt_and_corrections_win(
    config: Config, kiwi: Kiwi, memory_db: sqlite_utils.Database
) -> None:
    analyser = Analyser(kiwi, config.entities, config.topics)
    entries = _entries()
    _collect(config, memory_db, analyser, entries[:2])
    # As stored before format 2: the bytes of datasketch's layout.
    old = (40).to_bytes(4, "little") + (128).to_bytes(4, "little") + bytes(8 * 128)
    memory_db.execute("UPDATE articles SET fingerprint = ?", [old])
    memory_db.conn.commit()
    _collect(config, memory_db, analyser, entries[2:3])
    fingerprints = [r[0] for r in memory_db.execute("SELECT fingerprint FROM articles")]
    assert all(f[:4] == b"FPv\x02" for f in fingerprints)

    # The team splits the release out of its story: new copies and a reprocess leave it out.
    release_id, copy_id = [
        r[0] for r in memory_db.execute("SELECT id FROM articles ORDER BY role = 'coverage', id")
    ][:2]
    assert store.effective_story(memory_db, release_id) == store.effective_story(memory_db, copy_id)
    store.split_story(memory_db, release_id, "2025-05-17T10:00:00+09:00")
    _collect(config, memory_db, analyser, entries[3:5])
    clock = lambda: datetime(2025, 5, 18, 9, tzinfo=KST)  # noqa: E731
    pages = select_pages(memory_db, None)
    reprocess_pages(config, memory_db, analyser, pages, clock=clock, bar=_Bar())
    assert store.effective_story(memory_db, release_id) == release_id
    assert store.effective_story(memory_db, copy_id) != release_id


def test_release_pickups_list_coverage_per_outlet(
    config: Config, kiwi: Kiwi, memory_db: sqlite_utils.Database
) -> None:
    analyser = Analyser(kiwi, config.entities, config.topics)
    _collect(config, memory_db, analyser, _entries())
    (pickup,) = release_pickups(memory_db, "2025-05-01", "2025-05-31")
    assert pickup.title == RELEASE[0]
    assert sorted(a.outlet for a in pickup.articles) == ["가일보", "나경제", "다통신"]
    assert pickup.outlets == 3
    assert pickup.tiers == {"local": 1, "economic": 1, "wire": 1}
    wire = next(a for a in pickup.articles if a.outlet == "다통신")
    assert len(wire.ids) == 2  # the flash and its roundup
    assert release_pickups(memory_db, "2025-06-01", "2025-06-30") == []
    assert date.fromisoformat(pickup.published_date) == date(2025, 5, 14)
