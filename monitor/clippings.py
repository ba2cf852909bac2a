"""`monitor import FILE`: the team's existing clipping sheet (xlsx or csv) into the database.

Reading (`read_sheet`):
- csv is decoded as UTF-8 (with or without a BOM; UTF-16 when it starts with a UTF-16 BOM, as
  Excel's "Unicode text" does), else as CP949 (strict), else charset-normalizer's best guess
  (reported); a file none of them reads is a clear error. Commas separate the cells, tabs when
  the top lines have more tabs than commas, and an Excel "sep=;" first line names its own.
- xlsx is read with openpyxl (values, not formulas), the first visible sheet unless `--sheet`.
  It is opened in full rather than read-only mode because only then does openpyxl expose merged
  cells and hyperlinks, which real sheets use: a merged cell's value counts for every cell it
  covers (a day merged over that day's rows), and a title cell's hyperlink is the row's URL
  when it has no URL column.
- The header row is the first of the first ten rows that names at least two known columns (a
  title row like "2024년 하반기 언론보도 현황" above it is passed over); a second header row
  under it (a merged "기사" over "제목 | URL") adds its columns. Header cells are compared with
  spaces, case, punctuation and parenthesised remarks removed (`보도일자(YYYY.MM.DD)` = 보도일자).
  Known columns (`HEADER_SYNONYMS`): date, outlet, title, url, medium, topic, tone, note, entity,
  page (면 number, kept in the note), author and a row number (ignored); every other column is
  reported by name and otherwise ignored.

Planning (`plan_import`) gives every row one outcome, and changes nothing:
- `new_url`: a row with a URL, to be fetched and processed like any article;
- `new_manual`: a row without one, to become a manual item (see monitor.manual);
- `merged`: it matches a stored article (the same canonical URL, ignoring scheme and a www./m.
  host prefix; an address the run's known-URL check knows for it, such as where its redirect
  landed; or the same outlet and the same headline key within three days); it is linked to
  it, labelled relevant, never stored twice;
- `duplicate`: the same item as an earlier row of the file, by the same rule;
- `invalid`: it cannot be read (a date that is not a date, no title, no outlet or date on a row
  without a URL), with the reason and its row number as Excel shows it;
- `skipped`: a subtotal row (합계, 계, 소계, 총계) or a one-cell heading or remark.
Empty rows are passed over silently. Rows keep warnings that need no action to import but
deserve a look (an outlet the registry does not know, a 구분 value not understood ...).

Applying (`apply_import`, inside the collection lock) follows the plan: URL rows are fetched
(concurrently and politely) and go through decode -> extract -> analyse -> store as source
"import", with the sheet's title, date and outlet as the entry's (a page whose redirect lands
on a stored article is that article: the row is merged, as in `run`); a row whose page cannot be
fetched or has no article is still kept, as an item carrying the sheet's URL, title, outlet and
date (method "sheet"), with the failure reported and recorded in the run's errors. The team's
sheet is the team's own judgement: every item it lists gets a team label relevant=true (and the
sheet's topic and tone when given and understood); a label the team set earlier on a merged
article is never overwritten. The sheet's 구분 is recorded as the item's medium. Each row's
article is recorded in `imports` (file, content hash, row), so importing the same file again
creates nothing: every row then matches what the first import stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

import db as store
from db.crawl_state import find_known_urls
from monitor.addresses import remember_addresses, stored_as
from monitor.analyse import Analyser
from monitor.config import Config
from monitor.errors import MonitorError, StageError, UsageError, translate_errors
from monitor.manual import (
    MAX_TITLE_CHARS,
    ManualItem,
    add_manual_item,
    label_team_item,
    manual_url,
    match_entities,
    outlet_by_name,
    outlet_key,
    read_date,
)
from monitor.outlets import Outlet, resolve_outlet
from monitor.periods import KST
from monitor.pipeline import STORY_WINDOW_DAYS, process_page
from monitor.progress import Progress
from nlp import TopicSpec, normalize_text, title_key
from scrapers import FeedEntry, Fetched, FetchError, canonicalize_url
from scrapers.fetch import Fetcher

__all__ = [
    "HEADER_SYNONYMS",
    "OUTCOMES",
    "ImportPlan",
    "RowPlan",
    "Sheet",
    "SheetRow",
    "apply_import",
    "plan_import",
    "read_sheet",
    "render_import",
]

Clock = Callable[[], datetime]
Cell = str | int | float | date | datetime | None

# How many rows from the top may hold the header (a title row, a date line, a blank row ...).
HEADER_SEARCH_ROWS = 10
# A formatted but empty sheet can report a million rows; this many empty rows in a row end it.
_EMPTY_RUN_LIMIT = 1000

# The header cells (reduced by _header_key) each field is read from.
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "date": (
        *("날짜", "일자", "보도일", "보도일자", "게재일", "게재일자", "일시", "보도날짜"),
        *("기사일자", "보도일시", "date"),
    ),
    "outlet": (
        *("매체", "매체명", "언론사", "언론사명", "신문사", "언론매체", "방송사", "보도매체"),
        *("outlet", "media", "press"),
    ),
    "title": ("제목", "기사제목", "보도제목", "기사명", "헤드라인", "title", "headline"),
    "url": (
        *("url", "링크", "주소", "기사주소", "원문", "기사링크", "원문링크", "원문주소"),
        *("기사url", "link"),
    ),
    "medium": ("구분", "유형", "매체구분", "보도형태", "매체유형", "보도유형", "medium"),
    "topic": ("분야", "주제", "분류", "topic"),
    "tone": ("논조", "성향", "보도성향", "보도논조", "tone"),
    "note": ("비고", "메모", "참고", "특이사항", "note", "notes"),
    "entity": ("키워드", "관련기관", "관련키워드", "기관", "keyword", "keywords"),
    "page": ("면", "지면", "게재면", "면수", "page"),  # the page number, kept in the note
    "author": ("기자", "기자명", "작성자", "author"),
    "seq": ("순번", "번호", "연번", "no", "순"),  # a row number: known, and ignored
}
HEADER_SYNONYMS: dict[str, str] = {w: name for name, words in _HEADER_WORDS.items() for w in words}
# Fields that identify an item: a header row must name at least two of them.
_KEY_FIELDS = frozenset({"date", "outlet", "title", "url", "medium"})

# 구분 values (reduced like headers, parentheses kept) -> medium.
_MEDIUM_WORDS: dict[str, tuple[str, ...]] = {
    "online": (
        *("온라인", "인터넷", "웹", "인터넷신문", "온라인기사", "인터넷기사", "포털"),
        *("web", "online", "internet"),
    ),
    "print": (
        *("지면", "신문", "인쇄", "일간지", "주간지", "월간지", "종이신문", "지면기사"),
        *("신문지면", "print", "paper", "newspaper"),
    ),
    "broadcast": (
        *("방송", "tv", "라디오", "뉴스(방송)", "방송뉴스", "tv뉴스"),
        *("broadcast", "radio"),
    ),
}
_MEDIUM_VALUES = {w: medium for medium, words in _MEDIUM_WORDS.items() for w in words}
# A value containing one of these, when no exact value matched ("중앙일간지 지면", "KBS 방송").
_MEDIUM_PARTS = (
    ("방송", "broadcast"),
    ("지면", "print"),
    ("온라인", "online"),
    ("인터넷", "online"),
)

_TONE_WORDS: dict[str, tuple[str, ...]] = {
    "positive": ("긍정", "긍정적", "호의", "호의적", "우호", "우호적", "positive", "+"),
    "neutral": ("중립", "중립적", "보통", "일반", "neutral", "0"),
    "negative": ("부정", "부정적", "비판", "비판적", "비우호", "비우호적", "negative", "-"),
}
_TONE_VALUES = {w: tone for tone, words in _TONE_WORDS.items() for w in words}

# A subtotal or total row: the word alone or followed by a count ("합계 (48건)", "계: 12").
_SUBTOTAL = re.compile(
    r"^(?:합\s*계|소\s*계|총\s*계|누\s*계|계|total|subtotal|sum)\s*[:：]?\s*[(（]?\s*"
    r"(?:\d[\d,]*\s*(?:건|개|회)?)?\s*[)）]?$"
)
_BARE_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/|$)", re.IGNORECASE)
# What sheets put in a URL cell when there is none.
_NO_URL = frozenset({"-", "–", "—", "x", "없음", "무", "n/a", "na", "none", "지면", "방송"})

# Headline keys this similar (difflib ratio) on the same outlet and day are pointed out.
_NEAR_MISS = 0.8

OUTCOMES = ("new_url", "new_manual", "merged", "duplicate", "invalid", "skipped", "failed")
_OUTCOME_LABELS = {
    "new_url": "new from URL",
    "new_manual": "new manual items",
    "merged": "merged into stored articles",
    "duplicate": "duplicates within the file",
    "invalid": "invalid",
    "skipped": "skipped",
    "failed": "failed",
}


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One data row as read: each known field's cell, and hyperlinks behind the cells."""

    number: int  # the row number Excel shows (1-based)
    values: Mapping[str, Cell] = field(default_factory=dict)  # field -> the cell's value
    links: Mapping[str, str] = field(default_factory=dict)  # field -> the cell's hyperlink
    texts: tuple[str, ...] = ()  # every non-empty cell of the row, as text
    spans: int = 0  # how many cells the row's non-empty values cover (merged cells count each)

    def text(self, name: str) -> str:
        """A field's value as normalised text ("" when empty)."""
        return _cell_text(self.values.get(name))


