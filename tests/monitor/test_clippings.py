"""`monitor import` (the team's clipping sheet) and `monitor add` (a print or broadcast item):
reading csv (UTF-8, CP949) and xlsx with Korean headers, a plan that a dry run shows and
nothing changes, URL rows fetched, failures kept from the sheet, merges never double counted,
re-imports creating nothing, and tallies equal to a recount from scratch."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from openpyxl import Workbook
from testkit import NEWS_TEST_FEED, loopback_config, stored_tally

import db as store
from monitor.analyse import Analyser
from monitor.cli import main
from monitor.clippings import ImportPlan, apply_import, plan_import, read_sheet, render_import
from monitor.config import Config, load_config
from monitor.errors import UsageError
from monitor.manual import ManualItem, add_manual_item, manual_url, read_date
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

PAGES = Path(__file__).parents[1] / "data" / "pages"
TODAY = date(2024, 11, 28)
PERIOD = ("2024-11-01", "2024-11-30")
CLOCK = lambda: datetime.fromisoformat("2024-11-28T09:00:00+09:00")  # noqa: E731

CONFIG = loopback_config(
    NEWS_TEST_FEED,
    registry="""
[[entities]]
id = "ilsan-techno-valley"
name = "일산테크노밸리"
core = true

[[entities]]
id = "ncc"
name = "국립암센터"
aliases = ["NCC"]
core = true

[[entities]]
id = "lih-g"
name = "룩셈부르크 고양보건연구소"
aliases = ["LIH-G"]
core = true

[[outlets]]
domain = "news.test"
name = "테스트일보"
tier = "local"

[[outlets]]
domain = "goyang.test"
name = "고양신문"
tier = "local"

