"""Benchmark the whole NLP stage against Kiwi-tokenizing every article, on a mixed feed.

2,000 articles are built from the shipped labelled set (relevant texts and near misses, their
paragraphs recombined) and from ordinary news naming no tracked entity (the Chosun RSS feed's
full texts and the real pages in ../shared/data, else the paragraphs below), about one in ten
relevant, the way a real collection looks. The stage (Analyser.analyse: entities, relevance,
topic, tone, story fingerprint) runs with models trained in-process from the labelled set, so
an article naming no tracked entity never reaches Kiwi. The peer, measured in the same run on the
same Kiwi, is `kiwi.tokenize(title + body)` for every article.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.analyse import Analyser  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.train import labelled_set_files  # noqa: E402
from nlp.classify import Classifiers, Example, read_examples  # noqa: E402
from nlp.kiwi import load_kiwi  # noqa: E402
from nlp.stories import fingerprint_text  # noqa: E402
from nlp.text import normalize_text  # noqa: E402
from nlp.training import train_classifiers  # noqa: E402

DATA = REPO.parent / "shared" / "data"
KST = ZoneInfo("Asia/Seoul")

# Ordinary news of the kind every feed carries, naming nothing the city tracks: used when
# ../shared is absent, and mixed into the real texts when it is there.
GENERIC_PARAGRAPHS = (
    "기상청은 내일 전국이 대체로 맑겠으나 아침 기온이 영하로 떨어지는 곳이 많겠다고 예보했다.",
    "낮 최고기온은 5도에서 12도로 평년보다 조금 낮겠고, 일교차가 커 건강 관리에 유의해야 한다.",
    "한국은행은 기준금리를 연 3.25%로 동결했다고 밝혔다. 물가 상승률은 둔화 흐름을 이어갔다.",
    "코스피는 외국인 매도세에 밀려 전 거래일보다 0.8% 내린 2,480선에서 장을 마쳤다.",
    "원·달러 환율은 미국 고용지표 발표를 앞두고 관망세가 짙어지며 1,390원대에서 등락했다.",
    "프로야구 한국시리즈 5차전에서 홈팀이 9회말 끝내기 안타로 시리즈 전적 3승 2패를 만들었다.",
    "축구대표팀은 월드컵 아시아 3차 예선에서 원정 경기 승리를 거두며 조 선두를 지켰다.",
    "국회 행정안전위원회는 이날 전체회의를 열고 지방자치법 개정안을 심사했다.",
    "여야는 내년도 예산안 처리 시한을 앞두고 감액 규모를 두고 막판 협상을 이어갔다.",
    "경찰은 음주운전 사고를 낸 뒤 달아난 혐의로 30대 남성을 불구속 입건했다고 밝혔다.",
    "소방당국은 화재 발생 40분 만에 불을 모두 껐으며 정확한 화재 원인을 조사하고 있다.",
    "국토교통부는 수도권 광역급행철도 개통에 맞춰 환승 할인 제도를 손보기로 했다.",
    "서울 아파트값은 12주 연속 올랐지만 상승폭은 대출 규제 영향으로 축소됐다.",
    "통계청에 따르면 지난달 취업자 수는 1년 전보다 12만 명 늘어 증가폭이 다시 커졌다.",
    "교육부는 2026학년도 대학입시에서 의대 모집 인원을 대학 자율에 맡기기로 했다.",
    "해양수산부는 겨울철 어선 안전사고를 막기 위해 구명조끼 착용 점검을 강화한다.",
    "농림축산식품부는 배추와 무 가격 안정을 위해 비축 물량을 시장에 풀기로 했다.",
    "공정거래위원회는 하도급 대금을 늦게 지급한 건설사에 과징금을 부과했다.",
    "한 유통업체는 연말 할인 행사에서 가전과 의류를 최대 70% 싸게 판다고 밝혔다.",
    "영화진흥위원회 통합전산망 집계로 지난 주말 박스오피스 1위는 한국 스릴러 영화였다.",
    "환경부는 초미세먼지 농도가 높아지는 계절을 앞두고 비상저감조치 기준을 점검했다.",
    "산림청은 가을철 산불 조심 기간 동안 입산 통제 구역을 지정해 운영한다.",
    "한 시민단체는 지역 버스 노선 개편으로 통학 시간이 늘었다며 대책 마련을 요구했다.",
    "대한항공은 동계 시즌 일본과 동남아 노선 운항 횟수를 늘린다고 발표했다.",
)
GENERIC_TITLES = (
    "내일 아침 영하권 추위…일교차 커",
    "기준금리 동결…물가 둔화 흐름",
    "코스피 외국인 매도에 하락 마감",
    "끝내기 안타로 한국시리즈 3승 2패",
    "지방자치법 개정안 상임위 심사",
    "음주 뺑소니 30대 입건",
    "광역급행철도 개통 맞춰 환승 할인 손본다",
    "연말 할인 행사 최대 70%",
    "겨울철 어선 안전 점검 강화",
    "초미세먼지 비상저감조치 기준 점검",
)


@dataclass(frozen=True)
class Piece:
    """A source text: its title, paragraphs and kind (relevant, near_miss, ordinary)."""

    title: str
    paragraphs: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class BenchArticle:
    """One article of the mixed feed."""

    title: str
    body: str
    kind: str


def labelled_pieces() -> tuple[list[Piece], list[Piece]]:
    """The labelled set's relevant texts and near misses as pieces."""
    relevant: list[Piece] = []
    near: list[Piece] = []
    for path in labelled_set_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            paragraphs = tuple(p for p in item["body"].split("\n") if p.strip())
            target = relevant if item["relevant"] else near
            kind = "relevant" if item["relevant"] else "near_miss"
            target.append(Piece(item["title"], paragraphs, kind))
    return relevant, near


