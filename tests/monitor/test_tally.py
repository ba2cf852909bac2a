"""`monitor tally`: every period form, every dimension, table / csv / json / xlsx, all recounts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support import CliWorkspace
from testkit import BASE_ARTICLE, Recount, entity_block, mini_config

import db as store
from db import TALLY_DIMENSIONS
from monitor.config import load_config
from monitor.periods import parse_period
from monitor.tallies import TIER_LABELS, TONE_LABELS

CONFIG = mini_config(
    entity_block("ncc", "국립암센터", "NCC"),
    entity_block("ilsan-techno-valley", "일산테크노밸리"),
    entity_block("lih-g", "룩셈부르크 고양보건연구소", "LIH-G"),
)

BASE = replace(BASE_ARTICLE, title="고양시 바이오 소식", body="고양시 바이오 클러스터 소식.")
NCC = store.MentionRecord("ncc", "title", 0, 5, "국립암센터")
ITV = store.MentionRecord("ilsan-techno-valley", "body", 0, 7, "일산테크노밸리")
LIHG = store.MentionRecord("lih-g", "body", 0, 5, "LIH-G")


Workspace = CliWorkspace


@pytest.fixture
def workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> Iterator[Workspace]:
    """A config and a database with every case the counting rules name."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    ws = Workspace(tmp_path, database, capsys, clock, BASE)
    release = ws.add(outlet="고양시", role="press_release", mentions=(NCC,))
    # One release run by three outlets; 뉴스핌 twice (an update) and once in print.
    ws.add(outlet="뉴스핌", tier="internet", story_id=release, mentions=(NCC, ITV))
    ws.add(outlet="뉴스핌", tier="internet", story_id=release, mentions=(NCC,))
    ws.add(
        url="print:뉴스핌:2024-11-27:1",
        outlet="뉴스핌",
        tier="internet",
        medium="print",
        story_id=release,
        topic="event",
        mentions=(LIHG,),
    )
    ws.add(outlet="경기일보", tier="local", story_id=release, mentions=(NCC,))
    ws.add(outlet="연합뉴스", tier="wire", story_id=release, tone="neutral", mentions=(NCC,))
    # Other stories, months, tones and an unregistered outlet without a tier.
    ws.add(outlet="경기일보", tier="local", topic="meeting", tone="negative", mentions=(ITV,))
    ws.add(
        outlet="중부일보",
        tier="local",
        topic="overseas",
        published_at="2024-10-02T00:30:00+09:00",
        published_date="2024-10-02",
        mentions=(LIHG, NCC),
    )
    ws.add(outlet=None, outlet_domain="blog.example.kr", tier=None, topic=None, tone=None)
    # Neither counts: judged not relevant, or published in another year.
    ws.add(outlet="경기일보", tier="local", relevant=False, mentions=(NCC,))
    ws.add(
        outlet="경기일보",
        tier="local",
        published_at="2023-11-27T10:00:00+09:00",
        published_date="2023-11-27",
        mentions=(NCC,),
    )
    # The team's corrections win: one dropped, one kept against the classifier, one re-topiced.
    dropped = ws.add(outlet="한국일보", tier="national", mentions=(NCC,))
    kept = ws.add(outlet="한국일보", tier="national", relevant=False, topic="policy")
    store.set_label(ws.db, dropped, relevant=False, at="2024-11-27T12:00:00+09:00")
    store.set_label(ws.db, kept, relevant=True, tone="negative", at="2024-11-27T12:00:00+09:00")
    yield ws
    database.conn.close()


