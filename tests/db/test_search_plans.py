"""The search shortcuts (the id range of a date range, a first short walk for common terms,
one scored walk for weighed terms) give exactly what the plain plan gives: same ids, order,
scores and index."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlite_utils

import db as store
import db.search as search_module
from db.search import ArticleTerms, SearchTerm, search_index

# A few words hold most of the text, so that some terms are common and some are not.
WORDS = (
    *("협약", "고양", "바이오", "클러스터", "국립암센터", "포럼"),
    *("임상", "예산", "정밀", "의료", "킨텍스"),
)
WEIGHTS = (30, 25, 12, 8, 5, 4, 3, 2, 1, 1, 0.5)
PARTICLES = ("", "와", "는", "의", "에서")
TIERS = ("local", "national", "internet")
TONES = ("positive", "neutral", "negative")
TOPICS = ("agreement", "event", "policy")
OUTLETS = ("고양신문", "뉴스핌", "경기일보")
FIRST_DAY = date(2024, 1, 1)


def _words(rng: random.Random, count: int) -> list[str]:
    return rng.choices(WORDS, weights=WEIGHTS, k=count)


def _fill(database: sqlite_utils.Database, rng: random.Random, count: int) -> None:
    """Articles in random date order (backfills give old articles new ids), some labelled."""
    for n in range(count):
        day = FIRST_DAY + timedelta(days=rng.randrange(90))
        title = _words(rng, rng.randint(2, 4))
        body = _words(rng, rng.randint(4, 12))
        mentions = tuple(
            store.MentionRecord(entity, "body", 0, 1, entity)
            for entity in ("ncc", "itv")
            if rng.random() < 0.3
        )
        record = store.ArticleRecord(
            url=f"https://example.kr/{n}",
            title=" ".join(w + rng.choice(PARTICLES) for w in title),
            body=" ".join(w + rng.choice(PARTICLES) for w in body) + ".",
            role="press_release" if rng.random() < 0.1 else "coverage",
            method="test",
            collected_at="2024-04-01T09:00:00+09:00",
            processed_at="2024-04-01T09:00:00+09:00",
            published_at=f"{day.isoformat()}T09:00:00+09:00",
            published_date=day.isoformat(),
            outlet=rng.choice(OUTLETS),
            tier=rng.choice(TIERS),
            relevant=rng.random() < 0.6,
            topic=rng.choice(TOPICS),
            tone=rng.choice(TONES),
            mentions=mentions,
        )
        # Half analysed by "Kiwi" (the bare words), half left with plain words.
        terms = ArticleTerms(tuple(title), tuple(body)) if rng.random() < 0.5 else None
        article_id, _ = store.save_article(database, record, None, None, terms)
        if rng.random() < 0.05:
            # A later correction of the date: the day's id bounds stay loose, never wrong.
            moved = FIRST_DAY + timedelta(days=rng.randrange(90))
            with database.conn:
                database.execute(
                    "UPDATE articles SET published_date = ? WHERE id = ?",
                    [moved.isoformat(), article_id],
                )
        if rng.random() < 0.1:
            store.set_label(
                database,
                article_id,
                "2024-04-02T09:00:00+09:00",
                relevant=rng.random() < 0.5,
                tone=rng.choice(TONES),
            )


def _query(rng: random.Random) -> tuple[SearchTerm, ...]:
    words = rng.sample(WORDS, rng.randint(1, 2)) + rng.sample(WORDS[-4:], rng.randint(0, 1))
    terms = [SearchTerm(w, (w,)) for w in dict.fromkeys(words)]
    if rng.random() < 0.2:
        terms.append(SearchTerm("정밀의료", ("정밀", "의료")))  # two words: a NEAR group
    if rng.random() < 0.2:
        terms.append(SearchTerm("예산", ("예산",), exclude=True))
    if rng.random() < 0.1:
        terms.append(SearchTerm("협약와", ("협약",), exact=True))
    return tuple(terms)


def _filters(rng: random.Random) -> store.SearchFilters:
    start = FIRST_DAY + timedelta(days=rng.randrange(90))
    end = start + timedelta(days=rng.choice((0, 3, 10, 40, 90)))
    return store.SearchFilters(
        entity=rng.choice((None, None, "ncc")),
        topic=rng.choice((None, None, "agreement")),
        tone=rng.choice((None, None, "negative")),
        tier=rng.choice((None, None, "local")),
        outlet=rng.choice((None, None, "뉴스핌")),
        since=rng.choice((None, start.isoformat())),
        until=rng.choice((None, end.isoformat())),
        include_irrelevant=rng.random() < 0.3,
        include_press_releases=rng.random() < 0.3,
    )


def _results(database: sqlite_utils.Database, *args: object, direct: bool) -> list[object]:
    hits = search_index(database, *args, direct=direct)  # type: ignore[arg-type]
    return [(h.item["id"], h.score, h.matched_by) for h in hits]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shortcuts_give_what_the_plain_plan_gives(
    memory_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # Small bounds, so that a few hundred articles reach them: ranking among the newest 25
    # candidates, a term common when its newest 4 matches lie within 40 ids, a first walk of
    # two candidates per result.
    monkeypatch.setattr(search_module, "CANDIDATES", 25)
    monkeypatch.setattr(search_module, "COMMON_PROBE", 4)
    monkeypatch.setattr(search_module, "FIRST_CHUNK", 2)
    rng = random.Random(seed)
    _fill(memory_db, rng, 400)
    shortcuts = 0
    for _ in range(150):
        terms, filters = _query(rng), _filters(rng)
        limit = rng.choice((0, 1, 3, 5, 10, 25, 40))
        plain = _results(memory_db, terms, filters, limit, direct=True)
        assert _results(memory_db, terms, filters, limit, direct=False) == plain, (
            terms,
            filters,
            limit,
        )
        shortcuts += bool(plain)
    assert shortcuts > 50  # most queries found something, so the comparison meant something


def test_a_long_words_commonness_read_from_the_word_alone_first(
    memory_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the word alone is common, so is its prefix query (which holds more): the same
    verdict as the prefix query's own probe, whichever of the two decides it."""
    for n in range(120):
        # 국립암센터 bare in every article; 테크노밸리 bare in every 30th, with a particle in all.
        body = "국립암센터 테크노밸리에 " + ("테크노밸리 " if n % 30 == 0 else "") + "입주"
        record = store.ArticleRecord(
            url=f"https://example.kr/{n}",
            title="소식",
            body=body,
            role="coverage",
            method="test",
            collected_at="2024-04-01T09:00:00+09:00",
            processed_at="2024-04-01T09:00:00+09:00",
        )
        store.save_article(memory_db, record, None, None)
    newest = memory_db.execute("SELECT MAX(rowid) FROM search_terms").fetchone()[0]
    verdicts = []
    for probe in (2, 5, 10, 20, 40):
        monkeypatch.setattr(search_module, "COMMON_PROBE", probe)
        for word in ("국립암센터", "테크노밸리"):
            expression = f'"{word}"*'
            plain = search_module._spans_few_ids(memory_db, expression, newest)
            assert search_module._is_common(memory_db, expression, newest) == plain, (probe, word)
            verdicts.append((search_module._spans_few_ids(memory_db, f'"{word}"', newest), plain))
    # The word alone decided some verdicts; in others only the prefix query was common.
    assert (True, True) in verdicts and (False, True) in verdicts
