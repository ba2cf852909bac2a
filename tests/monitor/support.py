"""Shared by the CLI tests: a workspace of stored articles, and the demo site collected once."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.cli import main
from monitor.config import load_config
from monitor.demo.server import DemoSite, serve_demo_site
from monitor.pipeline import RunReport, run_once
from nlp.kiwi import Kiwi
from scrapers.fetch import Fetcher

# The demo's items are dated 2024-11-25 .. 2024-11-28; the collection runs that evening.
DEMO_CLOCK: Callable[[], datetime] = lambda: datetime.fromisoformat(  # noqa: E731
    "2024-11-28T18:00:00+09:00"
)


@dataclass(frozen=True)
class CollectedDemo:
    """The served demo site, the database one collection filled, and its config file."""

    site: DemoSite
    db_path: Path
    config_path: Path
    report: RunReport


@contextmanager
def serve_pages(pages: Mapping[str, bytes]) -> Iterator[str]:
    """Serve `pages` (path -> HTML) on 127.0.0.1, 404 elsewhere; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(404 if body is None else 200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def collect_demo(kiwi: Kiwi, folder: Path) -> Iterator[CollectedDemo]:
    """Serve the demo site and collect it once into `folder`; the site stays up until exit."""
    with serve_demo_site() as site:
        config_path = folder / "config.toml"
        config_path.write_text(site.config_text(str(folder / "demo.db")), encoding="utf-8")
        config = load_config(config_path)
        database = store.open_database(config.database_path)
        with Fetcher(config.fetch) as fetcher:
            report = run_once(
                config,
                database,
                fetcher=fetcher,
                analyser=Analyser(kiwi, config.entities, config.topics),
                clock=DEMO_CLOCK,
            )
        database.conn.close()
        yield CollectedDemo(site, config.database_path, config_path, report)


def copy_demo(collected: CollectedDemo, folder: Path) -> Path:
    """A copy of the collected database in `folder` with a config pointing at it (its path)."""
    db_path = folder / "demo.db"
    source, target = sqlite3.connect(collected.db_path), sqlite3.connect(db_path)
    source.backup(target)
    source.close()
    target.close()
    config_path = folder / "config.toml"
    config_path.write_text(collected.site.config_text(str(db_path)), encoding="utf-8")
    return config_path


class JsonCommands:
    """`json` on top of a subclass's `run` (one CLI command: exit code, stdout, stderr)."""

    def run(self, *argv: str) -> tuple[int, str, str]:
        raise NotImplementedError

    def json(self, *argv: str) -> Any:
        """The command's --json output, asserting it succeeded."""
        code, out, err = self.run(*argv, "--json")
        assert code == 0, err
        return json.loads(out)


@dataclass
class DemoCopy(JsonCommands):
    """A copy of the collected demo (copy_demo): its config, its database, CLI commands run
    against them at DEMO_CLOCK."""

    config_path: Path
    db: sqlite_utils.Database
    kiwi: Kiwi
    capsys: pytest.CaptureFixture[str]

    def run(self, *argv: str) -> tuple[int, str, str]:
        """One CLI command against the copy's config: (exit code, stdout, stderr)."""
        code = main(
            ["--config", str(self.config_path), *argv],
            environ={},
            clock=DEMO_CLOCK,
            kiwi=self.kiwi,
        )
        out, err = self.capsys.readouterr()
        return code, out, err


@dataclass
class CliWorkspace(JsonCommands):
    """A config folder and its database: store articles from a template, run commands."""

    folder: Path
    db: sqlite_utils.Database
    capsys: pytest.CaptureFixture[str]
    clock: Callable[[], datetime]
    base: store.ArticleRecord
    n: int = 0

    def add(self, **changes: Any) -> int:
        """Store one article (a fresh URL unless given); its id."""
        self.n += 1
        changes.setdefault("url", f"https://example.com/{self.n}")
        article_id, _ = store.save_article(self.db, replace(self.base, **changes), None, None)
        return article_id

    def run(self, *argv: str) -> tuple[int, str, str]:
        """One CLI command against this folder's config: (exit code, stdout, stderr)."""
        code = main(
            ["--config", str(self.folder / "config.toml"), *argv], environ={}, clock=self.clock
        )
        out, err = self.capsys.readouterr()
        return code, out, err