@dataclass(frozen=True)
class Sheet:
    """A clipping sheet as read: where its header is, what its columns mean, its rows."""

    path: Path
    sha256: str
    kind: str  # "csv" or "xlsx"
    sheet_name: str | None
    encoding: str | None
    header_row: int
    columns: tuple[tuple[str, str], ...]  # (header as written, field)
    unknown_columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    notes: tuple[str, ...] = ()  # remarks on reading: a guessed encoding, a repeated column

    def to_json(self) -> dict[str, Any]:
        """How the file was read, for `import --json`."""
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "kind": self.kind,
            "sheet": self.sheet_name,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "columns": [{"header": h, "field": f} for h, f in self.columns],
            "unknown_columns": list(self.unknown_columns),
            "notes": list(self.notes),
        }


def _cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Alt+Enter line breaks and doubled spaces inside a cell: one line, single spaces.
    return " ".join(normalize_text(str(value)).split())


def _header_key(value: Cell) -> str:
    """A header cell reduced for lookup: no remarks in brackets, spaces, punctuation or case."""
    text = _cell_text(value)
    bare = re.sub(r"\([^)]*\)|\[[^\]]*\]|（[^）]*）", "", text)
    key = re.sub(r"[\s*:：.·_\-/#※]+", "", bare).casefold()
    if not key:
        # The whole header was in brackets: "(비고)".
        key = re.sub(r"[\s*:：.·_\-/#※()\[\]（）]+", "", text).casefold()
    return key


def _value_key(value: str) -> str:
    return re.sub(r"\s+", "", normalize_text(value)).casefold()


_Grid = list[tuple[int, list[tuple[Cell, str | None]]]]  # (row number, [(value, hyperlink)])


