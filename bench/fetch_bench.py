"""Benchmark the fetcher on a loopback site of 20 hosts and 2,000 Korean article pages.

The server runs in its own process (20 listening ports, so 20 hosts to the fetcher); each case
runs in a fresh process so its peak memory is its own. Per case: pages per second, peak RSS, and
requests per host per second as the server saw them (the fastest any one host was hit, and the
shortest gap between two requests to one host). Politeness at its defaults (one request at a
time per host, 1 s apart, concurrency 4) is measured on a subset, because 2,000 pages at 1 s per
host take minutes by design; the zero-delay cases fetch all 2,000. The peer row is bare httpx
(no robots.txt, no politeness, no limits) on the same threads: the ceiling of this machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from scrapers import FetchError, FetchSettings  # noqa: E402
from scrapers.fetch import Fetcher  # noqa: E402

PARAGRAPH = (
    "고양특례시는 일산테크노밸리에 바이오 정밀의료 클러스터를 조성하기 위해 국립암센터, "
    "룩셈부르크 고양보건연구소와 협력하고 있다고 밝혔다. "
    "시 관계자는 입주 기업 지원을 늘리겠다고 했다. "
)


def _page(host: int, number: int) -> bytes:
    """A ~40 kB article page with menus and sidebars, like a Korean outlet's."""
    menu = "".join(f"<li><a href='/section/{i}'>섹션 {i}</a></li>" for i in range(60))
    body = "".join(f"<p>{PARAGRAPH * 2} ({number}-{i})</p>" for i in range(30))
    side = "".join(f"<li><a href='/news/{i}'>많이 본 뉴스 {i}</a></li>" for i in range(40))
    return (
        f"<html><head><meta charset='utf-8'><title>기사 {host}-{number}</title></head><body>"
        f"<ul class='menu'>{menu}</ul><article><h1>기사 {host}-{number}</h1>{body}</article>"
        f"<ul class='popular'>{side}</ul></body></html>"
    ).encode()


