"""Search of past coverage over the two FTS5 indexes of schema 5.

`search_terms` (unicode61, ranked by bm25 with the title weighted) holds each article's words:
Kiwi morphemes once the pipeline has analysed it, plain words until then. Every Hangul word is
followed by its proper suffixes, and query words are prefix queries, so a word is found with a
particle attached (국립암센터 -> 국립암센터와) and inside a compound (테크노밸리 ->
일산테크노밸리에, 암 -> 폐암), also for one- and two-syllable terms.

`search_text` (trigram, over the stored text itself) finds any substring of three or more
characters, across spaces and punctuation. This SQLite's trigram index finds nothing for
shorter strings (neither MATCH nor LIKE: measured in tests/db/test_search.py), which is why
short terms go through the suffixes instead.

Matching is ranked among the newest CANDIDATES matches that pass the filters: enough for every
selective query to be ranked in full, and a bound on the work for a term in most articles. The
candidates are found first without a score (the index walk stops at CANDIDATES), then scored by
bm25 over the query's uncommon terms only. A term in more than COMMON_SHARE of the newest
articles is matched but not weighted: bm25's weight for it is small (none at all above one
article in two) while computing that weight walks every article holding it. A query made of
common terms alone is ordered title matches first, then newest first.

Shortcuts with the same results (tests/db/test_search_plans.py holds them to the plain plan): a
date range narrows every walk to the ids published in it (`article_days`); a query of common
terms walks its candidates a part at a time and stops once `limit` of them match in the title;
a query whose terms are all weighted and none excluded finds and scores its candidates in one
walk.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db._errors import translate_sqlite
from db.queries import _ITEM_COLUMNS, SearchFilters, _rows, _with_entities

__all__ = [
    "CANDIDATES",
    "COMMON_SHARE",
    "TITLE_WEIGHT",
    "ArticleTerms",
    "SearchHit",
    "SearchTerm",
    "article_terms_state",
    "fts_term_expressions",
    "fts_terms_query",
    "fts_text_query",
    "index_words",
    "plain_words",
    "search_index",
    "unanalysed_articles",
    "write_article_terms",
    "write_plain_terms",
]

# How many of the newest matching articles are ranked; a term in more articles than this is
# ranked among its newest matches (a recency bound that keeps a common term fast).
CANDIDATES = 1000
# bm25 weight of the title against the body.
TITLE_WEIGHT = 4.0
# A query of common terms first walks this many candidates per result (title matches rank
# first: when enough of the newest candidates match in the title, older ones cannot place).
FIRST_CHUNK = 5
# A term held by more than this share of the newest articles is common: matched, not weighted.
COMMON_SHARE = 0.1
# How many of a term's newest matches measure its share (a walk of at most this many rows).
COMMON_PROBE = 200
# The trigram tokenizer indexes nothing shorter than this.
TRIGRAM_MIN_CHARS = 3

_WORD = re.compile(r"\w+")
# A prefix query of one word of five or more characters: longer than the longest prefix index.
_LONG_PREFIX = re.compile(r'("[^"]{5,}")\*')
_HANGUL_WORD = re.compile(r"[가-힣]+")

# search_terms.analysed: how the row's words were made.
PLAIN_SQL, PLAIN_WORDS, MORPHEMES = 0, 1, 2


@dataclass(frozen=True)
class ArticleTerms:
    """An article's words for the ranked index: Kiwi morphemes of its title and of its text."""

    title: tuple[str, ...]
    body: tuple[str, ...]


@dataclass(frozen=True)
class SearchTerm:
    """One term of a query: the user's text (for substrings and highlighting) and the words it
    analyses to (Kiwi morphemes of the query, so particles and endings fall away)."""

    text: str
    words: tuple[str, ...]
    exclude: bool = False
    exact: bool = False  # a quoted phrase: the text itself must be there (3+ characters)


@dataclass(frozen=True)
class SearchHit:
    """One ranked result: the search item fields plus which index found it."""

    item: dict[str, Any]
    score: float
    matched_by: str  # "terms" (morphemes and suffixes) or "text" (trigram substring)


def plain_words(text: str) -> list[str]:
    """Words of a text as the unicode61 tokenizer sees them (for rows without morphemes)."""
    return _WORD.findall(text.lower())


