"""End to end over the demo site: collect, then the report's figures and the tallies per entity
and topic against the site's gold manifest (and against a recount from scratch)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils
from support import CollectedDemo, DemoCopy, collect_demo, copy_demo
from testkit import Recount

import db as store
from monitor.config import load_config
from monitor.demo.server import load_manifest
from nlp.kiwi import Kiwi

PERIOD = "2024-W48"  # 2024-11-25 .. 2024-12-01: every demo item
START, END = "2024-11-25", "2024-12-01"


@dataclass
class Demo(DemoCopy):
    manifest: dict[str, Any]

    def id_of(self, item: dict[str, Any]) -> int:
        row = self.db.execute("SELECT id FROM articles WHERE title = ?", [item["title"]]).fetchone()
        assert row is not None, item["title"]
        return int(row[0])


@pytest.fixture(scope="module")
def collected(kiwi: Kiwi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectedDemo]:
    """The demo site collected once into a database file the tests copy."""
    with collect_demo(kiwi, tmp_path_factory.mktemp("report-demo")) as demo:
        assert not demo.report.errors, demo.report.errors
        yield demo


@pytest.fixture
def demo(
    collected: CollectedDemo,
    kiwi: Kiwi,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Demo]:
    """A copy of the collected database and a config pointing at it."""
    config_path = copy_demo(collected, tmp_path)
    database = store.open_database(tmp_path / "demo.db")
    yield Demo(config_path, database, kiwi, capsys, load_manifest())
    database.conn.close()


def _story(item: dict[str, Any]) -> str:
    return str(item.get("story") or item["path"])


def _gold(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The relevant coverage of the manifest (releases are never coverage)."""
    return [i for i in manifest["articles"] if i["relevant"] and not i.get("press_release")]


def _counts(items: list[dict[str, Any]]) -> tuple[int, int, int]:
    return (
        len({(i["outlet"], _story(i)) for i in items}),
        len({i["outlet"] for i in items}),
        len({_story(i) for i in items}),
    )


