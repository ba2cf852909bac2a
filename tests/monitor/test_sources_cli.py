"""`monitor sources`: each source's health as a table and as `--json`, from the run history."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

import db as store
from monitor.cli import main

CONFIG = """
[database]
path = "monitor.db"

[digest]
failing_source_runs = 3

[[sources]]
name = "mygoyang"
kind = "rss"
url = "http://127.0.0.1:9/rss.xml"

[[sources]]
name = "kgnews"
kind = "rss"
url = "http://127.0.0.1:9/kg.xml"

[[sources]]
name = "wobbly"
kind = "sitemap"
url = "http://127.0.0.1:9/sitemap.xml"

[[sources]]
name = "naver"
kind = "naver_news"
query = "일산테크노밸리"

[[entities]]
id = "ilsan-techno-valley"
name = "일산테크노밸리"

[[outlets]]
domain = "mygoyang.com"
name = "고양신문"
tier = "local"
"""

# (source, error or None, new articles) per run, oldest run first.
HISTORY: list[list[tuple[str, str | None, int]]] = [
    [("mygoyang", None, 3), ("kgnews", None, 4), ("wobbly", None, 1), ("retired", None, 2)],
    [("mygoyang", None, 0), ("kgnews", "HTTP 503", 0), ("wobbly", None, 2)],
    [("mygoyang", None, 2), ("kgnews", "HTTP 503", 0), ("wobbly", "read timeout", 0)],
    [("mygoyang", None, 1), ("kgnews", "connection refused", 0), ("wobbly", "read timeout", 0)],
]


def _at(run: int) -> str:
    return f"2024-11-2{4 + run}T09:00:00+09:00"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A config with four sources and a database holding four runs of history."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    for number, outcomes in enumerate(HISTORY):
        run_id = store.start_run(database, "run", _at(number))
        for name, error, new in outcomes:
            store.record_source_outcome(database, name, "rss", run_id, _at(number), error, new)
        store.finish_run(database, run_id, _at(number), "partial")
    database.conn.close()
    return tmp_path


def _sources(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], *flags: str
) -> tuple[int, str, str]:
    argv = ["--config", str(workspace / "config.toml"), "sources", *flags]
    code = main(argv, environ={}, clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


@dataclass
class Expected:
    """A source's health worked out from HISTORY, apart from the command's code."""

    last_success: str | None = None
    last_failure: str | None = None
    last_error: str | None = None
    streak: int = 0
    new: int | None = None
    per_run: list[int] = field(default_factory=list)  # newest first


def _expected() -> dict[str, Expected]:
    found: dict[str, Expected] = {}
    for number, outcomes in enumerate(HISTORY):
        for name, error, new in outcomes:
            row = found.setdefault(name, Expected())
            row.new = new
            row.per_run.insert(0, new)
            if error is None:
                row.last_success, row.streak = _at(number), 0
            else:
                row.last_failure, row.last_error = _at(number), error
                row.streak += 1
    return found


def test_sources_json(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, err = _sources(workspace, capsys, clock, "--json")
    assert code == 0 and err == ""
    items = json.loads(out)
    # Configured sources in config order, then the one the configuration dropped.
    assert [i["name"] for i in items] == ["mygoyang", "kgnews", "wobbly", "naver", "retired"]
    by_name = {i["name"]: i for i in items}
    expected = _expected()
    for name in ("mygoyang", "kgnews", "wobbly", "retired"):
        item, want = by_name[name], expected[name]
        assert item["last_success"] == want.last_success, name
        assert item["last_failure"] == want.last_failure, name
        assert item["last_error"] == want.last_error, name
        assert item["consecutive_failures"] == want.streak, name
        assert item["new_articles_last_run"] == want.new, name
        assert item["new_articles_per_run"] == want.per_run, name
        assert item["failing"] is (want.streak >= 3), name
    assert by_name["kgnews"]["failing"] and not by_name["wobbly"]["failing"]
    assert by_name["wobbly"]["kind"] == "sitemap"  # the configured kind wins
    assert by_name["retired"]["configured"] is False
    never = by_name["naver"]
    assert never["kind"] == "naver_news" and never["configured"] is True
    assert never["last_success"] is never["last_failure"] is never["new_articles_last_run"] is None
    assert never["consecutive_failures"] == 0 and never["new_articles_per_run"] == []
    assert not never["failing"]


def test_sources_table(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, err = _sources(workspace, capsys, clock)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["source", "kind", "state"]
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
    expected = _expected()

    healthy = rows["mygoyang"].split()
    assert healthy[1:3] == ["rss", "ok"]
    assert healthy[3] == expected["mygoyang"].last_success
    per_run = " ".join(str(n) for n in expected["mygoyang"].per_run)
    assert per_run in rows["mygoyang"] and rows["mygoyang"].rstrip().endswith("-")

    failing = rows["kgnews"]
    assert "FAILING x3" in failing
    assert failing.rstrip().endswith(f"{expected['kgnews'].last_failure}: connection refused")

    wobbly = rows["wobbly"]
    assert "failed x2" in wobbly and "FAILING" not in wobbly
    assert wobbly.rstrip().endswith("read timeout")

    never = rows["naver"].split()
    assert never[1:4] == ["naver_news", "never", "run"]
    assert rows["retired"].rstrip().endswith("(no longer configured)")
    # The failing source is named once more on stderr, where a cron mail picks it up.
    assert "FAILING" in err and "3 or more failed runs in a row" in err