def index_words(words: Iterable[str]) -> str:
    """The indexed text of a word sequence: each word, then each proper suffix of a Hangul word,
    so that a prefix query reaches any part of a compound or a word with its particle."""
    out: list[str] = []
    for word in words:
        for token in plain_words(word):
            out.append(token)
            if len(token) > 1 and _HANGUL_WORD.fullmatch(token):
                out.extend(token[i:] for i in range(1, len(token)))
    return " ".join(out)


@translate_sqlite
def write_article_terms(db: sqlite_utils.Database, article_id: int, terms: ArticleTerms) -> None:
    """Store an article's analysed words in the ranked index (inside the caller's transaction)."""
    _replace_terms(db, article_id, index_words(terms.title), index_words(terms.body), MORPHEMES)


@translate_sqlite
def write_plain_terms(db: sqlite_utils.Database, article_id: int) -> bool:
    """Index an article's plain words with their suffixes unless it already has better words;
    whether anything was written (the caller's transaction)."""
    row = db.execute(
        "SELECT a.title, a.lead, a.body, t.analysed FROM articles a "
        "LEFT JOIN search_terms t ON t.rowid = a.id WHERE a.id = ?",
        [article_id],
    ).fetchone()
    if row is None or (row[3] is not None and row[3] >= PLAIN_WORDS):
        return False
    title, lead, body, _ = row
    _replace_terms(
        db,
        article_id,
        index_words(plain_words(title)),
        index_words(plain_words(f"{lead} {body}")),
        PLAIN_WORDS,
    )
    return True


def _replace_terms(
    db: sqlite_utils.Database, article_id: int, title: str, body: str, analysed: int
) -> None:
    db.execute("DELETE FROM search_terms WHERE rowid = ?", [article_id])
    db.execute(
        "INSERT INTO search_terms (rowid, title, body, analysed) VALUES (?, ?, ?, ?)",
        [article_id, title, body, analysed],
    )


@translate_sqlite
def article_terms_state(db: sqlite_utils.Database) -> dict[str, int]:
    """How many articles are indexed with morphemes, plain words, or not at all."""
    counts = dict(
        db.execute("SELECT analysed, COUNT(*) FROM search_terms GROUP BY analysed").fetchall()
    )
    total = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    return {
        "articles": int(total),
        "morphemes": int(counts.get(MORPHEMES, 0)),
        "plain": int(counts.get(PLAIN_WORDS, 0) + counts.get(PLAIN_SQL, 0)),
    }


@translate_sqlite
def unanalysed_articles(
    db: sqlite_utils.Database, *, relevant_only: bool, everything: bool = False
) -> list[int]:
    """Ids of articles whose ranked-index words are not Kiwi morphemes (all ids: `everything`)."""
    sql = (
        "SELECT a.id FROM articles a LEFT JOIN labels l ON l.article_id = a.id "
        "LEFT JOIN search_terms t ON t.rowid = a.id WHERE 1 = 1"
    )
    if not everything:
        sql += f" AND (t.analysed IS NULL OR t.analysed < {MORPHEMES})"
    if relevant_only:
        sql += " AND COALESCE(l.relevant, a.relevant) = 1"
    return [int(r[0]) for r in db.execute(sql + " ORDER BY a.id")]


def _fts_string(text: str) -> str:
    """A string literal of the FTS5 query language: whatever the user typed, it is only text."""
    return '"' + text.replace('"', '""') + '"'


def fts_terms_query(terms: Sequence[SearchTerm]) -> str | None:
    """The MATCH expression for `search_terms`, or None when no term includes anything."""
    include = [_term_expression(t) for t in terms if not t.exclude]
    include = [e for e in include if e]
    exclude = [_term_expression(t) for t in terms if t.exclude]
    exclude = [e for e in exclude if e]
    if not include:
        return None
    expression = " AND ".join(include)
    if exclude:
        expression = f"({expression}) NOT ({' OR '.join(exclude)})"
    return expression


def fts_term_expressions(terms: Sequence[SearchTerm]) -> list[str]:
    """The MATCH expression of each included term (what bm25 weighs, one by one)."""
    found = [_term_expression(t) for t in terms if not t.exclude]
    return [e for e in found if e]


