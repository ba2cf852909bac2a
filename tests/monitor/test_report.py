"""`monitor report`: releases by topic in the pledge report's words, pick-up, coverage by topic
and tier, each figure with its unit, and always the same figures `tally` gives."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support import CliWorkspace
from testkit import BASE_ARTICLE

import db as store
from monitor.cli import main
from monitor.config import load_config

CONFIG = """
[database]
path = "monitor.db"

[[sources]]
name = "press"
kind = "listing"
url = "http://127.0.0.1:9/press"
role = "press_release"
selector = "ul.board-list li a"

[[entities]]
id = "ncc"
name = "국립암센터"

[[entities]]
id = "lih-g"
name = "룩셈부르크 고양보건연구소"
aliases = ["LIH-G"]

[[outlets]]
domain = "goyang.go.kr"
name = "고양특례시"
tier = "local"
"""

BASE = replace(
    BASE_ARTICLE,
    title="고양시 바이오 소식",
    body="고양시 바이오 클러스터 소식.",
    topic="meeting",
    mentions=(store.MentionRecord("ncc", "title", 0, 5, "국립암센터"),),
)
CITY = "고양특례시"


@dataclass
class Workspace(CliWorkspace):
    """The CLI workspace with press releases."""

    def release(self, day: str, topic: str, **changes: Any) -> int:
        return self.add(
            outlet=CITY,
            tier="local",
            role="press_release",
            topic=topic,
            published_at=f"{day}T09:00:00+09:00",
            published_date=day,
            **changes,
        )


@pytest.fixture
def workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> Iterator[Workspace]:
    """Half a year of releases: four on meetings (one re-posted), two on overseas visits, one
    not relevant, one outside the half; three picked up."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    ws = Workspace(tmp_path, database, capsys, clock, BASE)
    first = ws.release("2024-08-10", "meeting")
    ws.release("2024-08-10", "meeting", story_id=first)  # the same release, corrected
    ws.release("2024-08-25", "meeting")
    ws.release("2024-09-19", "meeting")
    ws.release("2024-10-02", "meeting")
    visit = ws.release("2024-11-04", "overseas")
    ws.release("2024-11-12", "overseas")
    ws.release("2024-11-20", "other", relevant=False)  # 제설 대책: not the cluster's
    ws.release("2024-06-28", "meeting")  # the first half
    # Pick-up: the August meeting by three outlets (one of them online and in print) ...
    for outlet, tier, medium in (
        ("경기일보", "local", "online"),
        ("경기일보", "local", "print"),
        ("뉴스핌", "internet", "online"),
        ("한국일보", "national", "online"),
    ):
        ws.add(
            url=f"https://example.com/{outlet}/{medium}",
            outlet=outlet,
            tier=tier,
            medium=medium,
            story_id=first,
            published_at="2024-08-11T08:00:00+09:00",
            published_date="2024-08-11",
        )
    # ... the visit by one, and coverage of no release at all.
    ws.add(outlet="경기일보", tier="local", topic="overseas", story_id=visit)
    ws.add(outlet="중부일보", tier="local", topic="infrastructure", tone="negative")
    ws.add(outlet="중부일보", tier="local", relevant=False)
    yield ws
    database.conn.close()


def _labels(ws: Workspace) -> dict[str, str]:
    return {t.id: t.label for t in load_config(ws.folder / "config.toml").topics}


def test_releases_by_topic_in_the_pledge_report_style(workspace: Workspace) -> None:
    report = workspace.json("report", "--period", "2024H2")
    releases = report["press_releases"]
    labels = _labels(workspace)
    assert releases["issued"] == 6
    assert [(t["key"], t["releases"]) for t in releases["by_topic"]] == [
        ("meeting", 4),
        ("overseas", 2),
    ]
    # Seed 000: "간담회 등 회의 관련(4), 룩셈부르크 벤치마킹 관련(3)", with the configured labels.
    assert releases["line"] == f"{labels['meeting']} 관련(4), {labels['overseas']} 관련(2)"
    code, out, _ = workspace.run("report", "--period", "2024H2")
    assert code == 0
    assert f"보도자료 배포: 6건 — {releases['line']}" in out