def serve(ports: Any, hosts: int, pages: int) -> None:
    """The server process: one threaded HTTP/1.1 server per host port, logging request times."""
    log: dict[int, list[float]] = {}
    lock = threading.Lock()
    bodies = {n: _page(0, n) for n in range(pages)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            port = self.server.server_address[1]
            if self.path == "/__stats":
                with lock:
                    payload = json.dumps({str(k): v for k, v in log.items()}).encode()
                    log.clear()
                return self._send(200, "application/json", payload)
            if self.path == "/robots.txt":
                return self._send(200, "text/plain", b"User-agent: *\nAllow: /\n")
            with lock:
                log.setdefault(port, []).append(time.monotonic())
            number = int(self.path.rsplit("/", 1)[-1]) if self.path[-1].isdigit() else -1
            body = bodies.get(number)
            if body is None:
                return self._send(404, "text/plain", b"not found")
            return self._send(200, "text/html; charset=utf-8", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(hosts)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports.put([s.server_address[1] for s in servers])
    threading.Event().wait()  # until the parent terminates this process


@dataclass(frozen=True)
class Case:
    """One measured configuration."""

    label: str
    pages_per_host: int
    delay_s: float
    concurrency: int
    bare: bool = False


def run_case(case: Case, ports: list[int], result: Any) -> None:
    """In a fresh process: fetch the case's pages in feed order (host by host) and report."""
    urls = [
        f"http://127.0.0.1:{port}/news/{n}" for port in ports for n in range(case.pages_per_host)
    ]
    started = time.perf_counter()
    ok = failed = 0
    if case.bare:
        # Hosts taken in turn, as the fetcher takes them, so only the politeness differs.
        turns = [u for n in range(case.pages_per_host) for u in urls[n :: case.pages_per_host]]
        with httpx.Client() as client, ThreadPoolExecutor(case.concurrency) as pool:
            for response in pool.map(client.get, turns):
                ok += response.status_code == 200
                failed += response.status_code != 200
    else:
        settings = FetchSettings(per_host_delay_s=case.delay_s, concurrency=case.concurrency)
        with Fetcher(settings) as fetcher:
            for _url, outcome in fetcher.fetch_many(urls):
                failed += isinstance(outcome, FetchError)
                ok += not isinstance(outcome, FetchError)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result.update({"ok": ok, "failed": failed, "elapsed_s": elapsed, "peak_mib": peak_kib / 1024})


def host_rates(log: dict[str, list[float]]) -> tuple[float, float]:
    """The highest requests-per-second any host saw (over its own active span) and the
    shortest gap between two requests to one host."""
    best_rate, min_gap = 0.0, float("inf")
    for times in log.values():
        times = sorted(times)
        if len(times) < 2:
            continue
        span = times[-1] - times[0]
        best_rate = max(best_rate, (len(times) - 1) / span if span > 0 else float("inf"))
        min_gap = min(min_gap, min(b - a for a, b in itertools.pairwise(times)))
    return best_rate, min_gap


def main() -> int:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=2000, help="pages in the zero-delay cases")
    parser.add_argument(
        "--polite-pages", type=int, default=200, help="pages in the default-politeness case"
    )
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    manager = context.Manager()
    ports = context.Queue()
    server = context.Process(target=serve, args=(ports, args.hosts, args.pages), daemon=True)
    server.start()
    port_list: list[int] = ports.get(timeout=60)
    defaults = FetchSettings()
    per_host = max(1, args.pages // args.hosts)
    polite_per_host = max(1, args.polite_pages // args.hosts)
    cases = [
        Case(
            f"defaults: delay {defaults.per_host_delay_s:g} s, concurrency {defaults.concurrency}",
            polite_per_host,
            defaults.per_host_delay_s,
            defaults.concurrency,
        ),
        Case(
            f"zero delay, concurrency {defaults.concurrency}", per_host, 0.0, defaults.concurrency
        ),
        Case("zero delay, concurrency 16", per_host, 0.0, 16),
        Case(f"peer: bare httpx, {defaults.concurrency} threads", per_host, 0.0, 4, bare=True),
    ]
    print(
        f"fetch benchmark: {args.hosts} loopback hosts, ~40 kB Korean article pages, "
        f"robots.txt served (and cached) per host"
    )
    print(
        f"default politeness is measured on {polite_per_host * args.hosts} pages "
        f"({polite_per_host} per host): at 1 request per host per second, "
        f"{per_host * args.hosts} pages would take >= {per_host} s by design\n"
    )
    header = (
        f"{'case':<36} {'pages':>6} {'failed':>6} {'time s':>7} {'pages/s':>8} "
        f"{'peak MiB':>8} {'max req/s/host':>14} {'min gap s':>9}"
    )
    print(header)
    print("-" * len(header))
    stats_url = f"http://127.0.0.1:{port_list[0]}/__stats"
    for case in cases:
        httpx.get(stats_url)  # clear the server's log
        result = manager.dict()
        process = context.Process(target=run_case, args=(case, port_list, result))
        process.start()
        process.join()
        log = httpx.get(stats_url).json()
        rate, gap = host_rates(log)
        pages = result["ok"] + result["failed"]
        print(
            f"{case.label:<36} {pages:>6} {result['failed']:>6} {result['elapsed_s']:>7.1f} "
            f"{pages / result['elapsed_s']:>8.1f} {result['peak_mib']:>8.0f} "
            f"{rate:>14.2f} {gap:>9.3f}"
        )
    server.terminate()
    manager.shutdown()
    print(
        "\npages/s: whole fetch_many call; peak MiB: the fetching process's peak RSS (Python "
        "and httpx included);\nmax req/s/host: the busiest host's request rate over its "
        "active span; min gap: the shortest time between two requests to one host."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
