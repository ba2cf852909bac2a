"""Gold pages and scoring shared by the extraction benchmark and its quality gate."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nlp._errors import DecodeError, NlpError, NoArticleError
from nlp.decode import decode_page
from nlp.extract import extract_article
from nlp.text import normalize_text

REPO = Path(__file__).resolve().parents[1]
TEAM_PAGES = REPO / "tests" / "data" / "pages"
SHARED_PAGES = REPO.parent / "shared" / "data" / "korean-pages"


@dataclass(frozen=True)
class GoldPage:
    """One page with what a careful human reads as its article."""

    name: str
    url: str
    html: str
    layout: str
    no_article: bool
    title: str | None
    authors: tuple[str, ...]
    published: datetime | None
    deck: tuple[str, ...]
    paragraphs: tuple[str, ...]
    # Why decode_page refused the page's bytes, if it did: our pipeline never sees its text,
    # so the page scores as a loss for us (html then holds a lenient UTF-8 reading for peers).
    decode_error: str | None = None

    @property
    def body(self) -> str:
        """Gold body paragraphs joined by newlines."""
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class PageResult:
    """How one extractor did on one gold page."""

    page: GoldPage
    body: str
    precision: float
    recall: float
    title_ok: bool | None  # None: the page has no gold title (no article)
    date_ok: bool | None  # None: the page has no gold date
    authors_ok: bool | None
    declined: bool  # the extractor said "no article"
    ms: float  # CPU time of the extraction (this thread's, so other processes' load stays out)
    method: str = ""

    @property
    def f1(self) -> float:
        """F1 of this page's precision and recall."""
        return f1(self.precision, self.recall)


@dataclass(frozen=True)
class Summary:
    """Aggregates over a set of page results, scored as the ScrapingHub benchmark does."""

    pages: int
    articles: int
    precision: float
    recall: float
    f1: float
    title: float
    date: float
    authors: float
    no_article: float  # share of pages whose article / no-article status was called right
    median_ms: float
    p95_ms: float


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of 4-token shingles of \\w+ tokens, as the ScrapingHub benchmark scores."""
    tokens = re.findall(r"\w+", text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))


def score_page(found: str, gold: str) -> tuple[float, float]:
    """Precision and recall of one page (TP/FP/FN as shares of their sum)."""
    a, b = shingles(found), shingles(gold)
    tp = sum((a & b).values())
    fp = sum((a - b).values())
    fn = sum((b - a).values())
    if tp + fp == 0:
        return 0.0, 0.0 if fn else 1.0
    return tp / (tp + fp), tp / (tp + fn)


def f1(precision: float, recall: float) -> float:
    """Harmonic mean, zero when both are zero."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def title_words(text: str) -> list[str]:
    """\\w+ tokens of the normalised text, the form titles are compared under."""
    return re.findall(r"\w+", normalize_text(text))


def load_gold(folder: Path) -> list[GoldPage]:
    """Every NAME.json with a NAME.html beside it, decoded as the pipeline decodes."""
    pages = []
    for gold_path in sorted(folder.glob("*.json")):
        html_path = gold_path.with_suffix(".html")
        if not html_path.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        published = gold.get("published")
        pages.append(
            GoldPage(
                name=gold_path.stem,
                url=gold["url"],
                html=decode_page(html_path.read_bytes(), None).text,
                # The shared pages predate the layout field; they are two national dailies.
                layout=gold.get("layout") or "national-daily",
                no_article=bool(gold.get("no_article")),
                title=gold.get("title"),
                authors=tuple(gold.get("authors") or ()),
                published=datetime.fromisoformat(published) if published else None,
                deck=tuple(gold.get("deck") or ()),
                paragraphs=tuple(gold.get("paragraphs") or ()),
            )
        )
    return pages


def evaluate_ours(page: GoldPage) -> PageResult:
    """Run our extractor on one gold page and score body, title, date, authors and status."""
    start = time.thread_time()
    try:
        if page.decode_error is not None:
            raise DecodeError(page.decode_error)
        article = extract_article(page.html, page.url)
    except NlpError as error:
        ms = (time.thread_time() - start) * 1000
        precision, recall = score_page("", page.body)
        return PageResult(
            page=page,
            body="",
            precision=precision,
            recall=recall,
            title_ok=None if page.title is None else False,
            date_ok=None if page.published is None else False,
            authors_ok=None if page.no_article else not page.authors,
            declined=isinstance(error, NoArticleError),
            ms=ms,
            method=type(error).__name__,
        )
    ms = (time.thread_time() - start) * 1000
    precision, recall = score_page(article.body, page.body)
    return PageResult(
        page=page,
        body=article.body,
        precision=precision,
        recall=recall,
        title_ok=None
        if page.title is None
        else title_words(article.title) == title_words(page.title),
        date_ok=None if page.published is None else article.published_at == page.published,
        authors_ok=None if page.no_article else set(article.authors) == set(page.authors),
        declined=False,
        ms=ms,
        method=article.method,
    )


def _share(flags: Iterable[bool | None]) -> float:
    """Share of True among the flags that apply (not None); 1.0 when none apply."""
    applied = [flag for flag in flags if flag is not None]
    return sum(applied) / len(applied) if applied else 1.0


def summarize(results: list[PageResult]) -> Summary:
    """Body P/R/F1 over article pages (means over pages), metadata shares and timing."""
    articles = [result for result in results if not result.page.no_article]
    precision = sum(r.precision for r in articles) / len(articles) if articles else 0.0
    recall = sum(r.recall for r in articles) / len(articles) if articles else 0.0
    times = sorted(result.ms for result in results) or [0.0]
    return Summary(
        pages=len(results),
        articles=len(articles),
        precision=precision,
        recall=recall,
        f1=f1(precision, recall),
        title=_share(r.title_ok for r in articles),
        date=_share(r.date_ok for r in articles),
        authors=_share(r.authors_ok for r in articles),
        no_article=_share(r.declined == r.page.no_article for r in results),
        median_ms=times[len(times) // 2],
        p95_ms=times[min(len(times) - 1, int(len(times) * 0.95))],
    )


def layout_table(results: list[PageResult]) -> str:
    """Per-layout and per-page breakdown, printed when a gate fails and by the benchmark."""
    lines = [f"{'layout':<22} {'pages':>5} {'F1':>6} {'title':>6} {'date':>6} {'status':>6}"]
    for layout in sorted({result.page.layout for result in results}):
        group = summarize([result for result in results if result.page.layout == layout])
        lines.append(
            f"{layout:<22} {group.pages:>5} {group.f1:6.3f} {group.title:6.2f} "
            f"{group.date:6.2f} {group.no_article:6.2f}"
        )
    lines.append("pages below perfect:")
    for result in sorted(results, key=lambda r: r.f1):
        page = result.page
        status_ok = result.declined == page.no_article
        perfect = (page.no_article or result.f1 >= 0.999) and status_ok
        if perfect and result.title_ok is not False and result.date_ok is not False:
            continue
        lines.append(
            f"  {page.name:<28} {page.layout:<22} {result.method:<14} F1 {result.f1:.3f} "
            f"P {result.precision:.3f} R {result.recall:.3f} title {result.title_ok} "
            f"date {result.date_ok} authors {result.authors_ok} status_ok {status_ok}"
        )
    return "\n".join(lines)
