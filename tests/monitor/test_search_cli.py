"""monitor search: Korean words with particles, inside compounds and short; filters, snippets,
the query syntax and its errors through the CLI, and the index after store, update, reindex."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from testkit import BASE_ARTICLE, entity_block, mini_config

import db as store
from db.search import MORPHEMES, article_terms_state
from monitor.cli import main
from monitor.search import (
    QueryError,
    analyse_query,
    highlight_snippet,
    parse_query,
    search_coverage,
    search_terms_for,
)
from nlp.kiwi import Kiwi

CONFIG = mini_config(entity_block("ncc", "국립암센터"))

BASE = replace(
    BASE_ARTICLE, method="cms:ndsoft", outlet="뉴스핌", outlet_domain="newspim.com", tier="internet"
)

ARTICLES = {
    "ncc-particle": replace(
        BASE,
        url="https://www.newspim.com/1",
        title="국립암센터는 왜 고양에 남았나",
        body="국립암센터는 정밀의료 연구를 이어간다.\n\n폐암 검진 사업도 확대한다.",
        mentions=(store.MentionRecord("ncc", "title", 0, 5, "국립암센터"),),
    ),
    "valley": replace(
        BASE,
        url="https://www.newspim.com/2",
        title="바이오 기업 유치 속도",
        body="시는 일산테크노밸리에 바이오 기업을 유치한다고 밝혔다.",
        published_at="2024-10-02T10:00:00+09:00",
        published_date="2024-10-02",
        tier="local",
        tone="negative",
    ),
    "unrelated": replace(
        BASE,
        url="https://www.newspim.com/3",
        title="주말 날씨",
        body="국립암센터와 무관한 날씨 소식. 맑겠다.",
        relevant=False,
    ),
}


@pytest.fixture
def workspace(tmp_path: Path, kiwi: Kiwi) -> dict[str, int]:
    """A config and a database of three articles, stored with the terms the pipeline gives."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    ids = {}
    for key, record in ARTICLES.items():
        ids[key], _ = store.save_article(
            database, record, None, None, search_terms_for(kiwi, record)
        )
    database.conn.close()
    return ids


def _run(
    tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    code = main(["--config", str(tmp_path / "config.toml"), *argv], environ={}, kiwi=kiwi)
    out, err = capsys.readouterr()
    return code, out, err


def _ids(tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str], *argv: str) -> list[int]:
    code, out, err = _run(tmp_path, kiwi, capsys, "search", *argv, "--json")
    assert code == 0, err
    return [item["id"] for item in json.loads(out)]


def test_kiwi_terms_only_for_articles_search_is_for(kiwi: Kiwi) -> None:
    assert search_terms_for(kiwi, ARTICLES["unrelated"]) is None  # left to plain words
    terms = search_terms_for(kiwi, ARTICLES["valley"])  # relevant
    assert terms is not None and "일산테크노밸리" in terms.body and "유치" in terms.body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("국립암센터와", ["ncc-particle"]),  # the query's particle falls away (Kiwi)
        ("국립암센터", ["ncc-particle"]),
        ("테크노밸리", ["valley"]),  # inside the compound 일산테크노밸리에
        ("고양", ["ncc-particle"]),  # two syllables, with a particle attached
        ("암", ["ncc-particle"]),  # one syllable, inside 국립암센터 and 폐암
        ("유치했다", ["valley"]),  # an inflected verb finds its stem
        ("바이오 -테크노밸리", []),
        ('"정밀의료 연구"', ["ncc-particle"]),
        ('"연구 정밀의료"', []),  # a quoted phrase is the text as written
    ],
)
def test_korean_words_are_found_as_written_in_articles(
    workspace: dict[str, int],
    tmp_path: Path,
    kiwi: Kiwi,
    capsys: pytest.CaptureFixture[str],
    query: str,
    expected: list[str],
) -> None:
    assert _ids(tmp_path, kiwi, capsys, query) == [workspace[k] for k in expected]


