"""Search of past coverage: the query syntax, Kiwi analysis of queries and articles, snippets.

Syntax (documented in the README): words are AND-ed; "an exact phrase" in double quotes;
-word or -"a phrase" excludes. Everything the user types is text, never FTS5 syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

import db as store
from db.search import (
    ArticleTerms,
    SearchHit,
    SearchTerm,
    search_index,
    unanalysed_articles,
    write_article_terms,
)
from monitor.errors import UsageError
from nlp import normalize_text
from nlp.kiwi import Kiwi

__all__ = [
    "QueryError",
    "SearchQuery",
    "analyse_article_terms",
    "analyse_query",
    "articles_to_reindex",
    "highlight_snippet",
    "parse_query",
    "reindex_terms",
    "search_coverage",
    "search_terms_for",
]

# Kiwi tags whose forms are indexed: nouns, numerals, foreign words, roots, verb/adjective stems.
_INDEXED_TAGS = frozenset(
    {"NNG", "NNP", "NNB", "NR", "NP", "SL", "SH", "SN", "XR", "VV", "VA", "VV-R", "VA-R", "MAG"}
)
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_SYNTAX = 'words are all required; "exact phrase"; -word excludes'


class QueryError(UsageError):
    """A search query that cannot be read (an unbalanced quote, a lone '-', operators)."""


@dataclass(frozen=True)
class QueryPart:
    """One term as typed: its text, whether it was a quoted phrase, whether it excludes."""

    text: str
    phrase: bool = False
    exclude: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: the typed terms, each analysed into the words the index holds."""

    parts: tuple[QueryPart, ...]
    terms: tuple[SearchTerm, ...]

    @property
    def includes_anything(self) -> bool:
        """Whether some term must be present (a query of exclusions alone narrows nothing)."""
        return any(not t.exclude for t in self.terms)

    def highlight_strings(self) -> list[str]:
        """What a snippet marks: the typed terms and the words they analysed to."""
        found: list[str] = []
        for term in self.terms:
            if term.exclude:
                continue
            found.append(term.text)
            found += [w for w in term.words if len(w) >= 2 or len(term.text) == 1]
        return list(dict.fromkeys(found))


_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def parse_query(text: str) -> tuple[QueryPart, ...]:
    """Split a query into terms; QueryError (one line) when it cannot be read."""
    text = normalize_text(text)
    if text.count('"') % 2:
        raise QueryError(f"unbalanced quote in the search query ({_SYNTAX})")
    parts: list[QueryPart] = []
    for match in _TOKEN.finditer(text):
        minus, phrase, word = match.groups()
        if word is None:
            inner = " ".join(phrase.split())
            if not inner:
                raise QueryError(f'empty phrase "" in the search query ({_SYNTAX})')
            parts.append(QueryPart(inner, phrase=True, exclude=bool(minus)))
            continue
        if '"' in word:
            raise QueryError(f"a quote inside a word in the search query ({_SYNTAX})")
        exclude = word.startswith("-")
        bare = word[1:] if exclude else word
        if not bare or bare.strip("-") == "":
            raise QueryError(f"a lone '-' in the search query: write -word to exclude ({_SYNTAX})")
        if bare in _OPERATORS or bare.startswith("NEAR("):
            raise QueryError(f"{bare} is not an operator here ({_SYNTAX})")
        if "*" in bare:
            raise QueryError(
                "'*' is not needed: every word also matches inside longer words and with "
                f"particles ({_SYNTAX})"
            )
        parts.append(QueryPart(bare, exclude=exclude))
    return tuple(parts)


def _kiwi_words(kiwi: Kiwi, text: str) -> list[str]:
    """The indexed Kiwi forms of a text, in order."""
    if not text.strip():
        return []
    return [t.form for t in kiwi.tokenize(text) if t.tag in _INDEXED_TAGS]


def analyse_query(kiwi: Kiwi, text: str) -> SearchQuery:
    """Parse a query and analyse each term with the Kiwi that analysed the articles."""
    parts = parse_query(text)
    terms = tuple(
        SearchTerm(p.text.lower(), tuple(_kiwi_words(kiwi, p.text)), p.exclude, p.phrase)
        for p in parts
    )
    return SearchQuery(parts, terms)


def analyse_article_terms(kiwi: Kiwi, title: str, lead: str, body: str) -> ArticleTerms:
    """An article's words for the ranked index: Kiwi morphemes of the title and of the text."""
    return ArticleTerms(
        tuple(_kiwi_words(kiwi, title)), tuple(_kiwi_words(kiwi, f"{lead}\n{body}"))
    )


