"""Benchmark search of past coverage on a generated archive of Korean articles.

A script writes N generated articles (default 1,000,000) straight into a fresh database at the
current schema: text built from a Korean news vocabulary with particles attached, tracked names
and compounds, four years of dates, outlets and tiers, about one in ten relevant. The ranked
index gets the words Kiwi would give (nouns and stems, written by the same `index_words` the
store path uses) without running Kiwi, which would take hours; the trigram index is built by
FTS5 itself. Then 20 typical searches (entity, keyword, keyword with a date range, two-syllable
term) are timed through `search_coverage` (query analysed by Kiwi, snippets included) beside a
full-scan LIKE of the same terms with the same filters in the same run; the database size and
`tally` of a half-year are measured too. Targets: p95 <= 50 ms, >= 100x the scan, tally <= 200 ms.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlite_utils  # noqa: E402

import db as store  # noqa: E402
from db.search import MORPHEMES, index_words  # noqa: E402
from monitor.search import search_coverage  # noqa: E402
from nlp.kiwi import load_kiwi  # noqa: E402

FIRST_DAY = date(2022, 1, 1)
DAYS = 4 * 365
HALF_YEAR = ("2024-07-01", "2024-12-31")

# Tracked names (entity id, how articles write it, the morphemes Kiwi gives for it).
ENTITIES = (
    ("ncc", "국립암센터", ("국립암센터",)),
    ("itv", "일산테크노밸리", ("일산테크노밸리",)),
    ("lih-g", "룩셈부르크 고양보건연구소", ("룩셈부르크", "고양", "보건", "연구소")),
    ("lih-g", "LIH-G", ("LIH", "G")),
    ("goyang", "고양특례시", ("고양특례시",)),
    ("kintex", "킨텍스", ("킨텍스",)),
    ("cluster", "바이오 정밀의료클러스터", ("바이오", "정밀", "의료", "클러스터")),
)
_NOUN_TEXT = (
    "협약 체결 투자 유치 기업 바이오 의료 정밀의료 연구 개발 산업 단지 조성 사업 추진 계획 "
    "발표 시장 시장실 간담회 포럼 회의 행사 개최 방문 벤치마킹 해외 교류 협력 지원 예산 "
    "센터 병원 환자 치료 검진 진단 데이터 플랫폼 인공지능 스타트업 창업 일자리 청년 교육 "
    "인재 양성 대학 교수 연구원 연구소 기관 정부 경기도 도의회 시의회 의원 위원회 조례 "
    "정책 행정 예산안 주민 시민 지역 경제 성장 혁신 클러스터 테크노밸리 신약 임상 유전체 "
    "백신 헬스케어 디지털 기술 특허 상용화 실증 인프라 교통 철도 도로 주택 부동산 개발사업 "
    "토지 보상 착공 준공 입주 분양 공모 선정 평가 심사 결과 성과 목표 전략 비전 미래 "
    "글로벌 국제 룩셈부르크 유럽 미국 일본 중국 대표단 장관 차관 총리 대통령 국회 "
    "기자회견 보도자료 설명회 공청회 토론회 세미나 박람회 전시회 축제 문화 관광 체육 "
    "환경 에너지 탄소 안전 재난 복지 보건 건강 감염병 의사 간호사 약사 제약 의약품 "
    "수출 무역 금융 은행 주식 펀드 벤처 창업자 대표 회장 사장 이사장 원장 총장"
)
NOUNS = tuple(_NOUN_TEXT.split())
_VERB_TEXT = "밝히 열리 맺 가지 늘리 높이 만들 나서 이루 앞두 받 추진하 강화하 확대하 마련하"
VERBS = tuple(_VERB_TEXT.split())
PARTICLES = (
    "",
    "",
    "",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "와",
    "과",
    "에",
    "에서",
    "의",
    "로",
    "도",
)
ENDINGS = ("었다", "ㄴ다", "고", "며", "는", "기로 했다", "어", "ㄹ 계획이다")
OUTLETS = tuple(
    (f"매체{i:02d}", f"outlet{i:02d}.co.kr", tier)
    for i, tier in enumerate(
        ("national", "economic", "local", "internet", "broadcast", "wire", "trade") * 9
    )
)
TOPICS = ("agreement", "meeting", "event", "overseas", "infrastructure", "policy", "other")
TONES = ("positive", "neutral", "negative")

# 20 typical searches: (label, query, filters).
QUERIES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("entity", "국립암센터", {}),
    ("entity", "일산테크노밸리", {}),
    ("entity", "룩셈부르크 고양보건연구소", {}),
    ("entity", "LIH-G", {}),
    ("entity", "킨텍스 협약", {"entity": "kintex"}),
    ("keyword", "정밀의료", {}),
    ("keyword", "협약 체결", {}),
    ("keyword", "바이오 클러스터", {}),
    ("keyword", "벤치마킹", {}),
    ("keyword", "테크노밸리", {}),
    ("keyword", "유전체 -백신", {}),
    ("keyword+dates", "협약", {"since": HALF_YEAR[0], "until": HALF_YEAR[1]}),
    ("keyword+dates", "국립암센터", {"since": "2025-01-01", "until": "2025-03-31"}),
    ("keyword+dates", "포럼", {"since": "2023-01-01", "until": "2023-12-31"}),
    ("keyword+dates", "투자 유치", {"since": "2022-03-01", "until": "2022-05-31"}),
    ("keyword+dates", "임상", {"since": "2025-06-01", "until": "2025-06-30"}),
    ("two-syllable", "고양", {}),
    ("two-syllable", "신약", {}),
    ("two-syllable", "의료", {"since": HALF_YEAR[0], "until": HALF_YEAR[1]}),
    ("two-syllable", "포럼", {}),
)


@dataclass(frozen=True)
class Vocabulary:
    """Words with Zipf-like weights, and rarer generated compounds (proper nouns, jargon)."""

    nouns: tuple[str, ...]
    cum_weights: tuple[float, ...]
    indexed: dict[str, str]  # word -> its indexed form (the word and its suffixes)


def build_vocabulary(rng: random.Random) -> Vocabulary:
    """The generator's nouns: the news nouns above plus 5,000 rarer generated compounds."""
    syllables = "가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주"
    made = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(5000)}
    nouns = (*NOUNS, *sorted(made))
    cum_weights = tuple(itertools.accumulate(1.0 / (rank + 5) for rank in range(len(nouns))))
    words = {*nouns, *VERBS, *(w for _, _, found in ENTITIES for w in found)}
    return Vocabulary(nouns, cum_weights, {w: index_words([w]) for w in words})