def test_relevant_only_by_default_and_all_adds_the_rest(
    workspace: dict[str, int], tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ids(tmp_path, kiwi, capsys, "날씨") == []
    assert _ids(tmp_path, kiwi, capsys, "날씨", "--all") == [workspace["unrelated"]]
    found = _ids(tmp_path, kiwi, capsys, "국립암센터", "--all")
    assert sorted(found) == sorted([workspace["ncc-particle"], workspace["unrelated"]])
    # The title match ranks first.
    assert found[0] == workspace["ncc-particle"]


def test_filters(
    workspace: dict[str, int], tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    valley, ncc = workspace["valley"], workspace["ncc-particle"]
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--tier", "local") == [valley]
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--tier", "national") == []
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--tone", "negative") == [valley]
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--since", "2024-11-01") == []
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--until", "2024-10-31") == [valley]
    assert _ids(tmp_path, kiwi, capsys, "고양", "--entity", "ncc") == [ncc]
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--entity", "ncc") == []
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--outlet", "뉴스핌") == [valley]
    assert _ids(tmp_path, kiwi, capsys, "--entity", "ncc") == [ncc]  # filters alone
    # The labels shown in tallies work as filters too.
    assert _ids(tmp_path, kiwi, capsys, "바이오", "--tier", "지역지") == [valley]


@pytest.mark.parametrize(
    "option", [("--entity", "nosuch"), ("--topic", "nosuch"), ("--tier", "bogus")]
)
def test_unknown_filter_values_are_one_line_errors_not_empty_results(
    workspace: dict[str, int],
    tmp_path: Path,
    kiwi: Kiwi,
    capsys: pytest.CaptureFixture[str],
    option: tuple[str, str],
) -> None:
    code, out, err = _run(tmp_path, kiwi, capsys, "search", "바이오", *option)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "unknown" in err and option[1] in err


def test_json_items_carry_marked_snippets(
    workspace: dict[str, int], tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(tmp_path, kiwi, capsys, "search", "테크노밸리", "--json")
    assert code == 0
    (item,) = json.loads(out)
    assert "«테크노밸리»" in item["snippet"]
    assert {"id", "url", "title", "outlet", "tier", "published_at", "entities", "topic"} <= set(
        item
    )
    assert item["published_at"].endswith("+09:00")
    code, out, _ = _run(tmp_path, kiwi, capsys, "search", "국립암센터와")
    assert code == 0 and "«국립암센터»" in out  # not a terminal: plain markers


@pytest.mark.parametrize(
    "query", ['"국립암센터', "-", "고양 OR 파주", "NEAR(고양", "테크노*", 'a"b', '""', "-고양"]
)
def test_malformed_queries_are_one_line_exit_2(
    workspace: dict[str, int],
    tmp_path: Path,
    kiwi: Kiwi,
    capsys: pytest.CaptureFixture[str],
    query: str,
) -> None:
    code, out, err = _run(tmp_path, kiwi, capsys, "search", "--", query)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("monitor: error:")


def test_words_starting_with_a_dash_reach_the_query_without_double_dash(
    workspace: dict[str, int], tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    unrelated = [workspace["unrelated"]]
    # -word excludes, before or after the other words and among the options.
    assert _ids(tmp_path, kiwi, capsys, "-폐암", "국립암센터", "--all") == unrelated
    assert _ids(tmp_path, kiwi, capsys, "국립암센터", "--all", "-폐암") == unrelated
    assert _ids(tmp_path, kiwi, capsys, "--ent", "ncc", "-폐암", "암", "--all") == []
    # Words given apart are AND-ed like words in one quoted query.
    assert _ids(tmp_path, kiwi, capsys, "바이오", "유치") == [workspace["valley"]]
    assert _ids(tmp_path, kiwi, capsys, "바이오", "날씨", "--all") == []
    # Exclusions alone are a query error, not an unknown option.
    code, out, err = _run(tmp_path, kiwi, capsys, "search", "-고양", "-파주")
    assert (code, out) == (2, "")
    assert err.startswith("monitor: error: only exclusions") and err.count("\n") == 1
    # Real options keep their values, a negative one included; a typo stays a usage error.
    code, out, err = _run(tmp_path, kiwi, capsys, "search", "고양", "--limit", "-1")
    assert (code, out) == (1, "") and "--limit must be 0" in err
    with pytest.raises(SystemExit) as exit_info:
        _run(tmp_path, kiwi, capsys, "search", "-고양", "고양", "--jsn")
    assert exit_info.value.code == 2


def test_odd_text_is_searched_as_text(kiwi: Kiwi) -> None:
    query = analyse_query(kiwi, "title:국립암센터 (LIH-G) ^고양 +암")
    assert [p.text for p in parse_query("title:국립암센터 (LIH-G)")] == [
        "title:국립암센터",
        "(LIH-G)",
    ]
    assert len(query.terms) == 4
    with pytest.raises(QueryError):
        parse_query('"열린 따옴표')


def test_highlight_snippet_marks_every_occurrence_in_the_window() -> None:
    text = "앞 " * 80 + "국립암센터와 고양시가 국립암센터 협약" + " 뒤" * 80
    snippet = highlight_snippet(text, ["국립암센터", "고양"])
    assert snippet.count("«국립암센터»") == 2 and "«고양»" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")


def test_reindex_gives_plain_articles_kiwi_morphemes(
    tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    for record in ARTICLES.values():
        store.save_article(database, record, None, None)  # plain words only
    assert article_terms_state(database)["morphemes"] == 0
    # Plain words already find particles (prefix) and compounds (suffixes) ...
    found = search_coverage(database, lambda: kiwi, "국립암센터", store.SearchFilters(), 10)
    assert len(found) == 1
    code, _, err = _run(tmp_path, kiwi, capsys, "search", "--reindex")
    assert code == 0 and "3 articles" in err
    assert article_terms_state(database)["morphemes"] == 3
    # ... and once analysed, the query's inflection falls away too.
    assert _ids(tmp_path, kiwi, capsys, "유치했다") == [2]
    code, _, err = _run(tmp_path, kiwi, capsys, "search", "--reindex")
    assert code == 0 and "0 articles" in err
    database.conn.close()


def test_updated_article_is_found_by_its_new_text(
    workspace: dict[str, int], tmp_path: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    database = store.open_database(tmp_path / "monitor.db")
    record = replace(ARTICLES["valley"], body="시는 킨텍스에서 바이오 박람회를 연다.")
    store.save_article(database, record, None, None, search_terms_for(kiwi, record))
    row = database.execute(
        "SELECT analysed FROM search_terms WHERE rowid = ?", [workspace["valley"]]
    ).fetchone()
    assert row[0] == MORPHEMES
    database.conn.close()
    assert _ids(tmp_path, kiwi, capsys, "테크노밸리") == []
    assert _ids(tmp_path, kiwi, capsys, "박람회") == [workspace["valley"]]
