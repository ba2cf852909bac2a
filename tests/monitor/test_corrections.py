"""The team's corrections (label, story merge/split), ingest and reprocess over the demo site:
corrections win, survive `reprocess`, and every tally equals a recount from scratch."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils
from support import CollectedDemo, DemoCopy, collect_demo, copy_demo
from testkit import stored_tally

import db as store
from nlp.kiwi import Kiwi

PAGES = Path(__file__).parents[1] / "data" / "pages"
PERIOD = ("2024-11-01", "2024-11-30")


@pytest.fixture(scope="module")
def collected(kiwi: Kiwi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectedDemo]:
    """The demo site collected once; each test works on its own copy of the database."""
    with collect_demo(kiwi, tmp_path_factory.mktemp("collected")) as demo:
        yield demo


class Workspace(DemoCopy):
    def id_of(self, title_part: str) -> int:
        row = self.db.execute(
            "SELECT id FROM articles WHERE instr(title, ?) > 0 ORDER BY id", [title_part]
        ).fetchone()
        assert row is not None, title_part
        return int(row[0])


@pytest.fixture
def workspace(
    collected: CollectedDemo, kiwi: Kiwi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Workspace]:
    """A copy of the collected demo database with a config pointing at it."""
    config_path = copy_demo(collected, tmp_path)
    database = store.open_database(tmp_path / "demo.db")
    yield Workspace(config_path, database, kiwi, capsys)
    database.conn.close()


def _tally(database: sqlite_utils.Database, by: str) -> dict[str, tuple[int, int, int]]:
    return stored_tally(database, by, *PERIOD)


def _ids_by_url(database: sqlite_utils.Database) -> dict[str, int]:
    return {r[0]: r[1] for r in database.execute("SELECT url, id FROM articles")}


# --- label ------------------------------------------------------------------------------------


def test_tally_equals_recount_after_run(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    assert _tally(workspace.db, "entity")["total"][0] > 0
    assert_recount(workspace.db, *PERIOD)


def test_label_relevant_brings_a_near_miss_into_the_counts(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    near_miss = workspace.db.execute(
        "SELECT a.id FROM articles a JOIN mentions m ON m.article_id = a.id "
        "WHERE m.entity = 'ncc' AND a.relevant = 0 AND a.role = 'coverage' ORDER BY a.id"
    ).fetchone()[0]
    before = _tally(workspace.db, "entity")["ncc"][0]

    result = workspace.json("label", str(near_miss), "--relevant", "--topic", "event")
    assert result["relevant"] is True and result["topic"] == "event"
    assert result["labels"]["relevant"] is True
    assert _tally(workspace.db, "entity")["ncc"][0] == before + 1
    assert_recount(workspace.db, *PERIOD)

    shown = workspace.json("show", str(near_miss))
    assert shown["labels"]["topic"] == "event" and shown["relevant"] is True

    result = workspace.json("label", str(near_miss), "--clear")
    assert result["labels"] == {} and result["relevant"] is False
    assert _tally(workspace.db, "entity")["ncc"][0] == before
    assert_recount(workspace.db, *PERIOD)


def test_label_irrelevant_and_tone_win_over_the_classifier(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    article = workspace.id_of("정밀의료")
    workspace.json("label", str(article), "--tone", "negative", "--note", "기사 내 오류 지적")
    assert store.get_article(workspace.db, article)["tone"] == "negative"
    negative = _tally(workspace.db, "tone").get("negative", (0, 0, 0))
    assert negative[0] >= 1
    assert_recount(workspace.db, *PERIOD)

    workspace.json("label", str(article), "--irrelevant")
    row = store.get_article(workspace.db, article)
    assert row["relevant"] is False and row["tone"] == "negative"  # earlier fields kept
    assert row["labels"]["note"] == "기사 내 오류 지적"
    assert_recount(workspace.db, *PERIOD)


def test_label_rejects_unknown_topic_id_and_empty_label(workspace: Workspace) -> None:
    article = workspace.id_of("정밀의료")
    code, out, err = workspace.run("label", str(article), "--topic", "sports")
    assert code == 1 and out == "" and "unknown topic 'sports'" in err
    code, _, err = workspace.run("label", "999999", "--relevant")
    assert code == 1 and "no article with id 999999" in err
    code, _, err = workspace.run("label", str(article))
    assert code == 1 and "say what to label" in err
    assert workspace.db.execute("SELECT COUNT(*) FROM labels").fetchone()[0] == 0


# --- story merge / split ----------------------------------------------------------------------


def test_story_merge_and_split_change_the_counts_and_match_a_recount(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    release_copy = workspace.id_of("정밀의료")  # one of the three copies of the release
    other = workspace.id_of("첫 삽")  # a different event (the groundbreaking)
    story = store.effective_story(workspace.db, release_copy)
    copies = store.story_members(workspace.db, story)
    assert len(copies) >= 3
    stories_before = _tally(workspace.db, "entity")["total"][2]

    merged = workspace.json("story", "merge", str(release_copy), str(other))
    assert set(merged["articles"]) >= {*copies, other}
    assert _tally(workspace.db, "entity")["total"][2] == stories_before - 1
    assert_recount(workspace.db, *PERIOD)
    shown = workspace.json("show", str(other))
    assert {c["id"] for c in shown["copies"]} >= set(copies)

    split = workspace.json("story", "split", str(other))
    assert split["articles"] == [other]
    assert set(split["rest"]["articles"]) == set(copies)
    assert _tally(workspace.db, "entity")["total"][2] == stories_before
    assert_recount(workspace.db, *PERIOD)


def test_splitting_the_first_copy_keeps_the_rest_together(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    head = store.effective_story(workspace.db, workspace.id_of("정밀의료"))
    members = store.story_members(workspace.db, head)
    result = workspace.json("story", "split", str(head))
    assert result["story_id"] == head and result["articles"] == [head]
    rest = result["rest"]
    assert rest["story_id"] == min(m for m in members if m != head)
    assert set(rest["articles"]) == set(members) - {head}
    assert_recount(workspace.db, *PERIOD)


def test_story_merge_needs_two_ids(workspace: Workspace) -> None:
    article = workspace.id_of("정밀의료")
    code, _, err = workspace.run("story", "merge", str(article), str(article))
    assert code == 1 and "two or more different ids" in err
    code, _, err = workspace.run("story", "split", "424242")
    assert code == 1 and "no article with id 424242" in err


# --- reprocess --------------------------------------------------------------------------------


def test_reprocess_keeps_ids_labels_and_story_corrections(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    ids = _ids_by_url(workspace.db)
    near_miss = workspace.db.execute(
        "SELECT id FROM articles WHERE relevant = 0 AND role = 'coverage' ORDER BY id"
    ).fetchone()[0]
    workspace.json("label", str(near_miss), "--relevant", "--tone", "negative")
    release_copy = workspace.id_of("정밀의료")
    other = workspace.id_of("첫 삽")
    merged = workspace.json("story", "merge", str(release_copy), str(other))
    counts_before = {by: _tally(workspace.db, by) for by in store.TALLY_DIMENSIONS}

    report = workspace.json("reprocess")
    pages = workspace.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    assert report["pages"] == pages and report["errors"] == []
    assert report["new_articles"] == 0 and report["updated"] == len(ids)
    assert _ids_by_url(workspace.db) == ids
    row = store.get_article(workspace.db, near_miss)
    assert row["relevant"] is True and row["tone"] == "negative"
    assert store.story_members(workspace.db, merged["story_id"]) == merged["articles"]
    assert {by: _tally(workspace.db, by) for by in store.TALLY_DIMENSIONS} == counts_before
    assert_recount(workspace.db, *PERIOD)
    run = workspace.db.execute(
        "SELECT kind, status FROM runs WHERE id = ?", [report["run_id"]]
    ).fetchone()
    assert tuple(run) == ("reprocess", "ok")


def test_reprocess_applies_a_changed_entity_list(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    assert "kintex" in _tally(workspace.db, "entity")
    text = workspace.config_path.read_text(encoding="utf-8")
    start = text.index('id = "kintex"')
    block_start = text.rindex("[[entities]]", 0, start)
    block_end = text.find("[[", start)
    workspace.config_path.write_text(text[:block_start] + text[block_end:], encoding="utf-8")

    report = workspace.json("reprocess", "--since", "2024-11-01")
    assert report["updated"] > 0
    assert "kintex" not in _tally(workspace.db, "entity")
    assert (
        workspace.db.execute("SELECT COUNT(*) FROM mentions WHERE entity = 'kintex'").fetchone()[0]
        == 0
    )
    assert_recount(workspace.db, *PERIOD)


def test_reprocess_since_limits_the_pages(workspace: Workspace) -> None:
    late = workspace.db.execute(
        "SELECT COUNT(*) FROM articles WHERE published_date >= '2024-11-28'"
    ).fetchone()[0]
    report = workspace.json("reprocess", "--since", "2024-11-28")
    assert 0 < report["pages"] < workspace.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    assert report["updated"] == late


# --- ingest -----------------------------------------------------------------------------------


def test_ingest_a_saved_file_then_again_keeps_its_id(
    workspace: Workspace, tmp_path: Path, assert_recount: Callable[..., None]
) -> None:
    page = tmp_path / "clipping.html"
    shutil.copy(PAGES / "ndsoft.html", page)
    first = workspace.json("ingest", str(page))
    assert len(first) == 1 and first[0]["outcome"] == "new"
    article = store.get_article(workspace.db, first[0]["id"])
    assert article["title"] and article["body"]
    assert article["fetch"]["source"] == "ingest"

    again = workspace.json("ingest", str(page))
    assert again[0]["outcome"] == "updated" and again[0]["id"] == first[0]["id"]
    assert_recount(workspace.db, *PERIOD)


def test_ingest_reports_each_failure_and_goes_on(workspace: Workspace, tmp_path: Path) -> None:
    page = tmp_path / "clipping.html"
    shutil.copy(PAGES / "ndsoft.html", page)
    section = tmp_path / "section.html"
    shutil.copy(PAGES / "section.html", section)
    code, out, err = workspace.run(
        "ingest", str(tmp_path / "missing.html"), str(section), str(tmp_path), str(page), "--json"
    )
    assert code == 1
    outcomes = [o["outcome"] for o in json.loads(out)]
    assert outcomes == ["failed", "failed", "failed", "new"]
    assert "missing.html: read: no such file" in err
    assert "section.html: extract:" in err
    assert f"{tmp_path}: read: is a directory" in err
    run = workspace.db.execute(
        "SELECT kind, status, errors FROM runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert tuple(run) == ("ingest", "partial", 3)


def test_a_saved_page_without_its_own_url_needs_one(workspace: Workspace, tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    shutil.copy(PAGES / "generic.html", page)  # names no canonical or og:url address
    articles = workspace.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    code, _, err = workspace.run("ingest", str(page))
    assert code == 1 and "give it with --url URL" in err
    assert workspace.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == articles

    result = workspace.json(
        "ingest", str(page), "--url", "https://news.example.kr/a/1?utm_source=x"
    )
    assert result[0]["outcome"] == "new" and result[0]["url"] == "https://news.example.kr/a/1"
    code, _, err = workspace.run("ingest", str(page), str(page), "--url", "https://x.kr/1")
    assert code == 1 and "exactly one FILE" in err


def test_a_saved_copy_of_a_stored_article_updates_it(workspace: Workspace, tmp_path: Path) -> None:
    import re

    rows = workspace.db.execute(
        "SELECT id, page_id FROM articles WHERE role = 'coverage' AND page_id IS NOT NULL "
        "AND published_date IS NOT NULL ORDER BY id"
    ).fetchall()
    assert rows
    for n, (article_id, page_id) in enumerate(rows):
        # Saved from a browser in the page's own encoding (one demo outlet serves EUC-KR),
        # without the page's own address in it.
        raw = store.page_body(workspace.db, page_id)
        raw = re.sub(rb"<link[^>]+canonical[^>]*>|<meta[^>]+og:url[^>]*>", b"", raw)
        saved = tmp_path / f"saved-{n}.html"
        saved.write_bytes(raw)
        result = workspace.json("ingest", str(saved))
        assert (result[0]["outcome"], result[0]["id"]) == ("updated", article_id), result


def test_ingest_a_url_already_stored_updates_it(workspace: Workspace) -> None:
    url, article_id = workspace.db.execute(
        "SELECT url, id FROM articles WHERE role = 'coverage' ORDER BY id"
    ).fetchone()
    result = workspace.json("ingest", url)
    assert result[0]["outcome"] == "updated" and result[0]["id"] == article_id


# --- manual and imported items through reprocess ------------------------------------------------


def test_manual_and_imported_items_survive_reprocess(
    workspace: Workspace, tmp_path: Path, assert_recount: Callable[..., None]
) -> None:
    workspace.json(
        "add",
        "--date",
        "2024-11-27",
        "--outlet",
        "고양신문",
        "--title",
        "일산테크노밸리 바이오 기업 유치 본격화",
        "--medium",
        "print",
        "--note",
        "3면",
    )
    sheet = tmp_path / "clippings.csv"
    sheet.write_text(
        "날짜,매체,제목,구분\n2024.11.28,KBS,국립암센터와 고양시 정밀의료 협력 확대,방송\n",
        encoding="cp949",
    )
    code, _, err = workspace.run("import", str(sheet))
    assert code == 0, err
    manual = workspace.db.execute(
        "SELECT id, url, medium FROM articles WHERE url LIKE 'manual:%' ORDER BY id"
    ).fetchall()
    assert [m[2] for m in manual] == ["print", "broadcast"]
    assert _tally(workspace.db, "tier")["total"][0] >= 2
    assert_recount(workspace.db, *PERIOD)
    before = {by: _tally(workspace.db, by) for by in store.TALLY_DIMENSIONS}

    workspace.json("reprocess")
    after = workspace.db.execute(
        "SELECT id, url, medium FROM articles WHERE url LIKE 'manual:%' ORDER BY id"
    ).fetchall()
    assert after == manual
    assert store.get_article(workspace.db, manual[0][0])["note"] == "3면"
    assert store.get_article(workspace.db, manual[1][0])["relevant"] is True
    assert {by: _tally(workspace.db, by) for by in store.TALLY_DIMENSIONS} == before
    assert_recount(workspace.db, *PERIOD)


def test_one_outlets_copies_in_a_story_count_under_one_topic(
    workspace: Workspace, assert_recount: Callable[..., None]
) -> None:
    common = ["--date", "2024-11-27", "--outlet", "KBS", "--title", "고양시, 국립암센터와 간담회"]
    workspace.json("add", *common, "--medium", "broadcast", "--topic", "meeting")
    workspace.json("add", *common, "--medium", "print", "--topic", "event")
    stories = workspace.db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT effective_story) FROM effective_articles "
        "WHERE outlet = 'KBS' OR outlet_domain = 'KBS'"
    ).fetchone()
    assert tuple(stories) == (2, 1)
    rows = _tally(workspace.db, "topic")
    total = rows.pop("total")
    assert sum(r[0] for r in rows.values()) == total[0]  # topics partition the articles
    assert_recount(workspace.db, *PERIOD)


# --- train -------------------------------------------------------------------------------------


def test_train_learns_from_team_labels_and_reprocess_judges_with_the_model(
    workspace: Workspace, assert_recount: Callable[[sqlite_utils.Database, str, str], None]
) -> None:
    labelled = workspace.id_of("국립암센터")
    assert workspace.run("label", str(labelled), "--irrelevant", "--tone", "negative")[0] == 0
    trained = workspace.json("train")
    assert trained["version"] == 1 and trained["examples"]["team"] == 1
    assert set(trained["scores"]) == {"relevance", "topic", "tone"}
    for scores in trained["scores"].values():
        assert 0.0 <= scores["f1"] <= 1.0 and scores["folds"] >= 2
    assert Path(trained["path"]).name == "classifiers-v1.json"
    assert workspace.json("train")["version"] == 2  # versions are kept side by side
    code, out, _err = workspace.run("train", "--if-missing")
    assert code == 0 and "classifiers-v2.json" in out
    models = Path(trained["path"]).parent
    assert not (models / "classifiers-v3.json").exists()
    # A model of an older feature set (an upgrade) is replaced by --if-missing, once.
    v2 = models / "classifiers-v2.json"
    stored = json.loads(v2.read_text(encoding="utf-8"))
    v2.write_text(json.dumps(stored | {"features_version": 1}), encoding="utf-8")
    code, _out, err = workspace.run("train", "--if-missing")
    assert code == 0 and "is out of date: it was trained on features v1" in err
    assert workspace.json("train", "--if-missing")["trained"] is False
    assert (models / "classifiers-v3.json").exists()

    workspace.json("reprocess")
    reasons = [
        row[0]
        for row in workspace.db.execute(
            "SELECT relevance_reason FROM articles a WHERE EXISTS "
            "(SELECT 1 FROM mentions m WHERE m.article_id = a.id)"
        )
    ]
    # The model judges what names only related bodies; a core entity is relevant by rule.
    assert any(r.startswith("model relevance v3") for r in reasons)
    assert all(r.startswith(("model relevance v3", "core entity")) for r in reasons)
    shown = workspace.json("show", str(labelled))
    assert shown["labels"]["relevant"] is False  # the team's label still wins
    assert_recount(workspace.db, *PERIOD)

    (models / "classifiers-v4.json").write_text("{", encoding="utf-8")
    code, _out, err = workspace.run("reprocess")
    assert code == 0 and "warning" in err and "the rules judge" in err
    # --if-missing replaces the damaged newest file, saying so once (it does not judge with it).
    code, _out, err = workspace.run("train", "--if-missing")
    assert code == 0 and "classifiers-v4.json" in err and "training a new version" in err
    assert "the rules judge" not in err and (models / "classifiers-v5.json").exists()


def test_reprocess_reports_an_article_whose_entities_changed(workspace: Workspace) -> None:
    article_id = workspace.db.execute(
        "SELECT article_id FROM mentions m JOIN articles a ON a.id = m.article_id "
        "WHERE a.page_id IS NOT NULL ORDER BY article_id"
    ).fetchone()[0]
    # As if the article had been tagged by an older configuration that knew fewer names.
    workspace.db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
    workspace.db.conn.commit()
    report = workspace.json("reprocess")
    assert report["changed"].get("entities") == 1
    assert report["articles_changed"] >= 1
    assert workspace.db.execute(
        "SELECT COUNT(*) FROM mentions WHERE article_id = ?", [article_id]
    ).fetchone()[0]