def _html_paragraphs(html: str) -> tuple[str, ...]:
    """The text paragraphs of an HTML fragment (a feed's full-text content)."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(f"<html><body>{html}</body></html>")
    for node in tree.css("script, style, figure, figcaption"):
        node.decompose()
    body = tree.body
    text = body.text(separator="\n") if body is not None else ""
    return tuple(line.strip() for line in text.split("\n") if len(line.strip()) >= 40)


def ordinary_pieces() -> tuple[list[Piece], str]:
    """Ordinary news: the shared real texts when present, plus the generic paragraphs above."""
    pieces: list[Piece] = []
    sources: list[str] = []
    chosun = DATA / "encodings" / "chosun_rss_1.xml"
    if chosun.is_file():
        import feedparser

        feed = feedparser.parse(chosun.read_bytes())
        for entry in feed.entries:
            content = entry.get("content") or [{}]
            paragraphs = _html_paragraphs(str(content[0].get("value") or entry.get("summary", "")))
            if paragraphs:
                pieces.append(Piece(str(entry.get("title", "")), paragraphs, "ordinary"))
        sources.append(f"{len(pieces)} Chosun RSS full texts")
    pages = sorted((DATA / "korean-pages").glob("*.json")) if DATA.is_dir() else []
    for path in pages:
        item = json.loads(path.read_text(encoding="utf-8"))
        pieces.append(Piece(item["title"], tuple(item["paragraphs"]), "ordinary"))
    if pages:
        sources.append(f"{len(pages)} real pages")
    rng = random.Random(3)
    for title in GENERIC_TITLES:
        paragraphs = tuple(rng.sample(GENERIC_PARAGRAPHS, 5))
        pieces.append(Piece(title, paragraphs, "ordinary"))
    sources.append(f"{len(GENERIC_TITLES)} generic texts written for the bench")
    return pieces, ", ".join(sources)


def _recombine(rng: random.Random, piece: Piece, others: Sequence[Piece], extra: int) -> str:
    """The piece's lead, a shuffled subset of its other paragraphs and `extra` borrowed ones."""
    lead, rest = piece.paragraphs[:1], list(piece.paragraphs[1:])
    rng.shuffle(rest)
    keep = rest[: max(1, len(rest) - rng.randint(0, 1))] if rest else []
    borrowed = [rng.choice(rng.choice(others).paragraphs) for _ in range(extra)]
    paragraphs = [*lead, *keep, *borrowed]
    return "\n\n".join(normalize_text(p) for p in paragraphs)