def read_sheet(path: Path, *, sheet_name: str | None = None) -> Sheet:
    """Read a clipping sheet (xlsx or csv); a UsageError says plainly what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a clipping sheet") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not data.strip():
        raise UsageError(f"{path} is empty")
    sha256 = hashlib.sha256(data).hexdigest()
    notes: list[str] = []
    encoding: str | None = None
    others: list[str] = []
    if data[:4] == b"PK\x03\x04":
        grid, used_sheet, names = _read_xlsx(path, data, sheet_name)
        others = [n for n in names if n != used_sheet]
        kind = "xlsx"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UsageError(
            f"{path} is an old Excel (.xls) or password-protected file: "
            "save it as .xlsx or CSV and import that"
        )
    elif (binary := _binary_kind(data)) is not None:
        raise UsageError(
            f"{path} is not a clipping sheet: it looks like {binary}; import an .xlsx or CSV file"
        )
    else:
        if sheet_name is not None:
            raise UsageError("--sheet applies to xlsx files only")
        text, encoding, note = _decode_csv(path, data)
        notes += [note] if note else []
        grid, used_sheet, kind = _read_csv(text), None, "csv"
    try:
        header = _find_header(grid, path)
    except UsageError as exc:
        if not others:
            raise
        hint = f" in sheet {used_sheet!r}; --sheet NAME reads another ({', '.join(others)})"
        raise UsageError(f"{exc}{hint}") from None
    notes += header.notes
    rows: list[SheetRow] = []
    for number, cells in grid[header.data_from :]:
        values: dict[str, Cell] = {}
        links: dict[str, str] = {}
        for column, (value, link) in enumerate(cells):
            name = header.fields.get(column)
            if name is None:
                continue
            values[name] = value
            if link:
                links[name] = link
        texts = [_cell_text(v) for v, _ in cells]
        rows.append(
            SheetRow(
                number=number,
                values=values,
                links=links,
                texts=tuple(dict.fromkeys(t for t in texts if t)),
                spans=sum(1 for t in texts if t),
            )
        )
    return Sheet(
        path=path,
        sha256=sha256,
        kind=kind,
        sheet_name=used_sheet,
        encoding=encoding,
        header_row=grid[header.index][0],
        columns=tuple((header.names[c], f) for c, f in sorted(header.fields.items())),
        unknown_columns=header.unknown,
        rows=tuple(rows),
        notes=tuple(notes),
    )


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def _binary_kind(data: bytes) -> str | None:
    """What a non-text file looks like, so a wrong file is named rather than misread as CSV."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    head = data[:4096]
    # UTF-16 text carries NULs too; only NULs in text that is not UTF-16 mean binary.
    if b"\x00" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return "a binary file"
    return None


def _decode_csv(path: Path, data: bytes) -> tuple[str, str, str | None]:
    """(text, encoding, a note when the encoding was guessed)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16", None
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the other decoders say what it is
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, "utf-8" if encoding == "utf-8-sig" else encoding, None
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UsageError(f"cannot read {path}: it is neither UTF-8 nor CP949 (EUC-KR) text")
    return str(best), best.encoding, f"encoding guessed as {best.encoding}: check the text"


def _read_csv(text: str) -> _Grid:
    """Rows of a CSV: comma-separated, or tab-separated when the top lines say so (Excel's
    "Unicode text"); an Excel "sep=;" first line names the delimiter."""
    lines = text.splitlines()
    delimiter = ","
    skip = 0
    if lines and re.fullmatch(r"sep=(.)", lines[0].strip()):
        delimiter, skip = lines[0].strip()[4], 1
    else:
        top = "\n".join(lines[:HEADER_SEARCH_ROWS])
        if top.count("\t") > top.count(","):
            delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: _Grid = []
    for number, row in enumerate(reader, start=1):
        if number > skip:
            grid.append((number, [(v, None) for v in row]))
    return grid


def _read_xlsx(path: Path, data: bytes, sheet_name: str | None) -> tuple[_Grid, str, list[str]]:
    """(the chosen sheet's rows, its name, every sheet's name)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UsageError(f"cannot read {path} as an xlsx workbook: {exc}") from None
    try:
        names = [ws.title for ws in book.worksheets]
        if sheet_name is not None:
            wanted = [n for n in names if n == sheet_name] or [
                n for n in names if _value_key(n) == _value_key(sheet_name)
            ]
            if not wanted:
                raise UsageError(f"no sheet {sheet_name!r} in {path} (sheets: {', '.join(names)})")
            sheet = book[wanted[0]]
        else:
            visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
            if not visible:
                raise UsageError(f"{path} has no visible sheet")
            sheet = visible[0]
        return _xlsx_grid(sheet), str(sheet.title), names
    finally:
        book.close()


def _xlsx_grid(sheet: Any) -> _Grid:
    """Every row's (value, hyperlink) cells; a merged range's value fills each of its cells."""
    merged: dict[tuple[int, int], tuple[Cell, str | None]] = {}
    for block in sheet.merged_cells.ranges:
        top = sheet.cell(block.min_row, block.min_col)
        link = top.hyperlink.target if top.hyperlink is not None else None
        for r in range(block.min_row, block.max_row + 1):
            for c in range(block.min_col, block.max_col + 1):
                merged[(r, c)] = (top.value, link)
    grid: _Grid = []
    empty_run = 0
    for row in sheet.iter_rows():
        cells: list[tuple[Cell, str | None]] = []
        for cell in row:
            if (cell.row, cell.column) in merged:
                cells.append(merged[(cell.row, cell.column)])
                continue
            link = getattr(cell, "hyperlink", None)
            cells.append((cell.value, link.target if link is not None else None))
        if not row:
            continue
        grid.append((row[0].row, cells))
        empty_run = 0 if any(v not in (None, "") for v, _ in cells) else empty_run + 1
        if empty_run >= _EMPTY_RUN_LIMIT:
            break
    return grid


def _map_header(cells: list[tuple[Cell, str | None]]) -> dict[int, str]:
    """Column -> field for the cells of one row that are known headers."""
    found: dict[int, str] = {}
    for column, (value, _link) in enumerate(cells):
        name = HEADER_SYNONYMS.get(_header_key(value))
        if name is not None:
            found[column] = name
    return found


@dataclass(frozen=True)
class _Header:
    """Where the header is and what each column means."""

    index: int  # into the grid
    data_from: int  # the first data row's index into the grid
    fields: dict[int, str]  # column -> field (the first column of each field)
    names: dict[int, str]  # column -> the header as written
    unknown: tuple[str, ...]
    notes: tuple[str, ...]


