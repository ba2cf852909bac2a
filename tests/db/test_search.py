"""The search indexes of schema 5: kept by triggers and the store path, queried safely."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import sqlite_utils
from testkit import BASE_ARTICLE

import db as store
from db._schema import MIGRATIONS
from db.search import (
    MORPHEMES,
    PLAIN_WORDS,
    ArticleTerms,
    SearchTerm,
    article_terms_state,
    fts_terms_query,
    fts_text_query,
    index_words,
    search_index,
)

BASE = replace(
    BASE_ARTICLE,
    url="https://www.newspim.com/news/1",
    title="고양시, 국립암센터와 정밀의료 협약",
    body="고양시가 국립암센터와 협약을 맺었다.\n\n일산테크노밸리에 연구 거점을 둔다.",
    method="cms:ndsoft",
    published_at="2024-11-27T08:10:00+09:00",
    outlet="뉴스핌",
    tier="internet",
)


def _found(database: sqlite_utils.Database, *terms: SearchTerm, **filters: object) -> list[int]:
    hits = search_index(database, terms, store.SearchFilters(**filters), 0)  # type: ignore[arg-type]
    return [h.item["id"] for h in hits]


def _term(text: str, *words: str, exclude: bool = False) -> SearchTerm:
    return SearchTerm(text, words, exclude)


def test_index_words_follow_each_hangul_word_with_its_suffixes() -> None:
    assert index_words(["일산테크노밸리", "LIH-G"]).split() == [
        "일산테크노밸리",
        "산테크노밸리",
        "테크노밸리",
        "크노밸리",
        "노밸리",
        "밸리",
        "리",
        "lih",
        "g",
    ]


def test_plain_words_find_particles_compounds_and_short_terms(
    memory_db: sqlite_utils.Database,
) -> None:
    article_id, _ = store.save_article(memory_db, BASE, None, None)
    assert article_terms_state(memory_db)["plain"] == 1
    for text in ("국립암센터", "테크노밸리", "고양", "암", "협약", "밸리에"):
        assert _found(memory_db, _term(text)) == [article_id], text
    assert _found(memory_db, _term("서울")) == []


def test_morphemes_replace_plain_words_and_rank_title_matches_first(
    memory_db: sqlite_utils.Database,
) -> None:
    in_body, _ = store.save_article(
        memory_db,
        replace(BASE, url="https://a/1", title="오늘의 소식", body="국립암센터가 문을 열었다."),
        None,
        None,
        ArticleTerms(("오늘", "소식"), ("국립암센터", "문", "열")),
    )
    in_title, _ = store.save_article(
        memory_db,
        replace(BASE, url="https://a/2", title="국립암센터 새 소식", body="문을 열었다."),
        None,
        None,
        ArticleTerms(("국립암센터", "새", "소식"), ("문", "열")),
    )
    assert article_terms_state(memory_db)["morphemes"] == 2
    assert _found(memory_db, _term("국립암센터", "국립암센터")) == [in_title, in_body]
    # The stem of 열었다 is indexed; the inflected form is not a word of the index.
    assert _found(memory_db, _term("열린", "열")) == [in_title, in_body]


def test_an_update_reindexes_and_forgets_the_old_text(memory_db: sqlite_utils.Database) -> None:
    article_id, _ = store.save_article(
        memory_db, BASE, None, None, ArticleTerms(("국립암센터",), ("국립암센터", "협약"))
    )
    changed = replace(BASE, title="킨텍스 박람회 개막", body="킨텍스에서 박람회가 열렸다.")
    assert store.save_article(memory_db, changed, None, None) == (article_id, False)
    assert _found(memory_db, _term("국립암센터")) == []
    assert _found(memory_db, _term("국립암센터", "국립암센터")) == []
    assert _found(memory_db, _term("박람회")) == [article_id]
    row = memory_db.execute(
        "SELECT analysed FROM search_terms WHERE rowid = ?", [article_id]
    ).fetchone()
    assert row[0] == PLAIN_WORDS
    # A store of unchanged text keeps the morphemes it has.
    store.save_article(memory_db, changed, None, None, ArticleTerms(("킨텍스",), ("박람회",)))
    store.save_article(memory_db, changed, None, None)
    row = memory_db.execute(
        "SELECT analysed FROM search_terms WHERE rowid = ?", [article_id]
    ).fetchone()
    assert row[0] == MORPHEMES


def test_a_deleted_article_leaves_both_indexes(memory_db: sqlite_utils.Database) -> None:
    article_id, _ = store.save_article(memory_db, BASE, None, None)
    with memory_db.conn:
        memory_db.execute("DELETE FROM articles WHERE id = ?", [article_id])
    assert memory_db.execute("SELECT COUNT(*) FROM search_terms").fetchone()[0] == 0
    assert (
        memory_db.execute(
            "SELECT COUNT(*) FROM search_text WHERE search_text MATCH '\"국립암센터\"'"
        ).fetchone()[0]
        == 0
    )


def test_filters_and_relevance(memory_db: sqlite_utils.Database) -> None:
    relevant, _ = store.save_article(
        memory_db,
        replace(BASE, mentions=(store.MentionRecord("ncc", "title", 5, 10, "국립암센터"),)),
        None,
        None,
    )
    other, _ = store.save_article(
        memory_db,
        replace(
            BASE,
            url="https://b/2",
            relevant=False,
            published_date="2024-10-02",
            tier="local",
            tone="negative",
        ),
        None,
        None,
    )
    term = _term("국립암센터")
    assert _found(memory_db, term) == [relevant]
    assert sorted(_found(memory_db, term, include_irrelevant=True)) == [relevant, other]
    assert _found(memory_db, term, include_irrelevant=True, entity="ncc") == [relevant]
    assert _found(memory_db, term, include_irrelevant=True, tier="local") == [other]
    assert _found(memory_db, term, include_irrelevant=True, tone="negative") == [other]
    assert _found(memory_db, term, include_irrelevant=True, until="2024-10-31") == [other]
    assert _found(memory_db, term, include_irrelevant=True, since="2024-11-01") == [relevant]
    assert _found(memory_db, term, include_irrelevant=True, outlet="다른매체") == []
    store.set_label(memory_db, other, "2024-11-28T09:00:00+09:00", relevant=True)
    assert sorted(_found(memory_db, term)) == [relevant, other]


def test_exclusions_and_user_text_is_never_query_syntax(memory_db: sqlite_utils.Database) -> None:
    article_id, _ = store.save_article(memory_db, BASE, None, None)
    assert _found(memory_db, _term("협약"), _term("킨텍스", exclude=True)) == [article_id]
    assert _found(memory_db, _term("협약"), _term("고양", exclude=True)) == []
    for hostile in ('"', 'a" OR "b', "NEAR(", "*", "^", "title:x", "AND", "-"):
        terms = (_term(hostile, hostile),)
        _found(memory_db, *terms)  # no sqlite error whatever the text
        expression = fts_terms_query(terms)
        assert expression is None or expression.count('"') % 2 == 0
    assert fts_text_query((_term("고양"),)) is None  # too short for trigrams


def test_this_sqlite_trigram_index_finds_nothing_below_three_characters(
    memory_db: sqlite_utils.Database,
) -> None:
    """Measured, not assumed: the reason short terms use the suffix words instead."""
    store.save_article(memory_db, BASE, None, None)
    like = "SELECT COUNT(*) FROM search_text WHERE body LIKE ?"
    assert memory_db.execute(like, ["%테크노밸리%"]).fetchone()[0] == 1
    assert memory_db.execute(like, ["%고양%"]).fetchone()[0] == 0
    assert memory_db.execute(like, ["%암%"]).fetchone()[0] == 0
    match = "SELECT COUNT(*) FROM search_text WHERE search_text MATCH ?"
    assert memory_db.execute(match, ['"고양"']).fetchone()[0] == 0
    assert memory_db.execute(match, ['"고양시"']).fetchone()[0] == 1


def test_migration_indexes_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:4], start=1):
        conn.executescript(script + f";PRAGMA user_version = {number};")
    conn.execute(
        "INSERT INTO articles (url, title, body, collected_at, processed_at, relevant) "
        "VALUES ('https://x/1', '국립암센터와 협약', '일산테크노밸리에 입주', 't', 't', 1)"
    )
    conn.commit()
    conn.close()
    database = store.open_database(path)
    assert article_terms_state(database) == {"articles": 1, "morphemes": 0, "plain": 1}
    assert _found(database, _term("국립암센터")) == [1]
    assert _found(database, _term("테크노밸리")) == [1]


@pytest.mark.parametrize("limit", [1, 2])
def test_limit_caps_results(memory_db: sqlite_utils.Database, limit: int) -> None:
    for n in range(3):
        store.save_article(memory_db, replace(BASE, url=f"https://c/{n}"), None, None)
    hits = search_index(memory_db, (_term("협약"),), store.SearchFilters(), limit)
    assert len(hits) == limit


def test_schema_6_upgrades_a_schema_5_database_in_place(tmp_path: Path) -> None:
    """The ranked index is rebuilt with its prefix indexes and keeps every article's words
    (morphemes included); the triggers still keep it."""
    path = tmp_path / "five.db"
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:5], start=1):
        conn.executescript(script + f";PRAGMA user_version = {number};")
    conn.execute(
        "INSERT INTO articles (url, title, body, collected_at, processed_at, relevant) "
        "VALUES ('https://x/1', '국립암센터와 협약', '일산테크노밸리에 입주', 't', 't', 1)"
    )
    conn.execute(
        "UPDATE search_terms SET title = ?, body = ?, analysed = ? WHERE rowid = 1",
        [index_words(["국립암센터", "협약"]), index_words(["일산테크노밸리", "입주"]), MORPHEMES],
    )
    conn.commit()
    conn.close()
    database = store.open_database(path)
    assert article_terms_state(database) == {"articles": 1, "morphemes": 1, "plain": 0}
    config = database.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'search_terms'"
    ).fetchone()[0]
    assert "prefix='1 2 3 4'" in config
    for text in ("국립암센터", "센터", "테크노", "테크노밸리", "노밸"):
        assert _found(database, _term(text)) == [1], text
    store.save_article(database, replace(BASE, url="https://x/2"), None, None)
    assert sorted(_found(database, _term("국립암센터"))) == [1, 2]


def test_common_terms_rank_title_matches_first_then_newest(
    memory_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import db.search as search_module

    # Every article holds 협약: with a probe of 2, the term counts as common.
    monkeypatch.setattr(search_module, "COMMON_PROBE", 2)
    old_title, _ = store.save_article(memory_db, replace(BASE, url="https://d/1"), None, None)
    in_body = [
        store.save_article(
            memory_db, replace(BASE, url=f"https://d/{n}", title="오늘의 소식"), None, None
        )[0]
        for n in range(2, 5)
    ]
    assert _found(memory_db, _term("협약")) == [old_title, *reversed(in_body)]


def test_schema_8_keeps_each_days_id_bounds(tmp_path: Path) -> None:
    """Filled from the stored articles on upgrade, widened by every insert and date change;
    never narrowed, so the bounds always hold every id of the day."""
    path = tmp_path / "seven.db"
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:7], start=1):
        conn.executescript(script + f";PRAGMA user_version = {number};")
    for n, day in ((1, "2024-11-27"), (2, "2024-11-28"), (3, "2024-11-27"), (4, None)):
        conn.execute(
            "INSERT INTO articles (id, url, title, published_date, collected_at, processed_at) "
            "VALUES (?, ?, '국립암센터와 협약', ?, 't', 't')",
            [n, f"https://x/{n}", day],
        )
    conn.commit()
    conn.close()
    database = store.open_database(path)
    days = "SELECT day, low, high FROM article_days ORDER BY day"
    assert database.execute(days).fetchall() == [("2024-11-27", 1, 3), ("2024-11-28", 2, 2)]
    store.save_article(database, replace(BASE, url="https://x/5"), None, None)
    with database.conn:
        database.execute("UPDATE articles SET published_date = '2024-11-28' WHERE id = 1")
        database.execute("DELETE FROM articles WHERE id = 2")
    assert database.execute(days).fetchall() == [("2024-11-27", 1, 5), ("2024-11-28", 1, 2)]
