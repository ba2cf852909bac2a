"""Benchmark extract_article (and trafilatura when installed) on the shared extraction sets."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp._errors import NlpError  # noqa: E402
from nlp.decode import decode_page  # noqa: E402
from nlp.extract import extract_article  # noqa: E402
from nlp.text import normalize_text  # noqa: E402

DATA = REPO.parent / "shared" / "data"
Extractor = Callable[[str, str], str]


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


def run_ours(html: str, url: str) -> str:
    """Our extractor's title-less body; empty when it declines the page."""
    try:
        return extract_article(html, url).body
    except NlpError:
        return ""


def load_trafilatura() -> dict[str, Extractor]:
    """trafilatura's default and favor_precision variants as peers; empty when not installed."""
    try:
        import trafilatura  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {}

    def run_default(html: str, url: str) -> str:
        return str(trafilatura.extract(html, url=url) or "")

    def run_precise(html: str, url: str) -> str:
        return str(trafilatura.extract(html, url=url, favor_precision=True) or "")

    return {"trafilatura": run_default, "trafilatura-prec": run_precise}


def load_sets() -> dict[str, list[tuple[str, str, str]]]:
    """(html, url, gold body) triples per dataset."""
    sets: dict[str, list[tuple[str, str, str]]] = {}
    bench = DATA / "scrapinghub-benchmark"
    truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    sets["scrapinghub"] = [
        (
            gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()).decode(
                "utf-8", "replace"
            ),
            value["url"],
            value["articleBody"],
        )
        for key, value in sorted(truth.items())
    ]
    korean = []
    for gold_path in sorted((DATA / "korean-pages").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        html = decode_page(gold_path.with_suffix(".html").read_bytes(), None).text
        korean.append((html, gold["url"], "\n".join(gold["paragraphs"])))
    sets["korean-pages"] = korean
    return sets


def measure(
    extractor: Extractor, pages: list[tuple[str, str, str]]
) -> tuple[float, float, float, float, float]:
    """Mean precision, mean recall, F1 of the means, median and p95 ms per page."""
    precisions, recalls, times_ms = [], [], []
    for html, url, gold in pages:
        start = time.perf_counter()
        found = extractor(html, url)
        times_ms.append((time.perf_counter() - start) * 1000)
        precision, recall = score_page(found, gold)
        precisions.append(precision)
        recalls.append(recall)
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    times_ms.sort()
    median = times_ms[len(times_ms) // 2]
    p95 = times_ms[min(len(times_ms) - 1, int(len(times_ms) * 0.95))]
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), median, p95


def measure_korean_metadata() -> tuple[float, float]:
    """Share of Korean gold pages whose title (\\w+ tokens) and published time we get right."""
    titles = dates = total = 0
    for gold_path in sorted((DATA / "korean-pages").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        html = decode_page(gold_path.with_suffix(".html").read_bytes(), None).text
        article = extract_article(html, gold["url"])
        total += 1
        norm = [re.findall(r"\w+", normalize_text(t)) for t in (article.title, gold["title"])]
        titles += norm[0] == norm[1]
        published = datetime.fromisoformat(gold["published"])
        dates += article.published_at == published
    return titles / max(1, total), dates / max(1, total)


def method_of(html: str, url: str) -> str:
    """Name of the strategy our extractor used, or the error class when it declined."""
    try:
        return extract_article(html, url).method
    except NlpError as error:
        return type(error).__name__


def print_worst(pages: list[tuple[str, str, str]], count: int, peers: dict[str, Extractor]) -> None:
    """Print the count lowest-F1 pages for us with P/R, method, and the peers' F1."""
    rows = []
    for html, url, gold in pages:
        precision, recall = score_page(run_ours(html, url), gold)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((f1, precision, recall, url, html, gold))
    rows.sort(key=lambda row: row[0])
    for f1, precision, recall, url, html, gold in rows[:count]:
        peer_scores = []
        for name, extractor in peers.items():
            peer_p, peer_r = score_page(extractor(html, url), gold)
            peer_f1 = 2 * peer_p * peer_r / (peer_p + peer_r) if peer_p + peer_r else 0.0
            peer_scores.append(f"{name}={peer_f1:.2f}")
        line = f"  F1 {f1:.3f} P {precision:.3f} R {recall:.3f} {method_of(html, url):<16}"
        print(f"{line} {url} {' '.join(peer_scores)}")


def main() -> None:
    """Print one row per dataset and extractor, then our Korean title and date accuracy."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worst", type=int, default=0, help="list the N lowest-F1 pages")
    args = parser.parse_args()
    peers = load_trafilatura()
    extractors: dict[str, Extractor] = {"press-monitor": run_ours, **peers}
    header = f"{'dataset':<14} {'extractor':<16} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6}"
    print(f"{header} {'med ms':>7} {'p95 ms':>7}")
    for dataset, pages in load_sets().items():
        for name, extractor in extractors.items():
            p, r, f1, median, p95 = measure(extractor, pages)
            row = f"{dataset:<14} {name:<16} {len(pages):>5} {p:6.3f} {r:6.3f} {f1:6.3f}"
            print(f"{row} {median:7.1f} {p95:7.1f}")
        if args.worst:
            print(f"{dataset}: {args.worst} lowest-F1 pages for press-monitor")
            print_worst(pages, args.worst, {"traf": peers["trafilatura"]} if peers else {})
    title_share, date_share = measure_korean_metadata()
    print(f"korean-pages press-monitor: title accuracy {title_share:.2f}, date {date_share:.2f}")


if __name__ == "__main__":
    main()