def _sentence(rng: random.Random, vocab: Vocabulary, words: int) -> tuple[str, list[str]]:
    """One sentence and the morphemes Kiwi would give for it."""
    text: list[str] = []
    morphemes: list[str] = []
    for noun in rng.choices(vocab.nouns, cum_weights=vocab.cum_weights, k=words):
        text.append(noun + rng.choice(PARTICLES))
        morphemes.append(noun)
    verb = rng.choice(VERBS)
    text.append(verb + rng.choice(ENDINGS))
    morphemes.append(verb)
    return " ".join(text) + ".", morphemes


def generate_articles(
    count: int, body_sentences: int, seed: int
) -> Iterator[tuple[tuple[object, ...], list[tuple[int, str]], str, str]]:
    """(articles row, mentions, title words, body words) per article, oldest first."""
    rng = random.Random(seed)
    vocab = build_vocabulary(rng)
    for n in range(1, count + 1):
        day = FIRST_DAY + timedelta(days=(n - 1) * DAYS // count)
        named = [e for e in ENTITIES if rng.random() < 0.04]
        title, title_morphemes = _sentence(rng, vocab, rng.randint(4, 7))
        sentences: list[str] = []
        morphemes: list[str] = []
        for _ in range(body_sentences):
            text, found = _sentence(rng, vocab, rng.randint(6, 12))
            sentences.append(text)
            morphemes += found
        mentions: list[tuple[int, str]] = []
        for entity_id, name, words in named:
            where = rng.randrange(len(sentences))
            sentences[where] = f"{name}{rng.choice(PARTICLES)} {sentences[where]}"
            morphemes += words
            mentions.append((n, entity_id))
            if rng.random() < 0.3:
                title = f"{name}{rng.choice(PARTICLES)} {title}"
                title_morphemes = [*words, *title_morphemes]
        relevant = rng.random() < (0.6 if named else 0.05)
        outlet, domain, tier = rng.choice(OUTLETS)
        stamp = f"{day.isoformat()}T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:00+09:00"
        row = (
            n,
            f"https://{domain}/news/{n}",
            title,
            " ".join(sentences),
            stamp,
            day.isoformat(),
            outlet,
            domain,
            tier,
            int(relevant),
            rng.choice(TOPICS),
            rng.choice(TONES),
            stamp,
            stamp,
        )
        indexed = vocab.indexed
        yield (
            row,
            mentions,
            " ".join(indexed[w] for w in title_morphemes),
            " ".join(indexed[w] for w in morphemes),
        )


_INSERT = (
    "INSERT INTO articles (id, url, title, body, published_at, published_date, outlet, "
    "outlet_domain, tier, relevant, topic, tone, collected_at, processed_at, role, method, "
    "date_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'coverage', 'bench', 'page')"
)


def fill_database(path: Path, count: int, body_sentences: int, seed: int) -> float:
    """Write the generated archive; seconds taken. The search triggers are set aside during
    the bulk load and the indexes built in one pass, then the triggers come back."""
    started = time.perf_counter()
    database = store.open_database(path)
    triggers = database.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'"
    ).fetchall()
    conn = database.conn
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")  # 400 MB: FTS5 segment merges stay in memory
    with conn:
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
    batch_articles: list[tuple[object, ...]] = []
    batch_mentions: list[tuple[int, str, str, int, int, str]] = []
    batch_terms: list[tuple[int, str, str, int]] = []

    def flush() -> None:
        with conn:
            conn.executemany(_INSERT, batch_articles)
            conn.executemany(
                'INSERT INTO mentions (article_id, entity, field, start, "end", text) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                batch_mentions,
            )
            conn.executemany(
                "INSERT INTO search_terms (rowid, title, body, analysed) VALUES (?, ?, ?, ?)",
                batch_terms,
            )
        batch_articles.clear()
        batch_mentions.clear()
        batch_terms.clear()

    for row, mentions, title_words, body_words in generate_articles(count, body_sentences, seed):
        article_id = int(str(row[0]))
        batch_articles.append(row)
        batch_mentions += [(a, e, "body", 0, 1, e) for a, e in mentions]
        batch_terms.append((article_id, title_words, body_words, MORPHEMES))
        if len(batch_articles) >= 5000:
            flush()
        if article_id % 100_000 == 0:
            print(f"  {article_id:,} articles, {time.perf_counter() - started:.0f} s", flush=True)
    flush()
    print("  building the trigram index ...", flush=True)
    with conn:
        conn.execute("INSERT INTO search_text(search_text) VALUES ('rebuild')")
        for _name, sql in triggers:
            conn.execute(sql)
    for table in ("search_terms", "search_text"):
        with conn:
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def _filters(given: dict[str, str]) -> store.SearchFilters:
    return store.SearchFilters(
        entity=given.get("entity"), since=given.get("since"), until=given.get("until")
    )