def _as_counts(tally: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    found = {r["key"]: (r["articles"], r["outlets"], r["stories"]) for r in tally["rows"]}
    t = tally["total"]
    found["total"] = (t["articles"], t["outlets"], t["stories"])
    return found


def test_tally_per_entity_is_the_gold(demo: Demo, recount: Recount) -> None:
    gold = _gold(demo.manifest)
    entities = {e for i in gold for e in i["entities"]}
    expected = {e: _counts([i for i in gold if e in i["entities"]]) for e in entities}
    expected["total"] = _counts(gold)
    tally = demo.json("tally", "--period", PERIOD, "--by", "entity")
    assert _as_counts(tally) == expected
    assert _as_counts(tally) == recount(demo.db, START, END, "entity")


def test_tally_per_topic_once_the_team_has_labelled(demo: Demo, recount: Recount) -> None:
    """Labels win: with the gold topics labelled, the topic rows are the gold's."""
    tally = demo.json("tally", "--period", PERIOD, "--by", "topic")
    assert _as_counts(tally) == recount(demo.db, START, END, "topic")
    for item in demo.manifest["articles"]:
        if item["relevant"]:
            code, _, err = demo.run("label", str(demo.id_of(item)), "--topic", item["topic"])
            assert code == 0, err
    gold = _gold(demo.manifest)
    expected = {
        t: _counts([i for i in gold if i["topic"] == t]) for t in {i["topic"] for i in gold}
    }
    expected["total"] = _counts(gold)
    labelled = demo.json("tally", "--period", PERIOD, "--by", "topic")
    assert _as_counts(labelled) == expected
    report = demo.json("report", "--period", PERIOD)
    assert report["by_topic"] == {"rows": labelled["rows"], "total": labelled["total"]}
    releases = [i for i in demo.manifest["articles"] if i.get("press_release") and i["relevant"]]
    assert {t["key"]: t["releases"] for t in report["press_releases"]["by_topic"]} == dict(
        Counter(i["topic"] for i in releases)
    )


def _stored_pickup(database: sqlite_utils.Database) -> dict[int, tuple[int, dict[str, int]]]:
    """Per relevant release id: the outlets whose relevant coverage shares its stored story,
    and their tiers, read straight from the rows."""
    found = {}
    for release, story in database.execute(
        "SELECT id, effective_story FROM effective_articles "
        "WHERE role = 'press_release' AND is_relevant = 1"
    ):
        outlets = dict(
            database.execute(
                "SELECT outlet, MIN(tier) FROM effective_articles WHERE role = 'coverage' "
                "AND is_relevant = 1 AND effective_story = ? GROUP BY outlet",
                [story],
            ).fetchall()
        )
        found[release] = (len(outlets), dict(Counter(outlets.values())))
    return found


def _correct_stories_to_gold(demo: Demo) -> int:
    """Do what the team does when grouping got a story wrong: `story split` an item from a
    story that is not its own, `story merge` the copies of one story; the corrections made."""
    items = [i for i in demo.manifest["articles"] if i["relevant"]]
    ids = {i["title"]: demo.id_of(i) for i in items}

    def stored(article_id: int) -> int:
        return int(store.effective_story(demo.db, article_id))

    corrections = 0
    for item in items:
        mates = {
            ids[o["title"]] for o in items if o.get("story") and o.get("story") == item.get("story")
        }
        mates.add(ids[item["title"]])
        members = set(store.story_members(demo.db, stored(ids[item["title"]])))
        if members - mates:
            code, _, err = demo.run("story", "split", str(ids[item["title"]]))
            assert code == 0, err
            corrections += 1
    for item in items:
        copies = sorted(
            {
                ids[o["title"]]
                for o in items
                if item.get("story") and o.get("story") == item["story"]
            }
        )
        if len({stored(m) for m in copies}) > 1:
            code, _, err = demo.run("story", "merge", *map(str, copies))
            assert code == 0, err
            corrections += 1
    return corrections


def test_report_figures_are_the_gold(demo: Demo, tmp_path: Path) -> None:
    manifest = demo.manifest
    gold = _gold(manifest)
    tiers = {o["key"]: o["tier"] for o in manifest["outlets"]}
    releases = [i for i in manifest["articles"] if i.get("press_release") and i["relevant"]]
    # As collected, pick-up follows the stored stories, whatever grouping made of them ...
    report = demo.json("report", "--period", "2024H2")
    assert {
        p["id"]: (p["outlets"], p["tiers"]) for p in report["pickup"]["per_release"]
    } == _stored_pickup(demo.db)
    # ... and once the team has corrected the grouping, every figure is the gold's.
    _correct_stories_to_gold(demo)
    report = demo.json("report", "--period", "2024H2")
    assert report["period"] == {"name": "2024H2", "start": "2024-07-01", "end": "2024-12-31"}
    assert report["press_releases"]["issued"] == len(releases)
    per_release = {p["title"]: p for p in report["pickup"]["per_release"]}
    assert set(per_release) == {i["title"] for i in releases}
    picked = 0
    for release in releases:
        ran = [i for i in gold if release.get("story") and i.get("story") == release["story"]]
        found = per_release[release["title"]]
        assert (found["articles"], found["outlets"]) == _counts(ran)[:2], release["title"]
        assert found["tiers"] == dict(Counter(tiers[i["outlet"]] for i in ran))
        picked += bool(ran)
    assert picked  # the demo has a release three outlets ran
    assert report["pickup"]["picked_up"] == picked
    assert report["pickup"]["share"] == round(picked / len(releases), 4)
    articles, outlets, stories = _counts(gold)
    assert report["coverage"] == {"articles": articles, "outlets": outlets, "stories": stories}
    by_tier = {r["key"]: r["articles"] for r in report["by_tier"]["rows"]}
    assert by_tier == dict(Counter(tiers[o] for o, _ in {(i["outlet"], _story(i)) for i in gold}))
    for by in ("topic", "tier"):
        tally = demo.json("tally", "--period", "2024H2", "--by", by)
        assert report[f"by_{by}"] == {"rows": tally["rows"], "total": tally["total"]}

    out = tmp_path / "report.xlsx"
    code, _, err = demo.run("report", "--period", "2024H2", "--format", "xlsx", "--out", str(out))
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    items = list(book["집계 대상 기사"].iter_rows(min_row=2, values_only=True))
    assert len(items) == articles
    assert {r[3] for r in items} <= {i["title"] for i in gold}
    names = {e.id: e.name for e in load_config(demo.config_path).entities}
    per_entity = Counter(name for r in items if r[5] for name in r[5].split(", "))
    assert per_entity == {
        names[e]: _counts([i for i in gold if e in i["entities"]])[0]
        for e in {e for i in gold for e in i["entities"]}
    }
    summary = {
        (r[0], r[2]): r[3] for r in book["요약"].iter_rows(min_row=2, values_only=True) if r[0]
    }
    assert summary[("보도자료 배포", "total")] == len(releases)
    assert summary[("주제별 기사", "total")] == articles
    assert summary[("매체 유형별 사안", "total")] == stories


def test_pickup_agrees_with_the_story_library(demo: Demo) -> None:
    """The report's pick-up and db.stories.release_pickups read stories the same way."""
    from db.stories import release_pickups

    report = demo.json("report", "--period", "2024H2")
    ours = {
        p["id"]: (p["outlets"], p["tiers"], sorted(p["article_ids"]))
        for p in report["pickup"]["per_release"]
    }
    theirs = {
        p.release_id: (p.outlets, p.tiers, sorted(a.id for a in p.articles))
        for p in release_pickups(demo.db, "2024-07-01", "2024-12-31")
    }
    assert ours == theirs
    assert any(outlets for outlets, _, _ in ours.values())