def build_feed(
    total: int, relevant: list[Piece], near: list[Piece], ordinary: list[Piece], seed: int = 7
) -> list[BenchArticle]:
    """`total` articles: one in ten relevant, about one in ten a near miss, the rest ordinary."""
    rng = random.Random(seed)
    n_relevant = total // 10
    n_near = total // 10 if near else 0
    feed: list[BenchArticle] = []
    for i in range(n_relevant):
        piece = relevant[i % len(relevant)]
        feed.append(BenchArticle(piece.title, _recombine(rng, piece, relevant, 0), "relevant"))
    for i in range(n_near):
        piece = near[i % len(near)]
        feed.append(BenchArticle(piece.title, _recombine(rng, piece, near, 1), "near_miss"))
    for i in range(total - n_relevant - n_near):
        piece = ordinary[i % len(ordinary)]
        body = _recombine(rng, piece, ordinary, rng.randint(0, 2))
        feed.append(BenchArticle(normalize_text(piece.title), body, "ordinary"))
    rng.shuffle(feed)
    return feed


class CountingKiwi:
    """A Kiwi that counts its tokenize calls, so the bench knows which articles needed it."""

    def __init__(self, kiwi: Any) -> None:
        self._kiwi = kiwi
        self.calls = 0

    def tokenize(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._kiwi.tokenize(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kiwi, name)


def train_in_process(analyser: Analyser, topics: Sequence[str]) -> tuple[Classifiers, str]:
    """Models trained from the shipped labelled set, as `monitor train` would (not saved)."""
    examples: list[Example] = []
    for path in labelled_set_files():
        examples += read_examples(path.read_text(encoding="utf-8").splitlines(), path.name)

    def features_of(example: Example) -> dict[str, float]:
        mentions = analyser.mentions(example.title, example.body)
        return analyser.features(example.title, example.body, mentions)

    models = train_classifiers(
        examples,
        features_of,
        topics=topics,
        version=0,
        trained_at=datetime.now(KST),
        # Two folds: the bench needs the models, the scores are only a sanity line.
        folds=2,
    )
    relevance = models.scores["relevance"]
    return models, f"{len(examples)} labelled examples, relevance F1 {relevance.f1:.3f} (2-fold CV)"


# Articles per turn when the paths take turns.
_BLOCK = 100


@dataclass
class Clocks:
    """CPU and wall seconds one path has spent so far."""

    cpu_s: float = 0.0
    wall_s: float = 0.0

    def add(self, spent: tuple[float, float]) -> None:
        self.cpu_s += spent[0]
        self.wall_s += spent[1]


def timed(
    run: Callable[[BenchArticle], None], articles: Sequence[BenchArticle]
) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) spent running `run` over `articles`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for article in articles:
        run(article)
    return time.process_time() - cpu, time.perf_counter() - wall