def _term_expression(term: SearchTerm) -> str:
    words = [w for word in term.words for w in plain_words(word)] or plain_words(term.text)
    if not words:
        return ""
    prefixed = [_fts_string(w) + "*" for w in words]
    if len(prefixed) == 1:
        return prefixed[0]
    # Suffix tokens sit between a compound's parts, so the parts are near, not adjacent.
    return f"NEAR({' '.join(prefixed)}, {len(words) * 8})"


def fts_text_query(terms: Sequence[SearchTerm]) -> str | None:
    """The MATCH expression for the trigram index, or None when a term is too short for it."""
    include = [t for t in terms if not t.exclude]
    if not include or any(len(t.text) < TRIGRAM_MIN_CHARS for t in terms):
        return None
    expression = " AND ".join(_fts_string(t.text) for t in include)
    exclude = [_fts_string(t.text) for t in terms if t.exclude]
    if exclude:
        expression = f"({expression}) NOT ({' OR '.join(exclude)})"
    return expression


def _filter_sql(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if not filters.include_irrelevant:
        where.append("COALESCE(l.relevant, a.relevant) = 1")
    if not filters.include_press_releases:
        where.append("a.role = 'coverage'")
    if filters.entity:
        where.append(
            "EXISTS (SELECT 1 FROM mentions m WHERE m.entity = :entity AND m.article_id = a.id)"
        )
        params["entity"] = filters.entity
    # Each remaining filter is one equality or bound on a column (labels win over verdicts).
    for name, value, clause in (
        ("topic", filters.topic, "COALESCE(l.topic, a.topic) = :topic"),
        ("tone", filters.tone, "COALESCE(l.tone, a.tone) = :tone"),
        ("tier", filters.tier, "a.tier = :tier"),
        ("outlet", filters.outlet, "(a.outlet = :outlet OR a.outlet_domain = :outlet)"),
        ("since", filters.since, "a.published_date >= :since"),
        ("until", filters.until, "a.published_date <= :until"),
    ):
        if value:
            where.append(clause)
            params[name] = value
    return where, params


def _id_bounds(db: sqlite_utils.Database, filters: SearchFilters) -> tuple[int, int] | None:
    """The id range of the articles published in the filter's date range: ids grow with
    collection, so this keeps an index walk for an old period from visiting newer matches.
    Read from `article_days` (one row a day, bounds that may be loose but always hold the
    day's ids), not from the date index."""
    if not (filters.since or filters.until):
        return None
    row = db.execute(
        "SELECT MIN(low), MAX(high) FROM article_days WHERE day BETWEEN :since AND :until",
        {"since": filters.since or "", "until": filters.until or "\uffff"},
    ).fetchone()
    return (int(row[0]), int(row[1])) if row[0] is not None else (1, 0)


def _candidates(
    db: sqlite_utils.Database,
    table: str,
    expression: str,
    filters: SearchFilters,
    bounds: tuple[int, int] | None,
    within: str | None = None,
    *,
    weights: str | None = None,
) -> dict[int, float]:
    """The newest CANDIDATES matches that pass the filters, newest first, with their bm25
    under `weights` (0.0 without)."""
    rows = _candidate_rows(db, table, expression, filters, bounds, within, weights)
    return {int(r[0]): float(r[1]) for r in rows}


def _candidate_rows(
    db: sqlite_utils.Database,
    table: str,
    expression: str,
    filters: SearchFilters,
    bounds: tuple[int, int] | None,
    within: str | None,
    weights: str | None,
) -> sqlite3.Cursor:
    """(id, score) of the newest CANDIDATES matches that pass the filters, newest first, as
    the walk reaches them (no ranking, so a reader that stops early stops the walk). The
    filters are read from the `articles_search` index, not from the table's rows with their
    bodies."""
    where, params = _filter_sql(filters)
    where.insert(0, f"{table} MATCH :match")
    params["match"] = expression
    if within is not None:
        # Quoted phrases must be there as written: the trigram index checks the text itself.
        where.append("f.rowid IN (SELECT rowid FROM search_text WHERE search_text MATCH :within)")
        params["within"] = within
    if bounds is not None:
        where.append("f.rowid BETWEEN :low AND :high")
        params["low"], params["high"] = bounds
    score = f"bm25({table}, {weights})" if weights else "0.0"
    sql = (
        f"SELECT f.rowid, {score} FROM {table} f "
        "JOIN articles a INDEXED BY articles_search ON a.id = f.rowid "
        "LEFT JOIN labels l ON l.article_id = a.id "
        f"WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT {CANDIDATES}"
    )
    cursor: sqlite3.Cursor = db.execute(sql, params)
    return cursor


def _is_common(db: sqlite_utils.Database, expression: str, newest_id: int) -> bool:
    """Whether a term is in more than COMMON_SHARE of the newest articles (its newest
    COMMON_PROBE matches span fewer than COMMON_PROBE / COMMON_SHARE ids)."""
    # A prefix query of a word longer than the prefix indexes reads every posting of every
    # word it begins before its first row (5 ms for 테크노밸리* at a million articles); the
    # word alone is read lazily, and when it alone is common, so is its prefix query.
    word = _LONG_PREFIX.fullmatch(expression)
    if word is not None and _spans_few_ids(db, word.group(1), newest_id):
        return True
    return _spans_few_ids(db, expression, newest_id)


def _spans_few_ids(db: sqlite_utils.Database, expression: str, newest_id: int) -> bool:
    row = db.execute(
        "SELECT rowid FROM search_terms WHERE search_terms MATCH ? "
        f"ORDER BY rowid DESC LIMIT 1 OFFSET {COMMON_PROBE - 1}",
        [expression],
    ).fetchone()
    return row is not None and newest_id - int(row[0]) + 1 < COMMON_PROBE / COMMON_SHARE


def _scores(
    db: sqlite_utils.Database, table: str, expression: str, weights: str, ids: Sequence[int]
) -> dict[int, float]:
    """bm25 of the given matching ids: one walk of the expression over their id range (the
    weights of its terms are computed once), scored only where the id is one of them."""
    rows = db.execute(
        f"SELECT rowid, bm25({table}, {weights}) FROM {table} WHERE {table} MATCH :match "
        "AND rowid BETWEEN :low AND :high AND +rowid IN (SELECT value FROM json_each(:ids))",
        {"match": expression, "low": min(ids), "high": max(ids), "ids": json.dumps(list(ids))},
    )
    return {int(r[0]): float(r[1]) for r in rows}


def _title_matches(
    db: sqlite_utils.Database, expressions: Sequence[str], ids: Sequence[int]
) -> set[int]:
    """Which of the given matching ids have every term in the title."""
    title = " AND ".join(f"({{title}} : {e})" for e in expressions)
    rows = db.execute(
        "SELECT rowid FROM search_terms WHERE search_terms MATCH :match "
        "AND rowid BETWEEN :low AND :high AND +rowid IN (SELECT value FROM json_each(:ids))",
        {"match": title, "low": min(ids), "high": max(ids), "ids": json.dumps(list(ids))},
    )
    return {int(r[0]) for r in rows}


def _uncommon(db: sqlite_utils.Database, expressions: Sequence[str]) -> list[str]:
    """The expressions bm25 weighs: those of terms that are not common."""
    newest = db.execute("SELECT MAX(rowid) FROM search_terms").fetchone()[0] or 0
    return [e for e in expressions if not _is_common(db, e, int(newest))]


def _ranked_terms(
    db: sqlite_utils.Database,
    expressions: Sequence[str],
    uncommon: Sequence[str],
    ids: Sequence[int],
) -> dict[int, float]:
    """Scores of the morpheme candidates (lower is better): bm25 over the uncommon terms, or
    -1 for a title match and 0 otherwise when every term is common."""
    if not ids:
        return {}
    if uncommon:
        weights = f"{TITLE_WEIGHT}, 1.0"
        return _scores(db, "search_terms", " AND ".join(uncommon), weights, ids)
    in_title = _title_matches(db, expressions, ids)
    return {i: -1.0 if i in in_title else 0.0 for i in ids}


def _common_ranked(
    db: sqlite_utils.Database,
    terms_query: str,
    expressions: Sequence[str],
    filters: SearchFilters,
    bounds: tuple[int, int] | None,
    within: str | None,
    limit: int,
) -> tuple[list[int], dict[int, float]]:
    """Candidates and scores of a query of common terms (title matches first, then newest).
    The newest candidates are read a part at a time: once `limit` of them match in the
    title, those are the first results whatever older candidates hold, so the walk stops."""
    want = CANDIDATES if limit <= 0 else min(CANDIDATES, FIRST_CHUNK * limit)
    found: list[int] = []
    in_title: set[int] = set()
    rows = _candidate_rows(db, "search_terms", terms_query, filters, bounds, within, None)
    try:
        while True:
            part = [int(r[0]) for r in rows.fetchmany(want - len(found))]
            in_title |= _title_matches(db, expressions, part) if part else set()
            found += part
            if len(found) < want or want == CANDIDATES or len(in_title) >= limit:
                return found, {i: -1.0 if i in in_title else 0.0 for i in found}
            # Walk on as far as the title matches so far say `limit` of them lie, a quarter
            # more for luck; all the rest once a walk has fallen short after that.
            expected = len(found) * limit * 5 // (4 * len(in_title)) if in_title else CANDIDATES
            want = CANDIDATES if want > FIRST_CHUNK * limit else min(CANDIDATES, expected)
            want = max(want, len(found) + 1)
    finally:
        rows.close()  # ends the walk where it stopped


@translate_sqlite
def search_index(
    db: sqlite_utils.Database,
    terms: Sequence[SearchTerm],
    filters: SearchFilters,
    limit: int,
    *,
    direct: bool = False,
) -> list[SearchHit]:
    """Articles matching every included term and no excluded one, best first: morpheme matches
    by bm25 (title weighted), then articles only the trigram index found, by its bm25.
    `direct` skips the shortcuts (the plain plan the tests hold them to)."""
    terms_query = fts_terms_query(terms)
    if terms_query is None:
        return []
    bounds = None if direct else _id_bounds(db, filters)
    exact = [t for t in terms if t.exact and not t.exclude and len(t.text) >= TRIGRAM_MIN_CHARS]
    within = " AND ".join(_fts_string(t.text) for t in exact) or None
    expressions = fts_term_expressions(terms)
    uncommon = _uncommon(db, expressions)
    weights = f"{TITLE_WEIGHT}, 1.0"
    if direct:
        found = list(_candidates(db, "search_terms", terms_query, filters, bounds, within))
        scores = _ranked_terms(db, expressions, uncommon, found)
    elif not uncommon:
        found, scores = _common_ranked(db, terms_query, expressions, filters, bounds, within, limit)
    elif uncommon == expressions and terms_query == " AND ".join(uncommon):
        # Every term weighed and none excluded: one walk finds the candidates and scores them.
        scores = _candidates(
            db, "search_terms", terms_query, filters, bounds, within, weights=weights
        )
        found = list(scores)
    else:
        found = list(_candidates(db, "search_terms", terms_query, filters, bounds, within))
        scores = (
            _scores(db, "search_terms", " AND ".join(uncommon), weights, found) if found else {}
        )
    text_query = fts_text_query(terms)
    ranked: dict[int, tuple[int, float, str]] = {i: (0, scores.get(i, 0.0), "terms") for i in found}
    # Trigram-only finds rank after every morpheme match: needed only when those run short.
    if text_query is not None and (limit <= 0 or len(found) < limit):
        extra = [
            i
            for i in _candidates(db, "search_text", text_query, filters, bounds)
            if i not in ranked
        ]
        weights = f"{TITLE_WEIGHT}, 1.0, 1.0"
        extra_scores = _scores(db, "search_text", text_query, weights, extra) if extra else {}
        for article_id in extra:
            ranked[article_id] = (1, extra_scores.get(article_id, 0.0), "text")
    order = sorted(ranked.items(), key=lambda kv: (kv[1][0], kv[1][1], -kv[0]))
    if limit > 0:
        order = order[:limit]
    ids = [i for i, _ in order]
    items = {r["id"]: r for r in _items(db, ids)}
    return [
        SearchHit(items[i], score, matched_by) for i, (_, score, matched_by) in order if i in items
    ]


def _items(db: sqlite_utils.Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows += _rows(
            db, f"SELECT {_ITEM_COLUMNS} FROM effective_articles WHERE id IN ({marks})", chunk
        )
    return _with_entities(db, rows)