def _as_counts(tally: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    found = {r["key"]: (r["articles"], r["outlets"], r["stories"]) for r in tally["rows"]}
    t = tally["total"]
    found["total"] = (t["articles"], t["outlets"], t["stories"])
    return found


PERIOD_FORMS = [
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024H2", date(2024, 7, 1), date(2024, 12, 31)),
    ("2024Q4", date(2024, 10, 1), date(2024, 12, 31)),
    ("2024-11", date(2024, 11, 1), date(2024, 11, 30)),
    ("2024-11-27", date(2024, 11, 27), date(2024, 11, 27)),
    ("2024-W48", date(2024, 11, 25), date(2024, 12, 1)),
    ("2024-10-01..2024-11-26", date(2024, 10, 1), date(2024, 11, 26)),
]


@pytest.mark.parametrize(("text", "start", "end"), PERIOD_FORMS)
def test_every_period_form_counts_its_days(
    workspace: Workspace, recount: Recount, text: str, start: date, end: date
) -> None:
    tally = workspace.json("tally", "--period", text, "--by", "month")
    assert tally["period"] == {"start": start.isoformat(), "end": end.isoformat()}
    assert _as_counts(tally) == recount(workspace.db, start.isoformat(), end.isoformat(), "month")


def test_period_forms_select_different_items(workspace: Workspace) -> None:
    totals = {
        text: workspace.json("tally", "--period", text)["total"]["articles"]
        for text, _, _ in PERIOD_FORMS
    }
    # The October item is in the year, the half and the quarter, not in November's forms;
    # the range ends the day before the November items.
    assert totals["2024"] == totals["2024H2"] == totals["2024Q4"] == totals["2024-11"] + 1
    assert totals["2024-11"] == totals["2024-11-27"] == totals["2024-W48"] > 1
    assert totals["2024-10-01..2024-11-26"] == 1


def test_no_period_means_the_current_kst_month(workspace: Workspace) -> None:
    tally = workspace.json("tally")  # the clock says 2024-11-27 09:00 KST
    assert tally["period"] == {"start": "2024-11-01", "end": "2024-11-30"}


@pytest.mark.parametrize(
    "text",
    [
        "2024H3",
        "2024Q5",
        "2024-13",
        "2024-02-30",
        "2024-W53",
        "2024-12-31..2024-01-01",
        "2024-11-27..",
        "24-11",
        "last month",
        "",
    ],
)
def test_bad_periods_are_usage_errors(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    for command in ("tally", "report"):
        # Like a bad --date: argparse refuses it with exit status 2 and the usage.
        with pytest.raises(SystemExit) as exit_info:
            workspace.run(command, "--period", text)
        out, err = capsys.readouterr()
        assert exit_info.value.code == 2, (command, text)
        assert out == ""
        assert err.splitlines()[-1].startswith(f"monitor {command}: error: argument --period")
        assert "Traceback" not in err


@pytest.mark.parametrize("by", TALLY_DIMENSIONS)
def test_every_dimension_equals_a_recount(workspace: Workspace, recount: Recount, by: str) -> None:
    tally = workspace.json("tally", "--period", "2024", "--by", by)
    assert tally["by"] == by
    assert _as_counts(tally) == recount(workspace.db, "2024-01-01", "2024-12-31", by)


def test_labels_are_korean(workspace: Workspace) -> None:
    config = load_config(workspace.folder / "config.toml")
    topics = {t.id: t.label for t in config.topics}
    for by, expected in (
        ("entity", {e.id: e.name for e in config.entities}),
        ("topic", topics),
        ("tier", TIER_LABELS),
        ("tone", TONE_LABELS),
    ):
        rows = workspace.json("tally", "--period", "2024", "--by", by)["rows"]
        assert rows
        for row in rows:
            assert row["label"] == expected.get(row["key"], "미분류"), (by, row)
    months = workspace.json("tally", "--period", "2024", "--by", "month")["rows"]
    assert {r["key"]: r["label"] for r in months} == {
        "2024-10": "2024년 10월",
        "2024-11": "2024년 11월",
    }


def test_csv_has_a_bom_and_the_json_figures(workspace: Workspace, tmp_path: Path) -> None:
    for by in TALLY_DIMENSIONS:
        out = tmp_path / f"{by}.csv"
        code, stdout, err = workspace.run(
            "tally", "--period", "2024", "--by", by, "--format", "csv", "--out", str(out)
        )
        assert code == 0, err
        assert stdout == ""
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] == [by, "label", "articles", "outlets", "stories"]
        expected = workspace.json("tally", "--period", "2024", "--by", by)
        assert {r[0]: (int(r[2]), int(r[3]), int(r[4])) for r in rows[1:]} == _as_counts(expected)


def test_table_lines_up_hangul(workspace: Workspace) -> None:
    code, out, _ = workspace.run("tally", "--period", "2024", "--by", "tier")
    assert code == 0
    lines = out.splitlines()
    assert "2024-01-01 .. 2024-12-31" in lines[0]
    widths = {
        sum(2 if "\uac00" <= ch <= "\ud7a3" else 1 for ch in line)
        for line in lines[1:]
        if not line.startswith("-")
    }
    rules = {len(line) for line in lines[1:] if line.startswith("-")}
    assert widths == rules  # every row as wide as the rules, Hangul counted double


def _sheet_rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("by", ["entity", "topic", "tier", "outlet"])
def test_xlsx_sheet_and_items(workspace: Workspace, tmp_path: Path, by: str) -> None:
    out = tmp_path / "tally.xlsx"
    code, stdout, err = workspace.run(
        "tally", "--period", "2024", "--by", by, "--format", "xlsx", "--out", str(out)
    )
    assert code == 0, err
    assert stdout == "" and str(out) in err
    expected = workspace.json("tally", "--period", "2024", "--by", by)
    book = openpyxl.load_workbook(out)
    counts, items = book.worksheets
    assert counts.freeze_panes == "A2" and items.freeze_panes == "A2"
    rows = _sheet_rows(counts)
    assert rows[0][2:] == ("기사(건)", "매체(개)", "사안(개)")
    body = rows[1 : 1 + len(expected["rows"])]
    assert [(r[1], r[0], r[2], r[3], r[4]) for r in body] == [
        (r["key"], r["label"], r["articles"], r["outlets"], r["stories"]) for r in expected["rows"]
    ]
    total = rows[1 + len(expected["rows"])]
    assert total[0] == "합계"
    assert total[2:5] == tuple(expected["total"][k] for k in ("articles", "outlets", "stories"))
    assert all(isinstance(v, int) for r in [*body, total] for v in r[2:5])
    assert counts.cell(row=1, column=1).font.bold
    assert all((counts.column_dimensions[c].width or 0) >= 8 for c in "ABCDE")
    # The second sheet: one row per counted article, so it adds up to the total.
    listed = _sheet_rows(items)
    assert listed[0][:9] == (
        "날짜",
        "매체",
        "매체 유형",
        "제목",
        "URL",
        "대상",
        "주제",
        "논조",
        "사안(스토리) ID",
    )
    assert len(listed) - 1 == expected["total"]["articles"]
    assert len({(r[1], r[8]) for r in listed[1:]}) == expected["total"]["articles"]
    assert len({r[8] for r in listed[1:]}) == expected["total"]["stories"]
    if by == "entity":
        per_entity = Counter(name for r in listed[1:] if r[5] for name in r[5].split(", "))
        assert per_entity == {r["label"]: r["articles"] for r in expected["rows"]}
    if by == "tier":
        per_tier = Counter(r[2] for r in listed[1:])
        assert per_tier == {r["label"]: r["articles"] for r in expected["rows"]}


def test_xlsx_keeps_scraped_text_as_text(workspace: Workspace, tmp_path: Path) -> None:
    workspace.add(
        outlet="경기일보",
        tier="local",
        title='=HYPERLINK("http://evil.example","클릭")\x07 고양 바이오',
        mentions=(NCC,),
    )
    out = tmp_path / "tally.xlsx"
    code, _, err = workspace.run(
        "tally", "--period", "2024-11", "--format", "xlsx", "--out", str(out)
    )
    assert code == 0, err
    items = openpyxl.load_workbook(out).worksheets[1]
    cells = [items.cell(row=n, column=4) for n in range(2, items.max_row + 1)]
    evil = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert evil.data_type == "s"
    assert evil.value == '=HYPERLINK("http://evil.example","클릭") 고양 바이오'


def test_xlsx_needs_a_path(workspace: Workspace, tmp_path: Path) -> None:
    code, out, err = workspace.run("tally", "--period", "2024", "--format", "xlsx")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "--out" in err
    missing = tmp_path / "no" / "such" / "folder" / "t.xlsx"
    code, _, err = workspace.run(
        "tally", "--period", "2024", "--format", "xlsx", "--out", str(missing)
    )
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err


def test_tally_follows_corrections_at_once(workspace: Workspace, recount: Recount) -> None:
    """Nothing to refresh: a label or a story merge shows in the next tally."""
    before = workspace.json("tally", "--period", "2024-11", "--by", "topic")
    meeting = next(
        i for (i,) in workspace.db.execute("SELECT id FROM articles WHERE topic = 'meeting'")
    )
    store.set_label(workspace.db, meeting, topic="agreement", at="2024-11-28T09:00:00+09:00")
    after = workspace.json("tally", "--period", "2024-11", "--by", "topic")
    assert _as_counts(after) == recount(workspace.db, "2024-11-01", "2024-11-30", "topic")
    assert _as_counts(after) != _as_counts(before)
    period = parse_period("2024-11")
    assert period.start.isoformat() == after["period"]["start"]