def max_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Build the feed, train, time both paths and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--config", type=Path, default=REPO / "config.toml")
    args = parser.parse_args()

    config = load_config(args.config)
    relevant, near = labelled_pieces()
    ordinary, ordinary_source = ordinary_pieces()
    feed = build_feed(args.articles, relevant, near, ordinary)
    chars = sum(len(a.title) + len(a.body) for a in feed)
    kinds = {k: sum(a.kind == k for a in feed) for k in ("relevant", "near_miss", "ordinary")}
    print(
        f"feed: {len(feed)} articles ({kinds['relevant']} relevant, {kinds['near_miss']} near "
        f"misses, {kinds['ordinary']} ordinary; {chars / len(feed):.0f} characters each)"
    )
    print(
        f"  from {len(relevant)} relevant and {len(near)} near-miss labelled texts, "
        f"and {ordinary_source}"
    )

    rss_before = max_rss_mb()
    started = time.perf_counter()
    kiwi = load_kiwi()
    load_s = time.perf_counter() - started
    rss_kiwi = max_rss_mb()
    counting = CountingKiwi(kiwi)
    plain = Analyser(counting, config.entities, config.topics)
    started = time.perf_counter()
    models, trained = train_in_process(plain, [t.id for t in config.topics])
    print(f"models: trained in-process in {time.perf_counter() - started:.1f} s from {trained}")
    analyser = Analyser(counting, config.entities, config.topics, models)

    # Warm both paths up (first calls allocate Kiwi's caches).
    for article in feed[:20]:
        kiwi.tokenize(article.title + "\n" + article.body)
        analyser.analyse(article.title, article.body)

    needed_kiwi = needed_rules = judged_relevant = 0

    def peer(article: BenchArticle) -> None:
        kiwi.tokenize(article.title + "\n" + article.body)

    def stage(article: BenchArticle) -> None:
        nonlocal needed_kiwi, judged_relevant
        before = counting.calls
        judged_relevant += analyser.analyse(article.title, article.body).relevant
        needed_kiwi += counting.calls > before

    def rules(article: BenchArticle) -> None:
        nonlocal needed_rules
        before = counting.calls
        plain.analyse(article.title, article.body)
        needed_rules += counting.calls > before

    def fingerprint(article: BenchArticle) -> None:
        fingerprint_text(article.body or article.title)

    # The paths take turns block by block, so a neighbour's load on a shared machine falls on
    # all of them alike; CPU time (this process only) is the steadier figure, wall time is shown.
    paths: dict[str, Callable[[BenchArticle], None]] = {
        "stage": stage,
        "rules": rules,
        "peer": peer,
        "fingerprint": fingerprint,
    }
    spent = {name: Clocks() for name in paths}
    for block in range(0, len(feed), _BLOCK):
        for name, run in paths.items():
            spent[name].add(timed(run, feed[block : block + _BLOCK]))
    peak = max_rss_mb()

    n = len(feed)
    peer_cpu = spent["peer"].cpu_s
    print()
    print(
        f"{'path':<47} {'CPU s':>6} {'wall s':>7} {'articles/s':>11} {'vs peer':>8} "
        f"{'Kiwi used':>10}"
    )
    rows = [
        ("NLP stage, trained models (Analyser.analyse)", "stage", f"{needed_kiwi}"),
        ("NLP stage, rules only (no models)", "rules", f"{needed_rules}"),
        ("peer: kiwi.tokenize every article", "peer", f"{n}"),
        ("within the stage: story fingerprint (MinHash)", "fingerprint", "0"),
    ]
    for label, name, used in rows:
        cpu_s, wall_s = spent[name].cpu_s, spent[name].wall_s
        print(
            f"{label:<47} {cpu_s:>6.2f} {wall_s:>7.2f} {n / cpu_s:>11.0f} "
            f"{peer_cpu / cpu_s:>7.1f}x {used:>10}"
        )
    stage_s, peer_s = spent["stage"].cpu_s, peer_cpu
    speedup = peer_s / stage_s
    verdict = "met" if speedup >= 5 else "NOT met"
    print()
    print(f"speed-up of the stage over the peer (CPU time): {speedup:.1f}x (target 5x: {verdict})")
    print(
        f"articles that needed Kiwi: {needed_kiwi} of {n} ({needed_kiwi / n:.0%}); "
        f"judged relevant: {judged_relevant} (feed holds {kinds['relevant']} relevant texts)"
    )
    print(
        f"memory: {rss_before:.0f} MB before Kiwi, {rss_kiwi:.0f} MB with Kiwi loaded "
        f"({load_s:.1f} s, once), peak {peak:.0f} MB (ru_maxrss)"
    )


if __name__ == "__main__":
    main()