def test_pickup_per_release(workspace: Workspace) -> None:
    pickup = workspace.json("report", "--period", "2024H2")["pickup"]
    assert (pickup["releases"], pickup["picked_up"]) == (6, 2)
    assert pickup["share"] == round(2 / 6, 4)
    per = {p["date"]: p for p in pickup["per_release"]}
    assert len(pickup["per_release"]) == 6
    august = per["2024-08-10"]
    # 경기일보's print and online copies are one article.
    assert (august["articles"], august["outlets"]) == (3, 3)
    assert august["tiers"] == {"local": 1, "internet": 1, "national": 1}
    assert (per["2024-11-04"]["articles"], per["2024-11-04"]["tiers"]) == (1, {"local": 1})
    assert per["2024-08-25"]["articles"] == 0
    assert (pickup["articles"], pickup["outlets"]) == (4, 3)


def test_report_equals_tally(workspace: Workspace) -> None:
    for period in ("2024H2", "2024-08", "2024-W46", "2024"):
        report = workspace.json("report", "--period", period)
        for by in ("topic", "tier"):
            tally = workspace.json("tally", "--period", period, "--by", by)
            assert report[f"by_{by}"] == {"rows": tally["rows"], "total": tally["total"]}
            assert report["coverage"] == tally["total"]
            assert report["period"]["start"] == tally["period"]["start"]


def test_corrections_change_the_report(workspace: Workspace) -> None:
    before = workspace.json("report", "--period", "2024H2")
    ids = {p["date"]: p["id"] for p in before["pickup"]["per_release"]}
    store.set_label(
        workspace.db, ids["2024-11-12"], topic="meeting", at="2024-12-01T09:00:00+09:00"
    )
    store.set_label(workspace.db, ids["2024-09-19"], relevant=False, at="2024-12-01T09:00:00+09:00")
    # The visit's one article was really another story.
    (visit_copy,) = before["pickup"]["per_release"][-2]["article_ids"]
    store.split_story(workspace.db, visit_copy, at="2024-12-01T09:00:00+09:00")
    after = workspace.json("report", "--period", "2024H2")
    assert after["press_releases"]["issued"] == 5
    assert [(t["key"], t["releases"]) for t in after["press_releases"]["by_topic"]] == [
        ("meeting", 4),
        ("overseas", 1),
    ]
    assert after["pickup"]["picked_up"] == 1
    assert after["coverage"] == workspace.json("tally", "--period", "2024H2")["total"]


def test_every_figure_names_its_unit(workspace: Workspace) -> None:
    for fmt in ("table", "md"):
        code, out, _ = workspace.run("report", "--period", "2024H2", "--format", fmt)
        assert code == 0
        sentences = [line for line in out.splitlines() if re.match(r"\s*\d\. ", line)]
        assert len(sentences) == 3
        for line in sentences:
            # Every number is followed by its unit (or is a share in percent).
            for m in re.finditer(
                r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])(.{0,4})", line.split(". ", 1)[1]
            ):
                assert re.match(r"(건|개|%|\\?\))", m[1]), (line, m[0])
    report = workspace.json("report", "--period", "2024H2")
    assert report["units"] == {
        "releases": "건",
        "articles": "건",
        "outlets": "개 매체",
        "stories": "개",
    }


def test_markdown_escapes_scraped_titles(workspace: Workspace) -> None:
    workspace.release(
        "2024-12-02",
        "meeting",
        title="<script>alert(1)</script> 고양 | 바이오 *간담회*",
        url="https://www.goyang.go.kr/press/1?a=(b)",
    )
    code, out, _ = workspace.run("report", "--period", "2024-12", "--format", "md")
    assert code == 0
    # Entities, not backslashes, for HTML: not every markdown dialect takes `\<` as an escape.
    assert "<script" not in out
    assert "&lt;script&gt;" in out and "\\|" in out and "\\*간담회\\*" in out
    table = [line for line in out.splitlines() if "script" in line]
    assert len(table) == 1 and table[0].count(" | ") == 5  # the title stays in its cell
    assert "%28b%29" in table[0]
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(out)
    assert "<script" not in rendered and "<em>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 고양 | 바이오 *간담회*" in rendered


