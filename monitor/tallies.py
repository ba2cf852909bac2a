"""Coverage tallies as the team exports them: table, CSV (UTF-8 with BOM), JSON and xlsx."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

import db as store
from db.report import CountedArticle, counted_articles
from monitor._table import align_table, display_width
from monitor.config import Config
from monitor.labels import (
    TIER_LABELS,
    TONE_LABELS,
    UNKNOWN_KEY,
    UNKNOWN_LABEL,
    label_of,
    topic_labels,
)
from monitor.periods import Period

__all__ = [
    "DIMENSION_LABELS",
    "TALLY_FORMATS",
    "TIER_LABELS",
    "TONE_LABELS",
    "UNKNOWN_KEY",
    "UNKNOWN_LABEL",
    "Tally",
    "add_items_sheet",
    "add_table_sheet",
    "align_table",
    "compute_tally",
    "dimension_labels",
    "display_width",
    "list_counted",
    "new_workbook",
    "render_tally",
    "write_tally_xlsx",
]

TALLY_FORMATS = ("table", "csv", "json", "xlsx")
DIMENSION_LABELS = {
    "entity": "대상",
    "topic": "주제",
    "outlet": "매체",
    "tier": "매체 유형",
    "tone": "논조",
    "month": "월",
}
# Column headers naming their unit, as the sheets the team signs do.
ARTICLES_HEADER = "기사(건)"
OUTLETS_HEADER = "매체(개)"
STORIES_HEADER = "사안(개)"
TOTAL_LABEL = "합계"


@dataclass(frozen=True)
class Tally:
    """Counts for one period by one dimension, with human labels for the keys."""

    period: Period
    by: str
    rows: tuple[tuple[str, str, store.TallyRow], ...]  # (key, label, counts)
    total: store.TallyRow

    def to_json(self) -> dict[str, Any]:
        """The `tally --json` object of DESIGN.md."""
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "by": self.by,
            "rows": [
                {
                    "key": key,
                    "label": label,
                    "articles": row.articles,
                    "outlets": row.outlets,
                    "stories": row.stories,
                }
                for key, label, row in self.rows
            ],
            "total": {
                "articles": self.total.articles,
                "outlets": self.total.outlets,
                "stories": self.total.stories,
            },
        }


def dimension_labels(config: Config, by: str) -> dict[str, str]:
    """Human labels for the keys of one dimension (keys without one show as themselves)."""
    labels: dict[str, str] = {UNKNOWN_KEY: UNKNOWN_LABEL}
    if by == "entity":
        labels.update({e.id: e.name for e in config.entities})
    elif by == "topic":
        labels.update(topic_labels(config))
    elif by == "tone":
        labels.update(TONE_LABELS)
    elif by == "tier":
        labels.update(TIER_LABELS)
    return labels


def _month_label(key: str) -> str:
    if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
        return f"{m[1]}년 {int(m[2])}월"
    return key


def compute_tally(config: Config, db: sqlite_utils.Database, period: Period, by: str) -> Tally:
    """Count relevant coverage in `period` by `by`, straight from the rows (always a recount)."""
    rows, total = store.tally(db, by, period.start.isoformat(), period.end.isoformat())
    labels = dimension_labels(config, by)
    labelled = tuple(
        (r.key, _month_label(r.key) if by == "month" else labels.get(r.key, r.key), r) for r in rows
    )
    return Tally(period, by, labelled, total)


def list_counted(db: sqlite_utils.Database, period: Period) -> list[CountedArticle]:
    """Every article the tallies of `period` count, oldest first (for auditing a figure)."""
    return counted_articles(db, period.start.isoformat(), period.end.isoformat())


def render_tally(tally: Tally, fmt: str) -> str:
    """The tally as an aligned table or as CSV (the caller writes CSV with a BOM)."""
    header = (tally.by, "label", "articles", "outlets", "stories")
    lines = [
        (key, label, str(r.articles), str(r.outlets), str(r.stories))
        for key, label, r in tally.rows
    ]
    total = (
        "total",
        "",
        str(tally.total.articles),
        str(tally.total.outlets),
        str(tally.total.stories),
    )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([header, *lines, total])
        return buffer.getvalue()
    title = f"{tally.by} tally, {tally.period.start} .. {tally.period.end}"
    return title + "\n" + align_table([header, *lines, total], numeric=(2, 3, 4)) + "\n"


# --- xlsx ---------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry; openpyxl refuses them, and scraped text can hold them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BOLD = Font(bold=True)
_MAX_WIDTH = 60


def _put(sheet: Worksheet, row: int, column: int, value: object) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _ILLEGAL.sub("", value)
        # Scraped text is data: a title starting with "=" must not become a formula.
        cell.data_type = "s"
    else:
        cell.value = value


def add_table_sheet(
    workbook: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    bold_rows: Iterable[int] = (),
) -> Worksheet:
    """A sheet with a bold, frozen header row, the rows as given (numbers stay numbers) and
    columns wide enough for their text; `bold_rows` are 0-based indexes into `rows`."""
    sheet = workbook.create_sheet(title)
    widths = [display_width(h) for h in header]
    for column, name in enumerate(header, 1):
        _put(sheet, 1, column, name)
        sheet.cell(row=1, column=column).font = _BOLD
    emphasised = set(bold_rows)
    for n, values in enumerate(rows):
        for column, value in enumerate(values, 1):
            _put(sheet, n + 2, column, value)
            if n in emphasised:
                sheet.cell(row=n + 2, column=column).font = _BOLD
            if value is not None:
                widths[column - 1] = max(widths[column - 1], display_width(str(value)))
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    return sheet


ITEM_HEADER = (
    "날짜",
    "매체",
    "매체 유형",
    "제목",
    "URL",
    "대상",
    "주제",
    "논조",
    "사안(스토리) ID",
    "기사 ID",
    "사본(건)",
)


def add_items_sheet(
    workbook: Workbook, title: str, items: Sequence[CountedArticle], config: Config
) -> Worksheet:
    """One row per counted item: date, outlet, tier, title, URL, entities, topic, tone, story,
    the describing copy's id and how many copies were folded into it."""
    entities = dimension_labels(config, "entity")
    topics = dimension_labels(config, "topic")
    rows = [
        (
            item.published_date,
            item.outlet,
            label_of(TIER_LABELS, item.tier),
            item.title,
            item.url,
            ", ".join(entities.get(e, e) for e in item.entities),
            label_of(topics, item.topic),
            label_of(TONE_LABELS, item.tone),
            item.story,
            item.id,
            len(item.ids),
        )
        for item in items
    ]
    sheet = add_table_sheet(workbook, title, ITEM_HEADER, rows)
    for n, item in enumerate(items, 2):
        if item.url.startswith(("http://", "https://")):
            sheet.cell(row=n, column=5).hyperlink = item.url
    return sheet


def new_workbook() -> Workbook:
    """An empty workbook (openpyxl's default sheet removed)."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    return workbook


def write_tally_xlsx(
    tally: Tally, items: Sequence[CountedArticle], config: Config, path: Path
) -> None:
    """The tally as a sheet (header, one row per key, a total row, the period below) and a
    second sheet listing every counted item."""
    workbook = new_workbook()
    dimension = DIMENSION_LABELS.get(tally.by, tally.by)
    rows: list[Sequence[object]] = [
        (label, key, r.articles, r.outlets, r.stories) for key, label, r in tally.rows
    ]
    rows.append(
        (TOTAL_LABEL, "total", tally.total.articles, tally.total.outlets, tally.total.stories)
    )
    rows.append(())
    rows.append(("기간", f"{tally.period.start} ~ {tally.period.end}"))
    add_table_sheet(
        workbook,
        f"{dimension}별 집계",
        (dimension, "코드", ARTICLES_HEADER, OUTLETS_HEADER, STORIES_HEADER),
        rows,
        bold_rows=(len(tally.rows),),
    )
    add_items_sheet(workbook, "집계 대상 기사", items, config)
    workbook.save(path)