[[outlets]]
domain = "kbs.co.kr"
name = "KBS"
tier = "broadcast"
""",
    database="monitor.db",
)

ONLINE_TITLE = "고양시, 일산테크노밸리에 바이오 기업 3곳 유치"
ARTICLE = f"""<html lang="ko"><head><meta charset="utf-8"><title>{ONLINE_TITLE} - 테스트일보</title>
<meta property="og:site_name" content="테스트일보">
<meta property="article:published_time" content="2024-11-26T10:00:00+09:00">
</head><body><div class="nav"><a href="/">홈</a></div>
<div class="info-group"><ul><li>입력 2024.11.26 10:00</li></ul></div>
<article id="article-view-content-div">
<p>고양시는 일산테크노밸리에 바이오 기업 세 곳이 입주하기로 하고 26일 협약을 맺었다고 밝혔다.
기업들은 연구시설을 먼저 짓고 2026년부터 생산시설을 갖출 계획이다.</p>
<p>시 관계자는 입주 기업이 늘어나면 일산테크노밸리가 수도권 북부의 바이오 거점이 될 것이라고
기대했다. 협약식에는 기업 대표와 시 관계자 등 30여 명이 참석했다.</p>
<p>시는 내년 상반기까지 앵커기업 두 곳을 더 유치한다는 목표를 세웠다. 이를 위해 투자 설명회를
서울과 판교에서 잇따라 열고, 입주 기업에 대한 세제 혜택과 인력 양성 지원 방안도 마련하기로 했다.</p>
<p>업계에서는 국립암센터와 인접한 입지가 임상 연구에 유리하다는 평가가 나온다. 한 입주 예정 기업
대표는 "연구와 임상을 한곳에서 이어갈 수 있다는 점이 결정적이었다"고 말했다.</p>
</article></body></html>"""

HEADER = ["번호", "보도일자", "매체명", "기사제목", "구분", "URL", "면", "비고", "담당자"]
# (Excel row number, cells): a title row and a blank row above the header, as real sheets have.
SHEET_ROWS: list[list[str]] = [
    ["2024년 하반기 언론보도 현황 (전략산업과)"],
    [],
    HEADER,
    ["1", "2024.11.26", "테스트일보", ONLINE_TITLE, "온라인", "http://news.test/a/1", "", "", "김"],
    [
        "2",
        "2024-11-27",
        "고양신문",
        "국립암센터, 고양시와 정밀의료 협력",
        "지면",
        "",
        "3",
        "",
        "김",
    ],
    ["3", "24.11.27", "KBS", "LIH-G 고양 연구소 개소 소식", "방송", "", "", "9시 뉴스", ""],
    ["4", "11월 27일", "고양신문", "날짜를 읽을 수 없는 행", "지면", "", "", "", ""],
    [],
    [
        "5",
        "2024. 11. 27.",
        "고양 신문",
        "[단독] 국립암센터, 고양시와 정밀의료 협력",
        "신문",
        "",
        "",
        "",
        "",
    ],
    ["6", "20241127", "테스트일보", "사라진 기사", "온라인", "http://news.test/gone", "", "", ""],
    [
        "7",
        "2024년 11월 27일",
        "테스트일보",
        "기사가 없는 면",
        "온라인",
        "news.test/section",
        "",
        "",
        "",
    ],
    ["합계", "", "", "", "", "", "", "", ""],
]


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def database(config: Config) -> Iterator[sqlite_utils.Database]:
    handle = store.open_database(config.database_path)
    yield handle
    handle.conn.close()


@pytest.fixture
def analyser(kiwi: Kiwi, config: Config) -> Analyser:
    return Analyser(kiwi, config.entities, config.topics)


SECTION = (PAGES / "section.html").read_bytes()


def _handler(requests: Counter[str]) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requests[url] += 1
        html = {"content-type": "text/html; charset=utf-8"}
        if url == "http://news.test/a/1":
            return httpx.Response(200, content=ARTICLE.encode("utf-8"), headers=html)
        if url == "http://news.test/section":
            return httpx.Response(200, content=SECTION, headers=html)
        if url == "http://news.test/old/1":  # the outlet's old address of /a/1
            return httpx.Response(301, headers={"location": "http://news.test/a/1"})
        return httpx.Response(404)

    return handle


def _fetcher(requests: Counter[str]) -> Fetcher:
    return Fetcher(
        FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0),
        client=httpx.Client(transport=httpx.MockTransport(_handler(requests))),
    )


def _table_counts(database: sqlite_utils.Database) -> dict[str, int]:
    names = [
        r[0]
        for r in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: database.execute(f"SELECT COUNT(*) FROM [{n}]").fetchone()[0] for n in names}


def _import(
    config: Config,
    database: sqlite_utils.Database,
    analyser: Analyser,
    path: Path,
    requests: Counter[str],
) -> ImportPlan:
    sheet = read_sheet(path)
    plan = plan_import(config, database, sheet, today=TODAY)
    return apply_import(
        config,
        database,
        plan,
        analyser=lambda: analyser,
        fetcher=lambda: _fetcher(requests),
        clock=CLOCK,
    )


def _outcomes(plan: ImportPlan) -> dict[int, str]:
    return {r.row: r.outcome for r in plan.rows}


def _tally(database: sqlite_utils.Database, by: str) -> dict[str, tuple[int, int, int]]:
    return stored_tally(database, by, *PERIOD)


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_in_utf8_with_or_without_bom_and_cp949_reads_the_same(
    tmp_path: Path, encoding: str
) -> None:
    sheet = read_sheet(_write_csv(tmp_path / "clips.csv", SHEET_ROWS, encoding))
    assert sheet.kind == "csv"
    assert sheet.encoding == ("cp949" if encoding == "cp949" else "utf-8")
    assert sheet.header_row == 3  # the title row and the blank row above it are passed over
    assert dict(sheet.columns) == {
        "번호": "seq",
        "보도일자": "date",
        "매체명": "outlet",
        "기사제목": "title",
        "구분": "medium",
        "URL": "url",
        "면": "page",
        "비고": "note",
    }
    assert sheet.unknown_columns == ("담당자",)
    second = next(r for r in sheet.rows if r.number == 5)
    assert second.text("title") == "국립암센터, 고양시와 정밀의료 협력"
    assert second.text("outlet") == "고양신문"


def test_xlsx_with_title_row_merged_cells_date_cells_and_links(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "2024 하반기"
    ws.append(["2024년 하반기 언론보도 현황"])
    ws.merge_cells("A1:H1")
    ws.append(["(단위: 건)"])
    ws.append(
        [
            "연번",
            "보도일(YYYY.MM.DD)",
            "언론사",
            "제목",
            "매체 구분",
            "기사 링크",
            "면",
            "담당 부서",
        ]
    )
    ws.append(
        [1, datetime(2024, 11, 26), "테스트일보", ONLINE_TITLE, "인터넷", "http://news.test/a/1"]
    )
    ws.append([2, datetime(2024, 11, 27, 0, 0), "고양신문", "국립암센터와 협력", "지면", None, 3])
    ws.append([3, None, "KBS", "LIH-G 개소 소식", "TV"])
    ws.merge_cells("B5:B6")  # the day written once for two rows
    ws.append([4, 45623, "테스트일보", "제목에 링크가 걸린 기사", "온라인"])
    ws["D7"].hyperlink = "http://news.test/a/2"
    ws.append(["합계 (4건)"])
    book.create_sheet("요약").append(["구분", "건수"])
    path = tmp_path / "clips.xlsx"
    book.save(path)

    sheet = read_sheet(path)
    assert (sheet.kind, sheet.sheet_name, sheet.header_row) == ("xlsx", "2024 하반기", 3)
    assert sheet.unknown_columns == ("담당 부서",)
    assert dict(sheet.columns)["보도일(YYYY.MM.DD)"] == "date"
    assert dict(sheet.columns)["매체 구분"] == "medium"
    rows = {r.number: r for r in sheet.rows}
    assert rows[4].values["date"] == datetime(2024, 11, 26)
    assert rows[6].values["date"] == datetime(2024, 11, 27)  # from the merged cell above
    assert rows[7].links["title"] == "http://news.test/a/2"

    config_path = tmp_path / "config.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    config = load_config(config_path)
    database = store.open_database(":memory:")
    plan = plan_import(config, database, sheet, today=TODAY)
    by_row = {r.row: r for r in plan.rows}
    assert _outcomes(plan) == {
        4: "new_url",
        5: "new_manual",
        6: "new_manual",
        7: "new_url",
        8: "skipped",
    }
    assert (by_row[5].day, by_row[5].medium, by_row[5].note) == (date(2024, 11, 27), "print", "3면")
    assert (by_row[6].day, by_row[6].medium, by_row[6].tier) == (
        date(2024, 11, 27),
        "broadcast",
        "broadcast",
    )
    assert by_row[7].url == "http://news.test/a/2" and by_row[7].day == date(2024, 11, 27)
    assert "subtotal" in by_row[8].reason

    book.move_sheet("요약", offset=-1)  # a summary sheet first: it has no header row
    book.save(path)
    with pytest.raises(UsageError, match=r"no header row.*--sheet NAME reads another.*2024 하반기"):
        read_sheet(path)
    assert read_sheet(path, sheet_name="2024 하반기").header_row == 3
    with pytest.raises(UsageError, match=r"no sheet '없음'.*요약, 2024 하반기"):
        read_sheet(path, sheet_name="없음")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-27", date(2024, 11, 27)),
        ("2024.11.27", date(2024, 11, 27)),
        ("2024. 11. 27.", date(2024, 11, 27)),
        ("2024/11/27", date(2024, 11, 27)),
        ("20241127", date(2024, 11, 27)),
        ("24.11.27", date(2024, 11, 27)),
        ("2024년 11월 27일", date(2024, 11, 27)),
        ("2024.11.27(수)", date(2024, 11, 27)),
        ("2024-11-27 14:30", date(2024, 11, 27)),
        (datetime(2024, 11, 27, 9, 30), date(2024, 11, 27)),
        (45623, date(2024, 11, 27)),
        ("11월 27일", None),
        ("11/27/2024", None),
        ("2024-02-30", None),
        ("2030-01-01", None),
        ("내일", None),
    ],
)
def test_dates_in_the_forms_sheets_use_and_nothing_guessed(value: object, expected: date) -> None:
    day, error = read_date(value, today=TODAY)
    assert day == expected
    assert (error is None) == (expected is not None)


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    binary = tmp_path / "noise.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UsageError, match="not a clipping sheet: it looks like a binary file"):
        read_sheet(binary)
    image = tmp_path / "clippings.xlsx"  # a screenshot saved under the sheet's name
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(UsageError, match=r"looks like a PNG image; import an \.xlsx or CSV"):
        read_sheet(image)
    no_header = _write_csv(tmp_path / "plain.csv", [["가", "나"], ["1", "2"]], "utf-8")
    with pytest.raises(UsageError, match="no header row in the first 10 rows"):
        read_sheet(no_header)
    no_title = _write_csv(tmp_path / "nt.csv", [["날짜", "매체"], ["2024-11-27", "KBS"]], "utf-8")
    with pytest.raises(UsageError, match="no title column"):
        read_sheet(no_title)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(UsageError, match=r"\.xls"):
        read_sheet(old)
    with pytest.raises(UsageError, match="--sheet applies to xlsx"):
        read_sheet(no_header, sheet_name="x")
    with pytest.raises(UsageError, match="no such file"):
        read_sheet(tmp_path / "missing.csv")


# --- planning and applying -------------------------------------------------------------------


def test_dry_run_plan_has_one_outcome_per_row_and_changes_nothing(
    config: Config, database: sqlite_utils.Database, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "clips.csv", SHEET_ROWS, "cp949")
    before = _table_counts(database)
    plan = plan_import(config, database, read_sheet(path), today=TODAY)
    assert _table_counts(database) == before
    assert _outcomes(plan) == {
        4: "new_url",
        5: "new_manual",
        6: "new_manual",
        7: "invalid",
        9: "duplicate",
        10: "new_url",
        11: "new_url",
        12: "skipped",
    }  # rows 1-3 (title, blank, header) and the empty row 8 are not items
    rows = {r.row: r for r in plan.rows}
    assert "cannot read the date '11월 27일'" in rows[7].reason
    assert rows[9].duplicate_of == 5 and rows[9].outlet == "고양신문"
    assert rows[11].url == "http://news.test/section"  # "news.test/..." without a scheme
    assert rows[6].note == "9시 뉴스" and rows[6].medium == "broadcast"
    text = render_import(plan)
    assert "unknown columns (ignored): 담당자" in text
    assert "row 7" in text and "dry run: nothing was changed" in text
    assert plan.counts["new_url"] == 3 and plan.counts["invalid"] == 1


def test_import_fetches_url_rows_and_keeps_failed_ones_from_the_sheet(
    config: Config, database: sqlite_utils.Database, analyser: Analyser, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "clips.csv", SHEET_ROWS, "utf-8-sig")
    requests: Counter[str] = Counter()
    plan = _import(config, database, analyser, path, requests)
    assert plan.applied and plan.counts["new_url"] == 3 and plan.counts["kept_from_sheet"] == 2
    rows = {r.row: r for r in plan.rows}

    fetched = store.get_article(database, rows[4].article_id or 0)
    assert fetched["url"] == "http://news.test/a/1"
    assert fetched["method"] == "cms:ndsoft" and "협약을 맺었다" in fetched["body"]
    assert fetched["fetch"]["source"] == "import"
    assert fetched["labels"]["relevant"] is True and fetched["entities"] == [
        "ilsan-techno-valley",
        "ncc",
    ]

    gone = store.get_article(database, rows[10].article_id or 0)
    assert (gone["url"], gone["method"], gone["title"]) == (
        "http://news.test/gone",
        "sheet",
        "사라진 기사",
    )
    assert (gone["outlet"], gone["published_date"], gone["relevant"]) == (
        "테스트일보",
        "2024-11-27",
        True,
    )
    assert "fetch: HTTP 404" in rows[10].problem
    section = store.get_article(database, rows[11].article_id or 0)
    assert section["method"] == "sheet" and section["page_id"] is not None  # raw page kept
    assert rows[11].problem.startswith("extract:")
    errors = database.execute(
        "SELECT url, stage FROM errors WHERE run_id = ? ORDER BY url", [plan.run_id]
    ).fetchall()
    assert errors == [("http://news.test/gone", "fetch"), ("http://news.test/section", "extract")]
    linked = database.execute(
        "SELECT row, article_id, outcome FROM imports ORDER BY row", []
    ).fetchall()
    assert [r[0] for r in linked] == [4, 5, 6, 9, 10, 11]
    assert dict((r[0], r[1]) for r in linked)[9] == rows[5].article_id  # the duplicate row
    print_item = store.get_article(database, rows[5].article_id or 0)
    assert (print_item["medium"], print_item["url"]) == (
        "print",
        manual_url(date(2024, 11, 27), "고양신문", "국립암센터, 고양시와 정밀의료 협력", "print"),
    )
    assert database.execute(
        "SELECT note FROM articles WHERE id = ?", [rows[5].article_id]
    ).fetchone() == ("3면",)
    run = database.execute("SELECT kind, status FROM runs WHERE id = ?", [plan.run_id]).fetchone()
    assert run == ("import", "partial")


def test_row_matching_a_stored_article_is_merged_never_counted_twice(
    config: Config,
    database: sqlite_utils.Database,
    analyser: Analyser,
    tmp_path: Path,
    assert_recount: Callable[..., None],
) -> None:
    stored, _ = store.save_article(
        database,
        store.ArticleRecord(
            url="http://goyang.test/news/7",
            title="국립암센터, 고양시와 정밀의료 협력",
            body="국립암센터와 고양시가 정밀의료 협력에 나선다.",
            role="coverage",
            method="cms:ndsoft",
            collected_at="2024-11-26T09:00:00+09:00",
            processed_at="2024-11-26T09:00:00+09:00",
            published_at="2024-11-26T08:00:00+09:00",
            published_date="2024-11-26",
            outlet="고양신문",
            outlet_domain="goyang.test",
            tier="local",
            relevant=False,  # the classifier missed it; the team's sheet says otherwise
            mentions=(store.MentionRecord("ncc", "title", 0, 5, "국립암센터"),),
        ),
        None,
        None,
    )
    rows = [
        HEADER[:6],
        # The same outlet written with a space, the headline with a label, a day later, print.
        ["1", "2024-11-27", "고양 신문", "[단독] 국립암센터, 고양시와 정밀의료 협력", "지면", ""],
        # The same page under https and www.
        ["2", "2024-11-26", "고양신문", "다른 제목", "온라인", "https://www.goyang.test/news/7"],
    ]
    path = _write_csv(tmp_path / "merge.csv", rows, "utf-8")
    articles_before = _table_counts(database)["articles"]
    requests: Counter[str] = Counter()
    plan = _import(config, database, analyser, path, requests)
    assert _outcomes(plan) == {2: "merged", 3: "merged"}
    assert {r.article_id for r in plan.rows} == {stored}
    assert _table_counts(database)["articles"] == articles_before
    assert not requests  # nothing fetched: the URL was known
    assert database.execute("SELECT row, article_id FROM imports ORDER BY row").fetchall() == [
        (2, stored),
        (3, stored),
    ]
    assert store.get_article(database, stored)["relevant"] is True  # the team's label
    assert _tally(database, "entity")["ncc"] == (1, 1, 1)
    assert_recount(database, *PERIOD)
    assert "rows merged into stored articles:" in render_import(plan)
    assert f"→ article {stored}: the same outlet and headline as article {stored}" in (
        render_import(plan)
    )

    # A headline edited since (a typo fixed in the sheet) is not merged by guesswork, but pointed
    # out for the team to check.
    edited = [
        HEADER[:6],
        ["1", "2024-11-26", "고양신문", "국립암센터, 고양시와 정밀의료 협력키로", "", ""],
    ]
    near = plan_import(
        config,
        database,
        read_sheet(_write_csv(tmp_path / "edit.csv", edited, "utf-8")),
        today=TODAY,
    )
    assert near.rows[0].outcome == "new_manual"
    assert any(f"stored as article {stored}" in w for w in near.rows[0].warnings)


def test_a_row_whose_page_redirects_onto_a_stored_article_is_merged(
    config: Config,
    database: sqlite_utils.Database,
    analyser: Analyser,
    tmp_path: Path,
    assert_recount: Callable[..., None],
) -> None:
    requests: Counter[str] = Counter()
    first = [HEADER[:6], SHEET_ROWS[3][:6]]
    done = _import(
        config, database, analyser, _write_csv(tmp_path / "a.csv", first, "utf-8"), requests
    )
    stored = done.rows[0].article_id
    assert done.rows[0].outcome == "new_url" and stored is not None
    # Another sheet gives the outlet's old address (under its own title): fetched, it lands on
    # the stored article, which the row is linked to, as `run` would, never stored twice.
    old = [
        HEADER[:6],
        ["1", "2024-11-26", "테스트일보", "옛 주소의 기사", "온라인", "http://news.test/old/1"],
    ]
    plan = _import(
        config, database, analyser, _write_csv(tmp_path / "b.csv", old, "utf-8"), requests
    )
    assert [(r.outcome, r.article_id) for r in plan.rows] == [("merged", stored)]
    assert "reached by redirect" in plan.rows[0].reason
    assert database.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    assert_recount(database, *PERIOD)
    # The old address is known from now on, under either scheme: merged at planning, unfetched.
    again = [
        HEADER[:6],
        ["1", "2024-11-26", "테스트일보", "옛 주소", "온라인", "https://news.test/old/1"],
    ]
    later = plan_import(
        config, database, read_sheet(_write_csv(tmp_path / "c.csv", again, "utf-8")), today=TODAY
    )
    assert [(r.outcome, r.article_id) for r in later.rows] == [("merged", stored)]
    assert requests["http://news.test/old/1"] == 1


def test_reimporting_the_same_file_creates_nothing(
    config: Config, database: sqlite_utils.Database, analyser: Analyser, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "clips.csv", SHEET_ROWS, "cp949")
    requests: Counter[str] = Counter()
    first = _import(config, database, analyser, path, requests)
    counts = _table_counts(database)
    fetched = sum(requests.values())
    again = _import(config, database, analyser, path, requests)
    assert again.imported_before is not None
    assert again.counts["new_url"] == again.counts["new_manual"] == 0
    assert again.counts["merged"] == first.counts["new_url"] + first.counts["new_manual"]
    assert all(r.imported_before for r in again.rows if r.outcome == "merged")
    for row in again.rows:
        if row.outcome == "merged":
            expected = "the same URL as article" if row.url else "as manual item"
            assert expected in row.reason, row
    assert sum(requests.values()) == fetched  # nothing fetched again
    after = _table_counts(database)
    assert {k: v for k, v in after.items() if k not in ("runs",)} == {
        k: v for k, v in counts.items() if k not in ("runs",)
    }
    assert {r.row: r.article_id for r in again.rows if r.article_id} == {
        r.row: r.article_id for r in first.rows if r.article_id
    }


def test_tally_equals_a_recount_after_import(
    config: Config,
    database: sqlite_utils.Database,
    analyser: Analyser,
    tmp_path: Path,
    assert_recount: Callable[..., None],
) -> None:
    path = _write_csv(tmp_path / "clips.csv", SHEET_ROWS, "utf-8")
    _import(config, database, analyser, path, Counter())
    assert_recount(database, *PERIOD)
    total = _tally(database, "tier")
    # Five items: the fetched article, two kept from the sheet (테스트일보), the print item
    # (고양신문) and the broadcast item (KBS); the duplicate row is the print item again.
    assert total["total"][0] == 5
    assert total["broadcast"] == (1, 1, 1)
    assert _tally(database, "entity")["lih-g"] == (1, 1, 1)  # from the headline "LIH-G ..."


# --- monitor add -----------------------------------------------------------------------------


@pytest.fixture
def cli(
    config: Config, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--config", str(config.path), *argv], environ={}, clock=CLOCK, kiwi=kiwi)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_add_makes_an_item_that_counts_by_entity_and_tier(
    cli: Callable[..., tuple[int, str, str]], config: Config, assert_recount: Callable[..., None]
) -> None:
    argv = [
        "add",
        "--date",
        "2024-11-27",
        "--outlet",
        "KBS",
        "--title",
        "고양시 바이오 클러스터 현장을 가다",
        "--medium",
        "broadcast",
        "--entity",
        "lih-g",
        "--topic",
        "infrastructure",
        "--note",
        "9시 뉴스",
        "--json",
    ]
    code, out, err = cli(*argv)
    assert code == 0, err
    item = json.loads(out)
    assert item["created"] is True and item["url"].startswith("manual:")
    assert (item["outlet"], item["tier"], item["medium"]) == ("KBS", "broadcast", "broadcast")
    assert (item["entities"], item["topic"]) == (["lih-g"], "infrastructure")
    again = json.loads(cli(*argv)[1])
    assert (again["id"], again["created"]) == (item["id"], False)  # re-adding is idempotent

    database = store.open_database(config.database_path)
    try:
        assert _tally(database, "entity")["lih-g"] == (1, 1, 1)
        assert _tally(database, "tier")["broadcast"] == (1, 1, 1)
        shown = store.get_article(database, item["id"])
        assert shown["labels"]["relevant"] is True and shown["labels"]["topic"] == "infrastructure"
        assert shown["date_source"] == "manual"
        assert shown["published_at"] == "2024-11-27T00:00:00+09:00"
        assert_recount(database, *PERIOD)
    finally:
        database.conn.close()

    base = ["add", "--date", "2024-11-27", "--outlet", "KBS", "--title", "x", "--medium", "print"]
    code, _out, err = cli(*base, "--entity", "nobody")
    assert code == 1 and "unknown entity 'nobody'" in err
    code, _out, err = cli(*base, "--topic", "sports")
    assert code == 1 and "unknown topic 'sports'" in err
    code, _out, err = cli("add", "--date", "2024-13-01", *base[3:])
    assert code == 1 and "no such date" in err
    with pytest.raises(SystemExit) as exited:
        cli(*base[:-2])
    assert exited.value.code == 2  # --medium is required: a usage error


def test_print_copy_of_an_online_article_counts_once(
    config: Config,
    database: sqlite_utils.Database,
    analyser: Analyser,
    cli: Callable[..., tuple[int, str, str]],
    tmp_path: Path,
    assert_recount: Callable[..., None],
) -> None:
    path = _write_csv(tmp_path / "online.csv", [HEADER[:6], SHEET_ROWS[3][:6]], "utf-8")
    plan = _import(config, database, analyser, path, Counter())
    online = plan.rows[0].article_id
    assert _tally(database, "entity")["ilsan-techno-valley"] == (1, 1, 1)

    code, out, err = cli(
        "add",
        "--date",
        "2024-11-26",
        "--outlet",
        "테스트일보",
        "--title",
        ONLINE_TITLE,
        "--medium",
        "print",
    )
    assert code == 0, err
    assert "joins story" in out
    items = database.execute("SELECT id, medium FROM articles ORDER BY id").fetchall()
    assert [m for _, m in items] == ["online", "print"]
    assert store.effective_story(database, items[1][0]) == store.effective_story(
        database, online or 0
    )
    assert _tally(database, "entity")["ilsan-techno-valley"] == (1, 1, 1)
    assert _tally(database, "tier")["total"] == (1, 1, 1)
    assert_recount(database, *PERIOD)


def test_manual_item_with_an_unknown_outlet_is_kept_without_a_tier(
    config: Config, database: sqlite_utils.Database, analyser: Analyser
) -> None:
    item = ManualItem(date(2024, 11, 27), "고양일보", "국립암센터 새 병동", "print")
    result = add_manual_item(config, database, analyser, item, clock=CLOCK)
    assert (result.outlet, result.tier, result.outlet_known) == ("고양일보", None, False)
    assert result.entities == ("ncc",)
    assert _tally(database, "outlet")["고양일보"] == (1, 1, 1)


# --- the command line ------------------------------------------------------------------------


def test_import_command_dry_run_json_then_apply(
    cli: Callable[..., tuple[int, str, str]],
    config: Config,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    assert_recount: Callable[..., None],
) -> None:
    requests: Counter[str] = Counter()
    monkeypatch.setattr("scrapers.fetch.Fetcher", lambda settings: _fetcher(requests))
    path = _write_csv(tmp_path / "clips.csv", SHEET_ROWS, "cp949")

    code, out, err = cli("import", str(path), "--dry-run", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["dry_run"] is True and report["run_id"] is None
    assert report["unknown_columns"] == ["담당자"]
    assert report["counts"]["new_manual"] == 2 and report["counts"]["invalid"] == 1
    assert [r["row"] for r in report["rows"] if r["outcome"] == "invalid"] == [7]
    assert not requests
    database = store.open_database(config.database_path)
    try:
        assert _table_counts(database)["articles"] == 0
    finally:
        database.conn.close()

    code, out, err = cli("import", str(path))
    assert code == 0, err
    assert "new manual items" in out and "kept from the sheet" in out
    assert "unknown columns (ignored): 담당자" in out
    database = store.open_database(config.database_path)
    try:
        assert _table_counts(database)["articles"] == 5
        assert_recount(database, *PERIOD)
    finally:
        database.conn.close()

    code, out, err = cli("import", str(path), "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["counts"]["new_url"] == again["counts"]["new_manual"] == 0
    assert again["imported_before"]

    code, _out, err = cli("import", str(tmp_path / "none.xlsx"))
    assert code == 1 and "no such file" in err


def test_utf16_tab_text_two_row_header_and_spare_numbered_rows(tmp_path: Path) -> None:
    rows = [
        ["번호", "날짜", "매체", "기사", "기사"],  # "기사" merged over the two columns below
        ["", "", "", "제목", "링크"],
        ["1", "2024-11-27", "KBS", "고양 바이오 현장", ""],
        ["2", "", "", "", ""],  # a template's spare row: only its number
    ]
    path = tmp_path / "unicode.txt"
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode("utf-16"))  # with a BOM, as Excel saves "Unicode text"
    sheet = read_sheet(path)
    assert sheet.encoding == "utf-16" and sheet.header_row == 1
    assert dict(sheet.columns) == {
        "번호": "seq",
        "날짜": "date",
        "매체": "outlet",
        "제목": "title",
        "링크": "url",
    }
    assert sheet.unknown_columns == ()
    config_path = tmp_path / "config.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    plan = plan_import(
        load_config(config_path), store.open_database(":memory:"), sheet, today=TODAY
    )
    assert _outcomes(plan) == {3: "new_manual"}  # the spare row is passed over silently
    row = plan.rows[0]
    # No 구분 and no URL: a broadcaster's item is taken as broadcast, and the summary says so.
    assert row.medium == "broadcast" and any("no 구분" in w for w in row.warnings)


def test_sheet_topic_tone_and_keywords_become_team_labels_but_never_override_them(
    config: Config, database: sqlite_utils.Database, analyser: Analyser, tmp_path: Path
) -> None:
    stored, _ = store.save_article(
        database,
        store.ArticleRecord(
            url="http://goyang.test/news/9",
            title="고양시 바이오 포럼 열려",
            body="",
            role="coverage",
            method="cms:ndsoft",
            collected_at="2024-11-26T09:00:00+09:00",
            processed_at="2024-11-26T09:00:00+09:00",
            published_at="2024-11-26T08:00:00+09:00",
            published_date="2024-11-26",
            outlet="고양신문",
            outlet_domain="goyang.test",
            tier="local",
            relevant=True,
        ),
        None,
        None,
    )
    store.set_label(database, stored, "2024-11-27T09:00:00+09:00", relevant=False)
    rows = [
        ["날짜", "매체", "제목", "구분", "분야", "논조", "관련기관", "비고"],
        ["2024-11-27", "KBS", "고양 바이오 현장", "TV", "협약", "부정적", "LIH-G, 고양시", "뉴스9"],
        ["2024-11-26", "고양신문", "고양시 바이오 포럼 열려", "지면", "포럼", "긍정", "", ""],
        ["2024-11-27", "고양신문", "알 수 없는 구분", "보도자료", "스포츠", "애매", "", ""],
    ]
    path = _write_csv(tmp_path / "labels.csv", rows, "utf-8")
    plan = _import(config, database, analyser, path, Counter())
    by_row = {r.row: r for r in plan.rows}
    assert [r.outcome for r in plan.rows] == ["new_manual", "merged", "new_manual"]

    tv = store.get_article(database, by_row[2].article_id or 0)
    assert tv["labels"]["topic"] == "agreement" and tv["labels"]["tone"] == "negative"
    assert (tv["topic"], tv["tone"], tv["medium"]) == ("agreement", "negative", "broadcast")
    assert tv["entities"] == ["lih-g"]  # named by the sheet, not in the headline

    merged = store.get_article(database, stored)
    assert merged["relevant"] is False  # the team's earlier label wins over the sheet
    assert merged["labels"]["topic"] == "event" and merged["labels"]["tone"] == "positive"
    assert any("kept the team's earlier relevant label" in w for w in by_row[3].warnings)

    odd = by_row[4].warnings
    assert any("구분 '보도자료'" in w for w in odd)
    assert any("분야 '스포츠'" in w for w in odd) and any("논조 '애매'" in w for w in odd)
    assert store.get_article(database, by_row[4].article_id or 0)["medium"] == "print"