def test_xlsx_summary_releases_and_items(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    code, stdout, err = workspace.run(
        "report", "--period", "2024H2", "--format", "xlsx", "--out", str(out)
    )
    assert code == 0, err
    assert stdout == ""
    report = workspace.json("report", "--period", "2024H2")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["요약", "보도자료", "집계 대상 기사"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.cell(row=1, column=1).font.bold
    summary = [r for r in book["요약"].iter_rows(min_row=2, values_only=True) if r[0]]
    figures = {(r[0], r[2]): (r[3], r[4]) for r in summary}
    assert figures[("보도자료 배포", "total")] == (6, "건")
    assert figures[("보도자료 배포", "meeting")] == (4, "건")
    assert figures[("보도자료 보도", "picked_up")] == (2, "건")
    assert figures[("보도자료 보도", "outlets")] == (3, "개 매체")
    (share,) = [row[3] for row in book["요약"].iter_rows() if row[2].value == "share"]
    assert share.value == pytest.approx(2 / 6) and share.number_format == "0.0%"
    for by, section in (("topic", "주제별"), ("tier", "매체 유형별")):
        for row in [*report[f"by_{by}"]["rows"], {"key": "total", **report[f"by_{by}"]["total"]}]:
            assert figures[(f"{section} 기사", row["key"])] == (row["articles"], "건")
            assert figures[(f"{section} 매체", row["key"])] == (row["outlets"], "개 매체")
            assert figures[(f"{section} 사안", row["key"])] == (row["stories"], "개")
    releases = list(book["보도자료"].iter_rows(min_row=2, values_only=True))
    assert len(releases) == report["press_releases"]["issued"]
    assert sorted(r[4] for r in releases) == sorted(
        p["articles"] for p in report["pickup"]["per_release"]
    )
    items = list(book["집계 대상 기사"].iter_rows(min_row=2, values_only=True))
    assert len(items) == report["coverage"]["articles"]
    assert all(isinstance(r[8], int) and isinstance(r[9], int) for r in items)


def test_report_arguments(workspace: Workspace) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(workspace.folder / "config.toml"), "report"])
    assert exit_info.value.code == 2
    workspace.capsys.readouterr()
    code, out, err = workspace.run("report", "--period", "2024H2", "--format", "xlsx")
    assert code == 1 and out == "" and err.count("\n") == 1
    empty = workspace.json("report", "--period", "2023")
    assert empty["press_releases"] == {"issued": 0, "by_topic": [], "line": ""}
    assert empty["pickup"]["share"] == 0
    code, out, _ = workspace.run("report", "--period", "2023")
    assert code == 0 and "보도자료 배포: 0건" in out


def test_pickup_counts_coverage_after_the_period(workspace: Workspace) -> None:
    """A release on the last day is run by the next morning's papers: its pick-up, yet not
    coverage of the period it was issued in."""
    late = workspace.release("2024-12-31", "meeting")
    workspace.add(
        outlet="경기일보",
        tier="local",
        story_id=late,
        published_at="2025-01-02T07:00:00+09:00",
        published_date="2025-01-02",
    )
    report = workspace.json("report", "--period", "2024H2")
    (pickup,) = [p for p in report["pickup"]["per_release"] if p["id"] == late]
    assert (pickup["articles"], pickup["outside_period"]) == (1, 1)
    assert report["pickup"]["picked_up"] == 3
    assert report["coverage"] == workspace.json("tally", "--period", "2024H2")["total"]
    next_year = workspace.json("report", "--period", "2025")
    assert next_year["press_releases"]["issued"] == 0
    assert next_year["coverage"]["articles"] == 1
