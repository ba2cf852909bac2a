"""The command line over a small stored database: JSON shapes, exit statuses, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from testkit import BASE_ARTICLE, entity_block, mini_config, tiny_classifiers

import db as store
from monitor._table import display_width
from monitor.cli import _print_outlet_health, main
from monitor.health import OutletHealth
from monitor.train import labelled_set_digest, out_of_date_reason
from nlp.classify import FEATURES_VERSION, save_classifiers

CONFIG = mini_config(
    entity_block("ncc", "국립암센터", "NCC"), entity_block("ilsan-techno-valley", "일산테크노밸리")
)

BASE = replace(BASE_ARTICLE, method="cms:ndsoft")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A config file and a database holding a story of two copies, a near miss and a release."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    release, _ = store.save_article(
        database,
        replace(BASE, url="https://goyang.go.kr/1", title="보도자료", role="press_release"),
        None,
        None,
    )
    first, _ = store.save_article(
        database,
        replace(
            BASE,
            url="https://newspim.com/1",
            title="고양시, 국립암센터와 <정밀의료> 협약",
            body="고양시가 국립암센터와 정밀의료 협약을 맺었다.\n\n일산테크노밸리에 거점을 둔다.",
            outlet="뉴스핌",
            tier="internet",
            story_id=release,
            mentions=(
                store.MentionRecord("ncc", "title", 5, 10, "국립암센터"),
                store.MentionRecord("ilsan-techno-valley", "body", 27, 34, "일산테크노밸리"),
            ),
        ),
        None,
        None,
    )
    store.save_article(
        database,
        replace(
            BASE,
            url="https://kyeonggi.com/2",
            title="고양시-국립암센터 정밀의료 맞손",
            body="고양시가 국립암센터와 정밀의료 협약을 맺었다.",
            outlet="경기일보",
            tier="local",
            story_id=release,
            mentions=(store.MentionRecord("ncc", "title", 4, 9, "국립암센터"),),
        ),
        None,
        None,
    )
    store.save_article(
        database,
        replace(
            BASE,
            url="https://kyeonggi.com/3",
            title="국립암센터, 폐암 신약 임상 결과 발표",
            body="국립암센터 연구팀이 임상 결과를 발표했다.",
            outlet="경기일보",
            tier="local",
            relevant=False,
            tone="neutral",
            mentions=(store.MentionRecord("ncc", "title", 0, 5, "국립암센터"),),
        ),
        None,
        None,
    )
    database.conn.close()
    assert first
    return tmp_path


def _run(
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    clock: Callable[[], datetime],
    *argv: str,
) -> tuple[int, str, str]:
    code = main(["--config", str(workspace / "config.toml"), *argv], environ={}, clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def test_search_json_relevant_only_and_all(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, _ = _run(workspace, capsys, clock, "search", "--entity", "ncc", "--json")
    assert code == 0
    items = json.loads(out)
    assert {i["url"] for i in items} == {"https://newspim.com/1", "https://kyeonggi.com/2"}
    first = next(i for i in items if i["url"] == "https://newspim.com/1")
    assert first["entities"] == ["ilsan-techno-valley", "ncc"]
    assert first["published_at"].endswith("+09:00")
    assert {"id", "tier", "topic", "tone", "relevant", "story_id", "snippet"} <= set(first)
    _, out, _ = _run(workspace, capsys, clock, "search", "--entity", "ncc", "--all", "--json")
    assert len(json.loads(out)) == 3
    _, out, _ = _run(workspace, capsys, clock, "search", "임상", "--all", "--limit", "1", "--json")
    assert [i["url"] for i in json.loads(out)] == ["https://kyeonggi.com/3"]


def test_show_json_has_body_mentions_and_copies(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    _, out, _ = _run(
        workspace, capsys, clock, "search", "--entity", "ilsan-techno-valley", "--json"
    )
    (item,) = json.loads(out)
    code, out, _ = _run(workspace, capsys, clock, "show", str(item["id"]), "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["body"].split("\n\n")[1] == "일산테크노밸리에 거점을 둔다."
    assert shown["method"] == "cms:ndsoft"
    assert {
        "entity": "ncc",
        "field": "title",
        "start": 5,
        "end": 10,
        "text": "국립암센터",
    } in shown["mentions"]
    assert {c["url"] for c in shown["copies"]} == {
        "https://goyang.go.kr/1",
        "https://kyeonggi.com/2",
    }


def test_show_unknown_id_is_one_line_exit_1(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, err = _run(workspace, capsys, clock, "show", "999")
    assert (code, out) == (1, "")
    assert err.strip() == "monitor: error: no article with id 999"


def test_tally_json_counts_by_the_rules(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, _ = _run(workspace, capsys, clock, "tally", "--period", "2024-11", "--json")
    assert code == 0
    tally = json.loads(out)
    assert tally["period"] == {"start": "2024-11-01", "end": "2024-11-30"}
    rows = {r["key"]: r for r in tally["rows"]}
    # Two outlets ran one release: two articles, one story; the release itself is not coverage.
    assert (rows["ncc"]["articles"], rows["ncc"]["stories"], rows["ncc"]["outlets"]) == (2, 1, 2)
    assert rows["ncc"]["label"] == "국립암센터"
    assert rows["ilsan-techno-valley"]["articles"] == 1
    assert tally["total"] == {"articles": 2, "outlets": 2, "stories": 1}


def test_tally_csv_has_a_bom(
    workspace: Path, capsysbinary: pytest.CaptureFixture[bytes], clock: Callable[[], datetime]
) -> None:
    code = main(
        [
            "--config",
            str(workspace / "config.toml"),
            "tally",
            "--period",
            "2024",
            "--format",
            "csv",
        ],
        environ={},
        clock=clock,
    )
    out = capsysbinary.readouterr().out
    assert code == 0
    assert out.startswith("\ufeff".encode())
    assert "ncc,국립암센터,2,2,1" in out.decode("utf-8-sig")


def test_digest_json_folds_copies_and_html_escapes(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, _ = _run(
        workspace, capsys, clock, "digest", "--date", "2024-11-27", "--format", "json"
    )
    assert code == 0
    digest = json.loads(out)
    assert digest["date"] == "2024-11-27"
    (story,) = digest["stories"]
    assert {a["outlet"] for a in story["articles"]} == {"뉴스핌", "경기일보"}
    assert "ncc" in story["entities"]
    _, html, _ = _run(
        workspace, capsys, clock, "digest", "--date", "2024-11-27", "--format", "html"
    )
    assert "&lt;정밀의료&gt;" in html
    assert "<정밀의료>" not in html
    assert "<script" not in html


def test_bad_period_and_bad_config_are_one_line_errors(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _run(workspace, capsys, clock, "tally", "--period", "2024H3")
    assert exit_info.value.code == 2  # a usage error, like a bad --date
    assert "2024H3" in capsys.readouterr().err
    (workspace / "config.toml").write_text(CONFIG + "\n[web]\nportt = 1\n", encoding="utf-8")
    code, _, err = _run(workspace, capsys, clock, "tally")
    assert code == 1
    assert "portt" in err and "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tally", "--by", "colour"])
    assert exit_info.value.code == 2


def test_extract_json_one_object_per_page(
    capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], tmp_path: Path
) -> None:
    page = Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html"
    code = main(
        ["--config", str(tmp_path / "absent.toml"), "extract", "--json", str(page), "missing.html"],
        environ={},
        clock=clock,
    )
    out, err = capsys.readouterr()
    assert code == 1  # one of the two targets failed, the other was still extracted
    (line,) = out.splitlines()
    item = json.loads(line)
    assert {
        "url",
        "title",
        "body",
        "published_at",
        "updated_at",
        "authors",
        "outlet",
        "method",
    } <= set(item)
    assert item["method"].startswith("cms:")
    assert item["published_at"].endswith("+09:00")
    assert err.strip() == "missing.html: no such file"


def test_search_query_is_normalised_like_the_stored_text(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    decomposed = unicodedata.normalize("NFD", "정밀의료")
    code, out, _ = _run(workspace, capsys, clock, "search", decomposed, "--json")
    assert code == 0
    assert len(json.loads(out)) == 2


def test_out_of_range_and_unwritable_inputs_are_one_line_errors(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, _, err = _run(workspace, capsys, clock, "show", "99999999999999999999")
    assert (code, err.strip()) == (1, "monitor: error: no article with id 99999999999999999999")
    code, out, _ = _run(
        workspace, capsys, clock, "search", "--all", "--limit", "100000000000000000000", "--json"
    )
    assert code == 0 and len(json.loads(out)) == 4  # three articles and the city's release
    code, _, err = _run(
        workspace, capsys, clock, "digest", "--date", "2024-11-27", "--out", "/nonexistent/d.md"
    )
    assert code == 1
    assert err.startswith("monitor: error:") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("digest", "--date", "2024-11-27", "--since-last"),
        ("tally", "--json", "--format", "csv"),
        ("report", "--json", "--format", "md", "--period", "2024"),
        ("digest", "--json", "--format", "html"),
        ("report", "--period", "2024-13"),
        ("tally", "--period", "2024..bad"),
    ],
)
def test_conflicting_options_and_bad_periods_are_usage_errors(
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    clock: Callable[[], datetime],
    argv: tuple[str, ...],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _run(workspace, capsys, clock, *argv)
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith(f"monitor {argv[0]}: error: ")


def test_json_with_format_json_is_allowed(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    code, out, _ = _run(
        workspace, capsys, clock, "tally", "--period", "2024-11", "--json", "--format", "json"
    )
    assert code == 0 and json.loads(out)["total"]["articles"] == 2


def test_train_if_missing_json_prints_the_existing_model(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    models = workspace / "models"
    for version in (2, 10):
        save_classifiers(models, tiny_classifiers(version, labelled_digest=labelled_set_digest()))
    code, out, _ = _run(workspace, capsys, clock, "train", "--if-missing", "--json")
    assert code == 0
    assert json.loads(out) == {
        "version": 10,
        "path": str(models / "classifiers-v10.json"),
        "trained": False,
    }


def test_a_model_is_out_of_date_when_its_features_or_the_labelled_set_changed(
    tmp_path: Path,
) -> None:
    shipped = tmp_path / "relevant.jsonl"
    shipped.write_text('{"id": "rel-0001"}\n', encoding="utf-8")
    digest = labelled_set_digest([shipped])
    assert out_of_date_reason(tiny_classifiers(1, labelled_digest=digest), digest) is None
    older = replace(tiny_classifiers(1, labelled_digest=digest), features_version=1)
    assert FEATURES_VERSION > 1
    assert f"features v1 and the analyser makes v{FEATURES_VERSION}" in str(
        out_of_date_reason(older, digest)
    )
    shipped.write_text('{"id": "rel-0001", "tone": "neutral"}\n', encoding="utf-8")
    assert labelled_set_digest([shipped]) != digest
    reason = out_of_date_reason(
        tiny_classifiers(1, labelled_digest=digest), labelled_set_digest([shipped])
    )
    assert reason == "the shipped labelled set has changed since it was trained"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not HTML: application/pdf"),
        ("d.docx", b"PK\x03\x04\x14\x00\x06\x00", "not HTML: a zip archive (docx, xlsx, hwpx)"),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not HTML: image/png"),
        ("report.hwp", b"HWP Document File\x00\x05\x00", "not HTML: .hwp file"),
        ("blob.html", b"\x00\x01\x02binary", "not HTML: binary body"),
    ],
)
def test_extract_names_what_a_non_html_file_is(
    capsys: pytest.CaptureFixture[str],
    clock: Callable[[], datetime],
    tmp_path: Path,
    name: str,
    content: bytes,
    reason: str,
) -> None:
    (tmp_path / name).write_bytes(content)
    code = main(["extract", str(tmp_path / name)], environ={}, clock=clock)
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == f"{tmp_path / name}: {reason}\n"


def test_extract_refuses_other_schemes_and_directories(
    capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], tmp_path: Path
) -> None:
    targets = ["ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", str(tmp_path)]
    code = main(["extract", *targets], environ={}, clock=clock)
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == 4
    assert all("only http(s) URLs" in line for line in lines[:3])
    assert lines[3] == f"{tmp_path}: is a directory"


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "ascii", **(env or {})},
    )


def test_ascii_locale_gets_utf8_and_no_traceback(workspace: Path) -> None:
    page = str(Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html")
    config = str(workspace / "config.toml")
    commands = [
        ("extract", page),
        ("--config", config, "show", _first_id(workspace)),
        ("--config", config, "entities"),
        ("--config", config, "sources"),
        ("--config", config, "story", "show", _first_id(workspace)),
        ("--config", config, "label", _first_id(workspace), "--note", "메모"),
        ("--config", config, "tally", "--period", "2024-11"),
        ("extract", "없는파일.html"),
    ]
    for argv in commands:
        process = _cli(*argv)
        out, err = process.communicate(timeout=120)
        assert b"Traceback" not in err, (argv, err)
        assert process.returncode == (1 if "없는파일.html" in argv else 0), (argv, err)
        out.decode("utf-8")  # UTF-8 whatever the locale said
    assert "없는파일.html: no such file" in err.decode("utf-8")


def _first_id(workspace: Path) -> str:
    database = store.open_database(workspace / "monitor.db")
    try:
        return str(
            database.execute("SELECT MIN(id) FROM articles WHERE relevant = 1").fetchone()[0]
        )
    finally:
        database.conn.close()


def test_closed_stdout_ends_quietly() -> None:
    page = str(Path(__file__).parents[1] / "data" / "pages" / "ndsoft.html")
    process = _cli("extract", "--json", *[page] * 150)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # `| head -c 10`
    err = process.stderr.read()
    process.wait(timeout=120)
    assert err == b""
    assert process.returncode in (0, 141, -13)  # quietly, or killed by SIGPIPE like `yes`


def test_tables_align_hangul_and_long_names(
    workspace: Path, capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime]
) -> None:
    long_name = "google-ilsan-techno-valley-precision"
    config = (workspace / "config.toml").read_text(encoding="utf-8")
    extra = f'\n[[sources]]\nname = "{long_name}"\nkind = "rss"\nurl = "http://127.0.0.1:9/a.xml"\n'
    (workspace / "config.toml").write_text(
        config.replace("[[entities]]", extra + "\n[[entities]]", 1), encoding="utf-8"
    )
    code, out, _ = _run(workspace, capsys, clock, "sources")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith(("source", "feed", long_name))]
    assert len(rows) == 3
    assert (
        len(
            {
                _column_of(line, "never run" if not line.startswith("source") else "state")
                for line in rows
            }
        )
        == 1
    )
    health = [
        OutletHealth("뉴스핌", 12, 0.0, "cms:ndsoft", 1.0, 40, 0.0, "cms:ndsoft", ()),
        OutletHealth("경기일보", 3, 0.5, "jsonld", 1.0, 9, 0.1, "cms:ndsoft", ("short bodies",)),
        OutletHealth(long_name, 1234, 0.0, None, 0.0, 0, 0.0, None, ()),
    ]
    _print_outlet_health(health)
    header, _rule, *lines = capsys.readouterr().out.splitlines()[1:]
    # The article counts end in the column where the "articles" heading ends.
    ends = {
        _column_of(line, f" {h.articles} ", numeric=True) - 1
        for line, h in zip(lines, health, strict=True)
    }
    assert ends == {_column_of(header, "articles", numeric=True)}


def _column_of(line: str, cell: str, *, numeric: bool = False) -> int:
    """The display column where `cell` starts (or, for a number, ends) in `line`."""
    at = line.index(cell)
    return display_width(line[:at]) + (display_width(cell) if numeric else 0)
