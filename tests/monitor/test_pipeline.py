"""The whole pipeline over the bundled demo site served on loopback: collect, store, count."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.cli import main
from monitor.config import Config, load_config
from monitor.demo.server import DemoSite, load_manifest, serve_demo_site
from monitor.pipeline import RunReport, run_once
from nlp.kiwi import Kiwi
from scrapers import Fetched, FetchError
from scrapers.fetch import Fetcher


@dataclass
class Demo:
    site: DemoSite
    config: Config
    config_path: Path
    analyser: Analyser
    manifest: dict[str, Any]


@pytest.fixture(scope="module")
def demo(kiwi: Kiwi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo site, a config pointing at it and a fresh database path."""
    folder = tmp_path_factory.mktemp("demo")
    with serve_demo_site() as site:
        config_path = folder / "config.toml"
        config_path.write_text(site.config_text(str(folder / "demo.db")), encoding="utf-8")
        config = load_config(config_path)
        yield Demo(
            site,
            config,
            config_path,
            Analyser(kiwi, config.entities, config.topics),
            load_manifest(),
        )


def _collect(
    demo: Demo, database: sqlite_utils.Database, clock: Callable[[], datetime]
) -> RunReport:
    with Fetcher(demo.config.fetch) as fetcher:
        return run_once(demo.config, database, fetcher=fetcher, analyser=demo.analyser, clock=clock)


@pytest.fixture(scope="module")
def collected(demo: Demo) -> Iterator[tuple[sqlite_utils.Database, RunReport, RunReport]]:
    """The demo collected twice into one database."""
    database = store.open_database(demo.config.database_path)
    clock = lambda: datetime.fromisoformat("2024-11-28T18:00:00+09:00")  # noqa: E731
    first = _collect(demo, database, clock)
    second = _collect(demo, database, clock)
    yield database, first, second
    database.conn.close()