def search_terms_for(kiwi: Kiwi, record: store.ArticleRecord) -> ArticleTerms | None:
    """Kiwi morphemes of an article about to be stored, for the articles search is mostly for
    (relevant, or naming a tracked entity); None leaves the rest indexed by plain words, so the
    NLP stage's saving (most articles never reach Kiwi) stays."""
    if not (record.relevant or record.mentions):
        return None
    return analyse_article_terms(kiwi, record.title, record.lead, record.body)


def highlight_snippet(
    text: str, marks: Sequence[str], width: int = 50, open_mark: str = "«", close_mark: str = "»"
) -> str:
    """A window of `text` around the first marked string, every marked string wrapped."""
    flat = " ".join(text.split())
    wanted = sorted({m for m in marks if m}, key=len, reverse=True)
    # One alternation, longest first, so the longer of two overlapping marks wins.
    pattern = re.compile("|".join(re.escape(m) for m in wanted), re.IGNORECASE) if wanted else None
    first = pattern.search(flat) if pattern else None
    if pattern is None or first is None:
        return flat[: width * 2] + ("…" if len(flat) > width * 2 else "")
    start = max(0, first.start() - width)
    end = min(len(flat), first.start() + width * 2)
    marked = pattern.sub(lambda m: f"{open_mark}{m.group(0)}{close_mark}", flat[start:end])
    return ("…" if start else "") + marked + ("…" if end < len(flat) else "")


def search_coverage(
    database: sqlite_utils.Database,
    kiwi: Callable[[], Kiwi],
    text: str,
    filters: store.SearchFilters,
    limit: int,
    *,
    marks: tuple[str, str] = ("«", "»"),
) -> list[dict[str, Any]]:
    """Search items for a query and filters, best first, each with a highlighted snippet.
    `kiwi` gives the process's Kiwi, called only when there are words to analyse: without
    them the filters alone select, newest first."""
    parts = parse_query(text)
    if not parts:
        rows = store.search_articles(database, [], filters, limit)
        return [_with_snippet(r, [], marks) for r in rows]
    query = analyse_query(kiwi(), text)
    if not query.includes_anything:
        raise QueryError(f"only exclusions in the search query: add a word to find ({_SYNTAX})")
    hits: list[SearchHit] = search_index(database, query.terms, filters, limit)
    highlights = query.highlight_strings()
    return [_with_snippet(h.item, highlights, marks, h) for h in hits]


def _with_snippet(
    row: dict[str, Any],
    highlights: Sequence[str],
    marks: tuple[str, str],
    hit: SearchHit | None = None,
) -> dict[str, Any]:
    text = f"{row['lead']} {row['body']}".strip() or row["title"]
    snippet = highlight_snippet(text, highlights, open_mark=marks[0], close_mark=marks[1])
    if highlights and marks[0] not in snippet:
        # Only the title matched: show it marked rather than an unmarked opening.
        snippet = highlight_snippet(
            row["title"], highlights, open_mark=marks[0], close_mark=marks[1]
        )
    return {
        **row,
        "snippet": snippet,
        "score": round(hit.score, 4) if hit else None,
        "matched_by": hit.matched_by if hit else None,
    }


def articles_to_reindex(database: sqlite_utils.Database, *, everything: bool = False) -> list[int]:
    """Ids of stored articles indexed by plain words only (every article with `everything`)."""
    return unanalysed_articles(database, relevant_only=False, everything=everything)


def reindex_terms(
    database: sqlite_utils.Database,
    kiwi: Kiwi,
    ids: Sequence[int],
    *,
    progress: Callable[[], None] = lambda: None,
    batch: int = 200,
) -> int:
    """Analyse the given articles with Kiwi into the ranked index; how many were analysed.
    Commits every `batch` articles, so a stopped reindex keeps what it did."""
    done = 0
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        marks = ",".join("?" * len(chunk))
        rows = database.execute(
            f"SELECT id, title, lead, body FROM articles WHERE id IN ({marks})", chunk
        ).fetchall()
        analysed = [(r[0], analyse_article_terms(kiwi, r[1], r[2], r[3])) for r in rows]
        with database.conn:
            for article_id, terms in analysed:
                write_article_terms(database, article_id, terms)
        for _ in analysed:
            progress()
        done += len(analysed)
    return done