def scan_like(database: sqlite_utils.Database, query: str, given: dict[str, str]) -> int:
    """The peer: a LIKE over title, lead and body for every word, same filters, same order and
    limit, no index but the date index the filters may use; how many it found."""
    words = [w for w in query.split() if not w.startswith("-")]
    excluded = [w[1:] for w in query.split() if w.startswith("-")]
    where = ["COALESCE(l.relevant, a.relevant) = 1", "a.role = 'coverage'"]
    params: list[str] = []
    for word in words:
        where.append("(a.title LIKE ? OR a.lead LIKE ? OR a.body LIKE ?)")
        params += [f"%{word}%"] * 3
    for word in excluded:
        where.append("NOT (a.title LIKE ? OR a.lead LIKE ? OR a.body LIKE ?)")
        params += [f"%{word}%"] * 3
    if "entity" in given:
        where.append("a.id IN (SELECT article_id FROM mentions WHERE entity = ?)")
        params.append(given["entity"])
    for key, op in (("since", ">="), ("until", "<=")):
        if key in given:
            where.append(f"a.published_date {op} ?")
            params.append(given[key])
    sql = (
        "SELECT a.id FROM articles a LEFT JOIN labels l ON l.article_id = a.id "
        f"WHERE {' AND '.join(where)} ORDER BY a.published_at DESC LIMIT 50"
    )
    return len(database.execute(sql, params).fetchall())


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run(path: Path, repeats: int) -> None:
    """Time the searches, the scans and the tally on a filled database; print the table."""
    kiwi = load_kiwi()
    database = store.open_database(path)
    count = database.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    size = os.path.getsize(path)
    for _label, query, given in QUERIES:  # warm the page cache and Kiwi
        search_coverage(database, lambda: kiwi, query, _filters(given), 50)
    print(f"\n{count:,} articles, database {size / 2**30:.2f} GiB\n")
    print(f"{'kind':<14} {'query':<28} {'found':>5} {'index ms':>9} {'scan ms':>9} {'x':>7}")
    index_times: list[float] = []
    scan_times: list[float] = []
    for label, query, given in QUERIES:
        samples = []
        found = 0
        for _ in range(repeats):
            started = time.perf_counter()
            found = len(search_coverage(database, lambda: kiwi, query, _filters(given), 50))
            samples.append((time.perf_counter() - started) * 1000)
        index_ms = statistics.median(samples)
        started = time.perf_counter()
        scanned = scan_like(database, query, given)
        scan_ms = (time.perf_counter() - started) * 1000
        index_times.append(index_ms)
        scan_times.append(scan_ms)
        shown = query + (f" [{', '.join(f'{k}={v}' for k, v in given.items())}]" if given else "")
        print(
            f"{label:<14} {shown[:28]:<28} {found:>2}/{scanned:<2} {index_ms:>9.1f} "
            f"{scan_ms:>9.0f} {scan_ms / index_ms:>6.0f}x"
        )
    p50, p95 = _percentile(index_times, 0.5), _percentile(index_times, 0.95)
    s50, s95 = _percentile(scan_times, 0.5), _percentile(scan_times, 0.95)
    ratios = [s / i for s, i in zip(scan_times, index_times, strict=True)]
    ratio = statistics.median(ratios)
    print(f"\nsearch p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 <= 50 ms)")
    print(f"full-scan LIKE p50 {s50:.0f} ms, p95 {s95:.0f} ms")
    print(f"speed-up: median {ratio:.0f}x, at p50 {s50 / p50:.0f}x (target >= 100x)")
    for kind in dict.fromkeys(label for label, _, _ in QUERIES):
        mine = [r for (label, _, _), r in zip(QUERIES, ratios, strict=True) if label == kind]
        print(f"  {kind}: median {statistics.median(mine):.0f}x")
    for by in ("entity", "topic", "tier", "month"):
        samples = []
        for _ in range(3):
            started = time.perf_counter()
            store.tally(database, by, *HALF_YEAR)
            samples.append((time.perf_counter() - started) * 1000)
        print(f"tally --by {by} {HALF_YEAR[0]}..{HALF_YEAR[1]}: {min(samples):.0f} ms (best of 3)")
    print(f"database size: {size / 2**20:,.0f} MiB ({size / count:,.0f} bytes per article)")
    database.conn.close()


def main() -> None:
    """Generate (or reuse) the archive, then measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument(
        "--sentences", type=int, default=6, help="body sentences per article (default 6)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each search")
    parser.add_argument("--db", type=Path, help="keep (or reuse) the generated database here")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="search-bench-") as folder:
        path = args.db or Path(folder) / "bench.db"
        if not path.exists():
            print(f"generating {args.articles:,} articles into {path} ...", flush=True)
            seconds = fill_database(path, args.articles, args.sentences, args.seed)
            print(f"generated in {seconds:.0f} s", flush=True)
        run(path, args.repeats)


if __name__ == "__main__":
    main()