def _articles(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return list(manifest["articles"])


def _by_title(database: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    rows = database.execute(
        "SELECT id, title, url, relevant, story_id, role, outlet, published_date FROM articles"
    )
    names = [d[0] for d in rows.description]
    return {r[1]: dict(zip(names, r, strict=True)) for r in rows}


def test_first_run_stores_every_article_without_errors(
    demo: Demo, collected: tuple[sqlite_utils.Database, RunReport, RunReport]
) -> None:
    database, first, _ = collected
    assert first.errors == (), first.errors
    assert first.sources_ok == first.sources == len(demo.config.sources)
    assert first.new_articles == len(_articles(demo.manifest))
    stored = _by_title(database)
    for item in _articles(demo.manifest):
        assert item["title"] in stored, item["title"]
        assert stored[item["title"]]["published_date"] == item["published"][:10]


def test_second_run_stores_nothing_new(
    collected: tuple[sqlite_utils.Database, RunReport, RunReport],
) -> None:
    _, first, second = collected
    assert (second.new_articles, second.fetched, second.errors) == (0, 0, ())
    assert second.skipped["already stored"] >= first.new_articles


def test_relevance_matches_the_gold(
    demo: Demo, collected: tuple[sqlite_utils.Database, RunReport, RunReport]
) -> None:
    stored = _by_title(collected[0])
    wrong = [
        item["title"]
        for item in _articles(demo.manifest)
        if not item.get("press_release")
        and bool(stored[item["title"]]["relevant"]) != item["relevant"]
    ]
    assert wrong == []


def test_press_release_copies_form_one_story(
    demo: Demo, collected: tuple[sqlite_utils.Database, RunReport, RunReport]
) -> None:
    stored = _by_title(collected[0])
    stories: dict[str, set[int]] = {}
    for item in _articles(demo.manifest):
        row = stored[item["title"]]
        if item.get("story"):
            stories.setdefault(item["story"], set()).add(row["story_id"] or row["id"])
    assert stories, "the demo has a syndicated press release"
    for key, ids in stories.items():
        assert len(ids) == 1, key
    releases = [i for i in _articles(demo.manifest) if i.get("press_release")]
    assert releases and all(stored[i["title"]]["role"] == "press_release" for i in releases)


def _cli(demo: Demo, kiwi: Kiwi, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(
        ["--config", str(demo.config_path), *argv],
        environ={},
        clock=lambda: datetime.fromisoformat("2024-11-28T18:00:00+09:00"),
        kiwi=kiwi,
    )
    return code, capsys.readouterr().out


def test_search_entity_ncc_finds_own_mentions_only(
    demo: Demo,
    kiwi: Kiwi,
    collected: tuple[sqlite_utils.Database, RunReport, RunReport],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _cli(
        demo, kiwi, capsys, "search", "--entity", "ncc", "--all", "--limit", "0", "--json"
    )
    assert code == 0
    found = {i["title"] for i in json.loads(out)}
    # Every stored item whose own title or body names 국립암센터, the city's release included.
    expected = {i["title"] for i in _articles(demo.manifest) if "ncc" in i["entities"]}
    assert found == expected
    sidebar_only = {
        i["title"]
        for i in _articles(demo.manifest)
        if "ncc" in i.get("sidebar_entities", []) and "ncc" not in i["entities"]
    }
    assert sidebar_only
    assert not sidebar_only & found
    _, out = _cli(demo, kiwi, capsys, "search", "--entity", "ncc", "--json")
    relevant = {i["title"] for i in json.loads(out)}
    near_misses = {
        i["title"] for i in _articles(demo.manifest) if "ncc" in i["entities"] and not i["relevant"]
    }
    releases = {i["title"] for i in _articles(demo.manifest) if i.get("press_release")}
    assert near_misses
    assert relevant == expected - near_misses - releases


def test_digest_and_tally_over_the_demo(
    demo: Demo,
    kiwi: Kiwi,
    collected: tuple[sqlite_utils.Database, RunReport, RunReport],
    capsys: pytest.CaptureFixture[str],
) -> None:
    days = sorted({i["published"][:10] for i in _articles(demo.manifest)})
    entities: set[str] = set()
    for day in days:
        code, out = _cli(demo, kiwi, capsys, "digest", "--date", day, "--format", "json")
        assert code == 0
        for story in json.loads(out)["stories"]:
            entities.update(story["entities"])
            outlets = [a["outlet"] for a in story["articles"]]
            assert len(outlets) == len(set(outlets)) or len(set(outlets)) > 1
    assert {"lih-g", "ncc", "ilsan-techno-valley"} <= entities
    period = f"{days[0]}..{days[-1]}"
    code, out = _cli(demo, kiwi, capsys, "tally", "--period", period, "--json")
    tally = json.loads(out)
    gold = [i for i in _articles(demo.manifest) if i["relevant"] and not i.get("press_release")]
    stories = {i.get("story") or i["title"] for i in gold}
    assert tally["total"]["stories"] == len(stories)
    assert tally["total"]["articles"] == len(
        {(i["outlet"], i.get("story") or i["title"]) for i in gold}
    )


class _Interrupting(Fetcher):
    """A fetcher that dies like a killed process after handing out `limit` pages."""

    def __init__(self, inner: Fetcher, limit: int) -> None:
        self.inner = inner
        self.limit = limit

    def fetch(self, url: str, **options: Any) -> Fetched:
        return self.inner.fetch(url, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, Fetched | FetchError]]:
        for n, item in enumerate(self.inner.fetch_many(urls)):
            if n == self.limit:
                raise KeyboardInterrupt
            yield item

    def close(self) -> None:
        self.inner.close()


def test_a_killed_run_loses_and_duplicates_nothing(
    demo: Demo, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    database = store.open_database(tmp_path / "killed.db")
    with Fetcher(demo.config.fetch) as inner, pytest.raises(KeyboardInterrupt):
        run_once(
            demo.config,
            database,
            fetcher=_Interrupting(inner, 5),
            analyser=demo.analyser,
            clock=clock,
        )
    kept = database.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert 0 < kept <= 5
    status, new_articles = database.execute("SELECT status, new_articles FROM runs").fetchone()
    assert (status, new_articles) == ("interrupted", kept)
    report = _collect(demo, database, clock)
    assert report.new_articles == len(_articles(demo.manifest)) - kept
    urls = [r[0] for r in database.execute("SELECT url FROM articles")]
    assert len(urls) == len(set(urls)) == len(_articles(demo.manifest))
