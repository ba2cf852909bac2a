"""`monitor demo`: its own config from any folder, named after its database, and the digest and
tally it prints are what the commands print afterwards over that config."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

import db as store
from monitor.cli import main
from nlp.kiwi import Kiwi

# A config in the folder the demo runs from, naming the demo's outlet names differently: the demo
# must never read it (nor $MONITOR_CONFIG).
DECOY = """
[database]
path = "decoy.db"

[[entities]]
id = "decoy-lih"
name = "룩셈부르크 보건연구소"
aliases = ["LIH"]
"""


def test_demo_uses_only_its_own_config_and_prints_what_the_commands_print(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: Callable[[], datetime],
    kiwi: Kiwi,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config.toml").write_text(DECOY, encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    kept = tmp_path / "kept"
    kept.mkdir()
    # Another demo's config in the same folder stays as it was.
    other = kept / "demo-config.toml"
    other.write_text('[database]\npath = "/somewhere/else/demo.db"\n', encoding="utf-8")
    environ = {"MONITOR_CONFIG": str(elsewhere / "config.toml")}

    code = main(
        ["demo", "--db", str(kept / "demo3.db"), "--port", "0"],
        environ=environ,
        clock=clock,
        kiwi=kiwi,
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert other.read_text(encoding="utf-8").endswith('"/somewhere/else/demo.db"\n')
    config = kept / "demo3-config.toml"
    assert config.is_file()
    assert not (elsewhere / "decoy.db").exists()

    database = store.open_database(kept / "demo3.db")
    try:
        tagged = {
            row[0]
            for row in database.execute(
                "SELECT DISTINCT entity FROM mentions WHERE text = '룩셈부르크 보건연구소'"
            )
        }
        dates = database.execute(
            "SELECT MIN(published_date), MAX(published_date) FROM articles WHERE relevant = 1"
        ).fetchone()
    finally:
        database.conn.close()
    assert tagged == {"lih"}

    after = []
    for argv in (["digest", "--since-last"], ["tally", "--period", f"{dates[0]}..{dates[1]}"]):
        assert main(["--config", str(config), *argv], environ=environ, clock=clock) == 0
        after.append(capsys.readouterr().out)
    collected, printed = out.split("\n\n", 1)
    assert collected.startswith("collected: ")
    assert printed == "".join(after)


def test_demo_refuses_to_overwrite_a_config_that_is_not_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    mine = tmp_path / "monitor-config.toml"
    mine.write_text('[database]\npath = "monitor.db"\n', encoding="utf-8")
    code = main(["demo", "--db", str(tmp_path / "monitor.db")], environ={}, clock=clock)
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and str(mine) in err
    assert mine.read_text(encoding="utf-8") == '[database]\npath = "monitor.db"\n'
    assert not (tmp_path / "monitor.db").exists()
