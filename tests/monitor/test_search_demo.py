"""Search over the collected demo site: tracked names are found with whatever particle or
compound the articles wrote them in, and `reprocess` rebuilds the morphemes of the index."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import DEMO_CLOCK, collect_demo

import db as store
from db.search import MORPHEMES, PLAIN_SQL
from monitor.cli import main
from monitor.config import load_config
from nlp.kiwi import Kiwi

CLOCK = DEMO_CLOCK


@pytest.fixture(scope="module")
def demo_config(kiwi: Kiwi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo site collected once through the pipeline; yields its config file."""
    with collect_demo(kiwi, tmp_path_factory.mktemp("search-demo")) as demo:
        yield demo.config_path


def _search(
    config_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str], *argv: str
) -> list[dict[str, object]]:
    code = main(["--config", str(config_path), "search", *argv, "--json"], environ={}, kiwi=kiwi)
    out, err = capsys.readouterr()
    assert code == 0, err
    return list(json.loads(out))


def _containing(config_path: Path, pattern: str) -> set[int]:
    """Relevant coverage whose own text matches `pattern`, read straight from the rows."""
    database = sqlite3.connect(load_config(config_path).database_path)
    rows = database.execute(
        "SELECT id, title, lead, body FROM effective_articles "
        "WHERE is_relevant = 1 AND role = 'coverage'"
    ).fetchall()
    database.close()
    return {r[0] for r in rows if re.search(pattern, " ".join(r[1:]))}


def test_names_are_found_with_particles_and_in_compounds(
    demo_config: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    with_particle = _containing(demo_config, r"국립암센터[은는이가의와과에도]")
    assert with_particle, "the demo site writes 국립암센터 with particles"
    found = _search(demo_config, kiwi, capsys, "국립암센터와", "--limit", "0")
    ids = {int(str(item["id"])) for item in found}
    assert with_particle <= ids
    assert ids == _containing(demo_config, "국립암센터")
    assert all(
        "«국립암센터" in str(item["snippet"]) or "국립암센터" in str(item["title"])
        for item in found
    )
    valley = _search(demo_config, kiwi, capsys, "테크노밸리", "--limit", "0")
    assert {int(str(i["id"])) for i in valley} == _containing(demo_config, "테크노밸리")


def test_reprocess_rebuilds_the_morphemes(
    demo_config: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # On a copy: the index as an older database's migration left it (plain text).
    copy = tmp_path / "copy.db"
    source = sqlite3.connect(load_config(demo_config).database_path)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    config_text = demo_config.read_text(encoding="utf-8")
    original = str(load_config(demo_config).database_path)
    config_path = tmp_path / "config.toml"
    config_path.write_text(config_text.replace(original, str(copy)), encoding="utf-8")
    target.execute("UPDATE search_terms SET analysed = ?", [PLAIN_SQL])
    target.commit()
    relevant = {
        r[0] for r in target.execute("SELECT id FROM articles WHERE relevant = 1").fetchall()
    }
    target.close()
    code = main(["--config", str(config_path), "reprocess"], environ={}, clock=CLOCK, kiwi=kiwi)
    capsys.readouterr()
    assert code == 0
    database = store.open_database(copy)
    analysed = {
        r[0]
        for r in database.execute(
            "SELECT rowid FROM search_terms WHERE analysed = ?", [MORPHEMES]
        ).fetchall()
    }
    database.conn.close()
    assert relevant and relevant <= analysed
    found = _search(config_path, kiwi, capsys, "국립암센터는", "--limit", "0")
    assert {int(str(i["id"])) for i in found} == _containing(config_path, "국립암센터")