def _find_header(grid: _Grid, path: Path) -> _Header:
    """The first of the top rows naming at least two key columns (plus a second header row
    under merged group headers, "기사" over "제목 | URL"), or a UsageError."""
    for index, (number, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = _map_header(cells)
        if len(_KEY_FIELDS & set(found.values())) < 2:
            continue
        names = {c: _cell_text(cells[c][0]) for c in found}
        data_from = index + 1
        if data_from < len(grid):
            below = grid[data_from][1]
            extra = _map_header(below)
            filled = [c for c, (v, _) in enumerate(below) if _cell_text(v)]
            # Every filled cell of it is a header, and it names a column the first one left open.
            if filled and all(c in extra for c in filled) and set(extra) - set(found):
                for column, name in extra.items():
                    if column not in found:
                        found[column] = name
                        names[column] = _cell_text(below[column][0])
                data_from += 1
        fields: dict[int, str] = {}
        notes: list[str] = []
        first_of: dict[str, int] = {}
        for column in sorted(found):
            name = found[column]
            if name not in first_of:
                first_of[name] = column
                fields[column] = name
            elif name != "seq" and names[column] != names[first_of[name]]:
                # A merged header ("매체" over two columns) repeats itself: no note for that.
                notes.append(
                    f"column {_column_letter(column)} ({names[column]}) also reads as {name}: "
                    f"column {_column_letter(first_of[name])} ({names[first_of[name]]}) is used"
                )
        unknown = tuple(
            dict.fromkeys(
                _cell_text(v) for c, (v, _) in enumerate(cells) if _cell_text(v) and c not in found
            )
        )
        missing = _missing_columns(set(fields.values()))
        if missing:
            raise UsageError(f"{path}: the header in row {number} has {missing}")
        return _Header(index, data_from, fields, names, unknown, tuple(notes))
    raise UsageError(
        f"{path}: no header row in the first {HEADER_SEARCH_ROWS} rows "
        "(expected columns such as 날짜, 매체, 제목, URL, 구분)"
    )


def _column_letter(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _missing_columns(fields: set[str]) -> str:
    """What a header lacks to read any row, or ""."""
    if "title" not in fields:
        return "no title column (제목)"
    if "outlet" not in fields and "url" not in fields:
        return "neither an outlet (매체) nor a URL column"
    if "date" not in fields and "url" not in fields:
        return "neither a date (날짜) nor a URL column"
    return ""


# --- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowPlan:
    """One sheet row's outcome: planned, then (after applying) with the article it became."""

    row: int
    outcome: str  # one of OUTCOMES
    reason: str = ""  # why invalid or skipped; what it merged with or duplicates
    title: str = ""
    outlet: str = ""  # the registry's name when it knows the outlet, else as written
    tier: str | None = None
    day: date | None = None
    medium: str | None = None
    url: str | None = None  # the canonical URL of a row with one
    article_id: int | None = None  # the stored article it matched, or (applied) became
    duplicate_of: int | None = None  # the earlier row it repeats
    topic: str | None = None
    tone: str | None = None
    entities: tuple[str, ...] = ()
    note: str | None = None
    authors: tuple[str, ...] = ()
    outlet_written: str = ""  # the outlet cell as the sheet has it
    warnings: tuple[str, ...] = ()
    imported_before: bool = False  # this row of this very file was imported before
    problem: str = ""  # (applied) the fetch or extraction failure of a URL row kept from the sheet

    @property
    def needs_attention(self) -> bool:
        """Whether the summary lists this row: anything but a clean import."""
        return self.outcome in {"invalid", "skipped", "duplicate", "failed"} or bool(
            self.warnings or self.problem
        )

    def to_json(self) -> dict[str, Any]:
        """One row of `import --json`."""
        return {
            "row": self.row,
            "outcome": self.outcome,
            "reason": self.reason or None,
            "article_id": self.article_id,
            "duplicate_of": self.duplicate_of,
            "date": self.day.isoformat() if self.day else None,
            "outlet": self.outlet or None,
            "tier": self.tier,
            "title": self.title or None,
            "url": self.url,
            "medium": self.medium,
            "topic": self.topic,
            "tone": self.tone,
            "entities": list(self.entities),
            "note": self.note,
            "warnings": list(self.warnings),
            "imported_before": self.imported_before,
            "problem": self.problem or None,
        }


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do (a dry run) or did (applied), row by row."""

    sheet: Sheet
    rows: tuple[RowPlan, ...]
    imported_before: str | None = None  # when this very file was first imported, if it was
    applied: bool = False
    run_id: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Rows per outcome (every outcome listed), plus URL rows kept from the sheet."""
        found = Counter(r.outcome for r in self.rows)
        counts = {o: found[o] for o in OUTCOMES}
        counts["kept_from_sheet"] = sum(
            1 for r in self.rows if r.outcome == "new_url" and r.problem
        )
        return counts

    def to_json(self) -> dict[str, Any]:
        """The `import --json` object: how the file was read, counts, and every row."""
        return {
            **self.sheet.to_json(),
            "dry_run": not self.applied,
            "run_id": self.run_id,
            "imported_before": self.imported_before,
            "counts": self.counts,
            "rows": [r.to_json() for r in self.rows],
        }


@dataclass
class _Seen:
    """Rows planned so far, by what later rows are compared with."""

    urls: dict[str, RowPlan] = field(default_factory=dict)
    headlines: dict[str, list[RowPlan]] = field(default_factory=dict)


def plan_import(
    config: Config, db: sqlite_utils.Database, sheet: Sheet, *, today: date
) -> ImportPlan:
    """Decide every row's outcome against the database; nothing is written."""
    before = store.imported_rows(db, sheet.sha256)
    drafts = [_read_row(config, row, today) for row in sheet.rows if not _is_blank(row)]
    candidates = [d for d in drafts if d.outcome in ("new_url", "new_manual")]
    by_url = store.articles_by_urls(
        db,
        [d.url for d in candidates if d.url]
        + [_manual_key(d) for d in candidates if d.url is None and d.day],
    )
    # The run's known-URL check: a row's URL may be a stored article's http/https twin or an
    # address recorded for it (where its redirect landed, an old address leading to it).
    known = find_known_urls(db, [d.url for d in candidates if d.url and d.url not in by_url])
    known_ids = store.articles_by_urls(db, [k.stored for k in known.values()])
    by_address = {url: known_ids[k.stored] for url, k in known.items() if k.stored in known_ids}
    days = [d.day for d in candidates if d.day]
    window = timedelta(days=STORY_WINDOW_DAYS)
    stored = (
        store.articles_published_between(
            db, (min(days) - window).isoformat(), (max(days) + window).isoformat()
        )
        if days
        else []
    )
    stored_by_loose: dict[str, int] = {}
    stored_by_headline: dict[str, list[dict[str, Any]]] = {}
    same_day: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for article in stored:
        for url in (article["url"], article["canonical_url"]):
            if url and url.startswith(("http://", "https://")):
                stored_by_loose.setdefault(_loose_url(url), int(article["id"]))
        key = title_key(article["title"] or "")
        if key:
            stored_by_headline.setdefault(key, []).append(article)
        for outlet in (outlet_key(article["outlet"]), (article["outlet_domain"] or "").lower()):
            if outlet and article["published_date"]:
                same_day.setdefault((outlet, article["published_date"]), []).append(article)
    seen = _Seen()
    planned: list[RowPlan] = []
    for draft in drafts:
        if draft.outcome not in ("new_url", "new_manual"):
            planned.append(draft)
            continue
        row = _against_file(draft, seen) or _against_store(
            draft, by_url, by_address, stored_by_loose, stored_by_headline, same_day
        )
        row = row or draft
        if draft.row in before and before[draft.row]["article_id"] is not None:
            row = replace(row, imported_before=True)
        planned.append(row)
        if row.outcome != "duplicate":
            _remember(row, seen)
    first = min((r["imported_at"] for r in before.values()), default=None)
    return ImportPlan(sheet=sheet, rows=tuple(planned), imported_before=first)


def _is_blank(row: SheetRow) -> bool:
    """An empty row, or one with only its pre-filled row number (a template's spare rows)."""
    seq = row.text("seq")
    return not row.texts or (row.spans == 1 and seq.isdigit() and row.texts == (seq,))


def _manual_key(row: RowPlan) -> str:
    assert row.day is not None
    return manual_url(row.day, row.outlet, row.title, row.medium or "print")


def _loose_url(url: str) -> str:
    """A URL without its scheme and a www./m. host prefix: the same page however it was written."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
            break
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}?{parts.query}" if parts.query else f"{host}{path}"


def _same_outlet(row: RowPlan, outlet: str | None, domain: str | None) -> bool:
    if outlet and outlet_key(outlet) == outlet_key(row.outlet):
        return True
    # A URL row names its outlet by its domain too.
    row_domain = _row_domain(row)
    return bool(row_domain and domain and row_domain == domain.lower())


def _row_domain(row: RowPlan) -> str | None:
    if row.url is None:
        return None
    host = (urlsplit(row.url).hostname or "").lower()
    for prefix in ("www.", "m."):
        if host.startswith(prefix) and host.count(".") > 1:
            return host[len(prefix) :]
    return host or None


def _near(a: date | None, b: date | None) -> bool:
    return a is not None and b is not None and abs((a - b).days) <= STORY_WINDOW_DAYS


def _against_file(row: RowPlan, seen: _Seen) -> RowPlan | None:
    """The row as a duplicate of an earlier row of the file, or None."""
    earlier = seen.urls.get(_loose_url(row.url)) if row.url else None
    how = "the same URL"
    if earlier is None:
        for other in seen.headlines.get(title_key(row.title), []):
            if _near(row.day, other.day) and (
                outlet_key(other.outlet) == outlet_key(row.outlet)
                or (_row_domain(row) is not None and _row_domain(row) == _row_domain(other))
            ):
                earlier, how = other, "the same outlet and headline"
                break
    if earlier is None:
        return None
    return replace(
        row,
        outcome="duplicate",
        duplicate_of=earlier.row,
        article_id=earlier.article_id,
        reason=f"{how} as row {earlier.row}",
    )


def _against_store(
    row: RowPlan,
    by_url: Mapping[str, int],
    by_address: Mapping[str, int],
    by_loose: Mapping[str, int],
    by_headline: Mapping[str, list[dict[str, Any]]],
    same_day: Mapping[tuple[str, str], list[dict[str, Any]]],
) -> RowPlan | None:
    """The row merged into a stored article, or None."""
    keys = [row.url] if row.url else ([_manual_key(row)] if row.day else [])
    for key in keys:
        if key in by_url:
            # A row without a URL is keyed by its manual address: say what matched in its terms.
            if row.url:
                return _merged(row, by_url[key], f"the same URL as article {by_url[key]}")
            reason = f"the same date, outlet and headline as manual item {by_url[key]}"
            return _merged(row, by_url[key], reason)
    if row.url and row.url in by_address:
        found = by_address[row.url]
        return _merged(row, found, f"the same page as article {found} (another address of it)")
    if row.url and _loose_url(row.url) in by_loose:
        found = by_loose[_loose_url(row.url)]
        return _merged(row, found, f"the same URL as article {found}")
    if row.day is None:
        return None
    matches = [
        a
        for a in by_headline.get(title_key(row.title), [])
        if a["published_date"]
        and _near(row.day, date.fromisoformat(a["published_date"]))
        and _same_outlet(row, a["outlet"], a["outlet_domain"])
    ]
    if not matches:
        near_miss = _near_miss(row, same_day)
        return replace(row, warnings=(*row.warnings, near_miss)) if near_miss else None
    day = row.day
    best = min(
        matches,
        key=lambda a: (abs((date.fromisoformat(a["published_date"]) - day).days), a["id"]),
    )
    return _merged(
        row,
        int(best["id"]),
        f"the same outlet and headline as article {best['id']} ({best['published_date']}, "
        f"{best['medium']})",
    )


def _near_miss(row: RowPlan, same_day: Mapping[tuple[str, str], list[dict[str, Any]]]) -> str:
    """A stored article of the same outlet and day with a nearly equal headline (a typo fixed
    in the sheet since the last import): not merged, since that would guess, but pointed out."""
    if row.day is None:
        return ""
    key = title_key(row.title)
    candidates = same_day.get((outlet_key(row.outlet), row.day.isoformat()), [])
    domain = _row_domain(row)
    if domain:
        candidates = candidates + same_day.get((domain, row.day.isoformat()), [])
    for article in candidates:
        if SequenceMatcher(None, key, title_key(article["title"] or "")).ratio() >= _NEAR_MISS:
            return (
                f"a nearly equal headline of the same outlet and day is stored as article "
                f"{article['id']} ({article['title']!r}): check it is not the same item"
            )
    return ""


def _merged(row: RowPlan, article_id: int, how: str) -> RowPlan:
    return replace(row, outcome="merged", article_id=article_id, reason=how)


def _remember(row: RowPlan, seen: _Seen) -> None:
    if row.url:
        seen.urls.setdefault(_loose_url(row.url), row)
    key = title_key(row.title)
    if key:
        seen.headlines.setdefault(key, []).append(row)


def _read_row(config: Config, row: SheetRow, today: date) -> RowPlan:
    """One row's values read and checked: new_url or new_manual, else invalid or skipped."""
    number = row.number
    markers = [row.text(n) for n in ("seq", "date", "outlet", "medium", "title")]
    first = row.texts[0] if row.texts else ""
    subtotal = next((t for t in [*markers, first] if t and _SUBTOTAL.match(t.casefold())), None)
    if subtotal is not None:
        return RowPlan(number, "skipped", f"a subtotal row ({subtotal})")
    title = row.text("title")
    url_text = row.text("url")
    if len(row.texts) == 1 and not url_text and not (title and row.spans == 1):
        return RowPlan(number, "skipped", f"a heading or remark, not an item ({row.texts[0]!r})")
    warnings: list[str] = []
    url = _row_url(row, warnings)
    day, date_error = read_date(row.values.get("date"), today=today)
    outlet_text = row.text("outlet")
    base = RowPlan(number, "invalid", title=title, outlet=outlet_text, outlet_written=outlet_text)
    if date_error:
        return replace(base, reason=date_error)
    if not title:
        return replace(base, day=day, reason="no title (제목)")
    if len(title) > MAX_TITLE_CHARS:
        return replace(
            base, day=day, reason=f"a title of {len(title)} characters is not a headline"
        )
    if url is None and not outlet_text:
        return replace(base, day=day, reason="no outlet (매체) and no URL")
    if url is None and day is None:
        return replace(base, reason="no date (날짜) and no URL")
    medium = _row_medium(row, warnings)
    if url is not None:
        outlet = resolve_outlet(url, config.outlets, None, outlet_text or None)
        name = outlet.name or outlet.domain or outlet_text
    else:
        outlet = outlet_by_name(outlet_text, config.outlets) or Outlet(outlet_text, None, None)
        name = outlet.name or outlet_text
    if outlet.tier is None:
        warnings.append(f"outlet {name!r} is not in the registry ([[outlets]]): tier unknown")
    if url is None:
        if medium is None:
            medium = "broadcast" if outlet.tier == "broadcast" else "print"
            warnings.append(f"no 구분 and no URL: taken as {medium}")
        elif medium == "online":
            warnings.append("an online item without a URL: kept without a link")
    if day is None:
        warnings.append("no date: the page's own date is used")
    topic = _row_topic(row, config.topics, warnings)
    tone = _row_tone(row, warnings)
    entities = tuple(
        dict.fromkeys(
            e
            for part in re.split(r"[,/;|\n·、]+", row.text("entity"))
            for e in match_entities(part, config.entities)
        )
    )
    page = row.text("page")
    if page and not page.endswith("면"):
        page += "면"
    note = "; ".join(p for p in (page, row.text("note")) if p) or None
    authors = tuple(a.strip() for a in re.split(r"[,/·]+", row.text("author")) if a.strip())
    return RowPlan(
        row=number,
        outcome="new_url" if url else "new_manual",
        title=title,
        outlet=name,
        tier=outlet.tier,
        day=day,
        medium=medium or ("online" if url else None),
        url=url,
        topic=topic,
        tone=tone,
        entities=entities,
        note=note,
        authors=authors,
        outlet_written=outlet_text,
        warnings=tuple(warnings),
    )


def _row_url(row: SheetRow, warnings: list[str]) -> str | None:
    """The row's canonical URL: the URL cell, its hyperlink, or the title cell's hyperlink."""
    written = row.text("url")
    choices = [written, row.links.get("url", ""), row.links.get("title", "")]
    for candidate in choices:
        candidate = candidate.strip()
        if not candidate or candidate.casefold() in _NO_URL:
            continue
        if _BARE_HOST.match(candidate):
            # "www.x.com/..." or "x.com/news/1": a web address written without its scheme.
            candidate = "http://" + candidate
        if not re.match(r"^https?://", candidate, re.IGNORECASE):
            continue
        try:
            return canonicalize_url(candidate)
        except FetchError as exc:
            warnings.append(f"the URL {candidate!r} cannot be used ({exc.reason}): kept without it")
            return None
    if written and written.casefold() not in _NO_URL:
        warnings.append(f"the URL cell {written!r} is not a web address: kept without a URL")
    return None


def _row_medium(row: SheetRow, warnings: list[str]) -> str | None:
    written = row.text("medium")
    if not written:
        return None
    key = _value_key(written)
    if key in _MEDIUM_VALUES:
        return _MEDIUM_VALUES[key]
    for part, medium in _MEDIUM_PARTS:
        if part in key:
            return medium
    warnings.append(f"구분 {written!r} is not online, print or broadcast: ignored")
    return None


def _row_topic(row: SheetRow, topics: Sequence[TopicSpec], warnings: list[str]) -> str | None:
    written = row.text("topic")
    if not written:
        return None
    key = _value_key(written)
    for topic in topics:
        labels = [topic.label, *topic.label.split("·")]
        if key == topic.id.casefold() or key in (_value_key(label) for label in labels):
            return topic.id
    by_keyword = {t.id for t in topics if any(_value_key(k) == key for k in t.keywords)}
    if len(by_keyword) == 1:
        return by_keyword.pop()
    warnings.append(f"분야 {written!r} is not a configured topic: the classifier decides")
    return None


def _row_tone(row: SheetRow, warnings: list[str]) -> str | None:
    written = row.text("tone")
    if not written:
        return None
    tone = _TONE_VALUES.get(_value_key(written))
    if tone is None:
        warnings.append(f"논조 {written!r} is not 긍정, 중립 or 부정: the classifier decides")
    return tone


# --- applying --------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="seconds")


class _Importer:
    """One import's writes: the run row, per-row articles, labels and `imports` rows."""

    def __init__(
        self,
        config: Config,
        db: sqlite_utils.Database,
        plan: ImportPlan,
        analyser: Callable[[], Analyser],
        clock: Clock,
    ) -> None:
        self.config = config
        self.db = db
        self.plan = plan
        self.analyser = analyser
        self.clock = clock
        self.run_id = store.start_run(db, "import", _iso(clock()))
        self.fetched = 0
        self.errors = 0
        self.done: dict[int, RowPlan] = {}

    def record(self, row: RowPlan) -> RowPlan:
        """Link a row to its article in `imports`; the row shows the article's entities."""
        if row.article_id is not None:
            row = replace(
                row, entities=tuple(store.get_article(self.db, row.article_id)["entities"])
            )
            store.record_import_row(
                self.db,
                str(self.plan.sheet.path),
                self.plan.sheet.sha256,
                row.row,
                row.article_id,
                row.outcome,
                _iso(self.clock()),
            )
        self.done[row.row] = row
        return row

    def fail(self, row: RowPlan, stage: str, reason: str) -> None:
        """Record one row's failure at one stage in the run's errors; the import goes on."""
        self.errors += 1
        store.record_error(
            self.db,
            self.run_id,
            row.url or f"row {row.row}",
            stage,
            reason,
            _iso(self.clock()),
            "import",
        )

    def finish(self, status: str) -> None:
        """Close the run row with what the import stored."""
        rows = self.done.values()
        store.finish_run(
            self.db,
            self.run_id,
            _iso(self.clock()),
            status,
            fetched=self.fetched,
            new_articles=sum(r.outcome in ("new_url", "new_manual") for r in rows),
            relevant=sum(r.outcome in ("new_url", "new_manual") for r in rows),
            skipped=sum(r.outcome not in ("new_url", "new_manual", "failed") for r in rows),
            errors=self.errors,
        )

    def url_row(self, row: RowPlan, result: Fetched | FetchError) -> RowPlan:
        """Fetch result -> the article; kept from the sheet when the page gives none."""
        assert row.url is not None
        published = datetime.combine(row.day, time(0, 0), tzinfo=KST) if row.day else None
        entry = FeedEntry(
            url=row.url,
            source="import",
            title=row.title,
            published_at=published,
            outlet=row.outlet_written or None,
        )
        if isinstance(result, FetchError):
            problem, stage = result.reason, "fetch"
        else:
            self.fetched += 1
            stored = stored_as(self.db, row.url, result)
            known = store.articles_by_urls(self.db, [stored]) if stored != row.url else {}
            if stored in known:
                # The page is a stored article under another address (its redirect landed
                # there): linked to it like a row the plan merged, never stored twice.
                remember_addresses(self.db, row.url, result, stored, _iso(self.clock()))
                reason = f"the page is article {known[stored]}, stored before (reached by redirect)"
                return self.merged_row(
                    replace(row, outcome="merged", article_id=known[stored], reason=reason)
                )
            try:
                article_id, created, _relevant = process_page(
                    self.config,
                    self.db,
                    self.analyser(),
                    entry,
                    result,
                    run_id=self.run_id,
                    now=self.clock(),
                )
            except StageError as exc:
                problem, stage = exc.reason, exc.stage
            else:
                remember_addresses(self.db, row.url, result, row.url, _iso(self.clock()))
                return self.record(self._label_fetched(row, article_id, created))
        self.fail(row, stage, problem)
        return self.record(self._keep_from_sheet(row, f"{stage}: {problem}"))

    def _label_fetched(self, row: RowPlan, article_id: int, created: bool) -> RowPlan:
        warnings = list(row.warnings)
        at = _iso(self.clock())
        warnings += label_team_item(
            self.db, article_id, at, topic=row.topic, tone=row.tone, keep_existing=not created
        )
        if created and row.medium and row.medium != "online":
            store.set_article_medium(self.db, article_id, row.medium)
        if row.note:
            store.set_article_note(self.db, article_id, row.note, only_if_empty=not created)
        stored = store.get_article(self.db, article_id)
        return replace(
            row,
            outcome="new_url" if created else "merged",
            reason="" if created else f"the page is article {article_id}, stored before",
            article_id=article_id,
            title=stored["title"] or row.title,
            warnings=tuple(warnings),
        )

    def _keep_from_sheet(self, row: RowPlan, problem: str) -> RowPlan:
        """A URL row whose page gave no article, stored from what the sheet says."""
        assert row.url is not None
        item = ManualItem(
            day=row.day,
            outlet=row.outlet_written,
            title=row.title,
            medium=row.medium or "online",
            entities=row.entities,
            topic=row.topic,
            tone=row.tone,
            note=row.note,
            authors=row.authors,
            url=row.url,
            method="sheet",
            reason="in the team's clipping sheet",
        )
        try:
            result = add_manual_item(
                self.config,
                self.db,
                self.analyser(),
                item,
                clock=self.clock,
                run_id=self.run_id,
                page_id=store.page_id_for_url(self.db, row.url),
            )
        except StageError as exc:
            self.fail(row, exc.stage, exc.reason)
            return replace(row, outcome="failed", reason=f"{exc.stage}: {exc.reason}")
        warnings = list(row.warnings)
        if row.day is None:
            warnings.append("no date on the sheet or page: it counts in no period until dated")
        return replace(
            row,
            article_id=result.article_id,
            problem=f"{problem}; kept from the sheet",
            warnings=tuple(warnings),
        )

    def manual_row(self, row: RowPlan) -> RowPlan:
        """A row without a URL -> a manual item."""
        assert row.day is not None
        item = ManualItem(
            day=row.day,
            outlet=row.outlet_written or row.outlet,
            title=row.title,
            medium=row.medium or "print",
            entities=row.entities,
            topic=row.topic,
            tone=row.tone,
            note=row.note,
            authors=row.authors,
            reason="in the team's clipping sheet",
        )
        try:
            result = add_manual_item(
                self.config, self.db, self.analyser(), item, clock=self.clock, run_id=self.run_id
            )
        except StageError as exc:
            self.fail(row, exc.stage, exc.reason)
            return self.record(replace(row, outcome="failed", reason=f"{exc.stage}: {exc.reason}"))
        return self.record(
            replace(
                row,
                outcome="new_manual" if result.created else "merged",
                article_id=result.article_id,
            )
        )

    def merged_row(self, row: RowPlan) -> RowPlan:
        """A row matching a stored article: linked and labelled, nothing stored twice."""
        assert row.article_id is not None
        with translate_errors("store", row.url or f"row {row.row}"):
            warnings = label_team_item(
                self.db,
                row.article_id,
                _iso(self.clock()),
                topic=row.topic,
                tone=row.tone,
                keep_existing=True,
            )
            if row.note:
                store.set_article_note(self.db, row.article_id, row.note, only_if_empty=True)
        return self.record(replace(row, warnings=(*row.warnings, *warnings)))

    def duplicate_row(self, row: RowPlan) -> RowPlan:
        """A repeat of an earlier row: linked to that row's article."""
        earlier = self.done.get(row.duplicate_of or 0)
        article_id = earlier.article_id if earlier is not None else None
        return self.record(replace(row, article_id=article_id))


def apply_import(
    config: Config,
    db: sqlite_utils.Database,
    plan: ImportPlan,
    *,
    analyser: Callable[[], Analyser],
    fetcher: Callable[[], Fetcher],
    clock: Clock,
    progress: Progress | None = None,
) -> ImportPlan:
    """Carry out a plan: fetch and process URL rows, store manual items, link merges and
    duplicates; the plan with every row's article. Recorded as a run of kind "import"."""
    importer = _Importer(config, db, plan, analyser, clock)
    try:
        url_rows = {r.url: r for r in plan.rows if r.outcome == "new_url" and r.url}
        if url_rows:
            if progress is not None:
                progress.begin("import", f"fetching {len(url_rows)} pages")
            for done, (url, result) in enumerate(fetcher().fetch_many(list(url_rows)), start=1):
                row = importer.url_row(url_rows[url], result)
                if progress is not None:
                    status = f"row {row.row}" + (f": {row.problem}" if row.problem else "")
                    progress.advance(done, len(url_rows), "pages", status)
        for row in plan.rows:
            if row.outcome == "new_manual":
                importer.manual_row(row)
            elif row.outcome == "merged":
                importer.merged_row(row)
        for row in plan.rows:
            if row.outcome == "duplicate":
                importer.duplicate_row(row)
            elif row.row not in importer.done:
                importer.done[row.row] = row
    except StageError as exc:
        importer.finish("failed")
        raise MonitorError(f"import stopped: {exc}") from exc
    except BaseException:
        importer.finish("interrupted")
        raise
    importer.finish("partial" if importer.errors else "ok")
    rows = tuple(importer.done[r.row] for r in plan.rows)
    return replace(plan, rows=rows, applied=True, run_id=importer.run_id)


# --- output ----------------------------------------------------------------------------------


def render_import(plan: ImportPlan) -> str:
    """The human summary: how the file was read, counts per outcome, then the rows that need
    attention (invalid, skipped, duplicates, warnings, failed fetches)."""
    sheet = plan.sheet
    lines = [
        f"{sheet.path}"
        + (f" (sheet {sheet.sheet_name!r})" if sheet.sheet_name else "")
        + (f" ({sheet.encoding})" if sheet.encoding else "")
        + f": header in row {sheet.header_row}, {len(plan.rows)} rows",
        "  columns: " + ", ".join(f"{h}→{f}" for h, f in sheet.columns if f != "seq"),
    ]
    if sheet.unknown_columns:
        lines.append("  unknown columns (ignored): " + ", ".join(sheet.unknown_columns))
    lines += [f"  note: {n}" for n in sheet.notes]
    if plan.imported_before:
        lines.append(f"  this file was imported before ({plan.imported_before})")
    lines.append("")
    counts = plan.counts
    width = max(len(v) for v in _OUTCOME_LABELS.values())
    for outcome in OUTCOMES:
        if outcome == "failed" and not counts[outcome]:
            continue
        extra = ""
        if outcome == "new_url" and counts["kept_from_sheet"]:
            extra = f"  ({counts['kept_from_sheet']} kept from the sheet: page not fetched)"
        lines.append(f"  {_OUTCOME_LABELS[outcome]:<{width}} {counts[outcome]:>5}{extra}")
    merges = [
        r for r in plan.rows if r.outcome == "merged" and not r.imported_before and not r.warnings
    ]
    if merges:
        # A merge decides that two records are one item: worth a glance, the first time.
        lines += ["", "rows merged into stored articles:"]
        for row in merges:
            head = f"  row {row.row:<5} {_short(row.title, 40)}"
            lines.append(f"{head} → article {row.article_id}: {row.reason}")
    attention = [r for r in plan.rows if r.needs_attention]
    if attention:
        lines += ["", "rows that need attention:"]
        for row in attention:
            what = row.reason
            if row.outcome == "duplicate" and row.article_id is not None:
                what += f" (article {row.article_id})"
            head = f"  row {row.row:<5} {row.outcome:<10} {_short(row.title, 40)}"
            details = [d for d in (what, row.problem, *row.warnings) if d]
            lines.append(head.rstrip() + (": " + "; ".join(details) if details else ""))
    lines.append("")
    if plan.applied:
        lines.append(
            f"import {plan.run_id}: {counts['new_url'] + counts['new_manual']} new items, "
            f"{counts['merged'] + counts['duplicate']} row(s) linked to stored articles"
        )
    else:
        lines.append("dry run: nothing was changed")
    return "\n".join(lines) + "\n"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
