"""The team's web page: today's digest, search, one article, tallies and the report, read-only.

Served by the standard library (ThreadingHTTPServer) on loopback. Every page reads the database
through the library functions the CLI uses, over a connection of its own opened per request with
`PRAGMA query_only`, so the page can never change what the team signs. Templates autoescape:
scraped text is always escaped, and only http(s) links to originals are emitted. No scripts at
all: the Content-Security-Policy allows none.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sqlite3
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jinja2
import sqlite_utils

import db as store
from db import StorageError
from monitor.config import Config, WebConfig
from monitor.digest import build_digest
from monitor.errors import MonitorError, UsageError
from monitor.health import collect_notices
from monitor.labels import (
    TIER_LABELS,
    TONE_LABELS,
    UNKNOWN_KEY,
    UNKNOWN_LABEL,
    medium_label,
    tier_label,
    tone_label,
    topic_labels,
)
from monitor.periods import Period, kst_day, parse_day, parse_period
from monitor.report import UNITS, build_report, write_report_xlsx
from monitor.search import QueryError, search_coverage
from monitor.tallies import (
    DIMENSION_LABELS,
    compute_tally,
    list_counted,
    render_tally,
    write_tally_xlsx,
)
from nlp.kiwi import Kiwi

__all__ = [
    "WebApp",
    "WebError",
    "WebResponse",
    "WebServer",
    "choose_address",
    "is_loopback",
    "open_web_server",
    "running_web_server",
]

Clock = Callable[[], datetime]

# No scripts, no frames, no plugins; styles only from our own stylesheet; forms only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # A click through to an outlet must not tell it what the team searched for.
    ("Referrer-Policy", "no-referrer"),
)
HTML = "text/html; charset=utf-8"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SEARCH_LIMIT = 50
MAX_SEARCH_LIMIT = 1000
_MAX_FIELDS = 30
_ARTICLE_PATH = re.compile(r"/article/([1-9][0-9]{0,18})")
_MAX_ID = 2**63 - 1
# Private-use characters mark a snippet's hits; the template turns them into <mark> after
# escaping the text between them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TONES = ("positive", "neutral", "negative")
_FORMAT_LABELS = {"csv": "CSV", "xlsx": "엑셀(xlsx)"}


class WebError(MonitorError):
    """A request the page cannot answer: its HTTP status and a message for the reader."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class WebResponse:
    """One answer: status, body and the headers beyond the security ones every answer carries."""

    status: int
    body: bytes
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Segment:
    """A piece of scraped text, marked (a hit or a mention) or not."""

    text: str
    mark: str | None = None  # the entity id of a mention, "hit" for a search hit


@dataclass(frozen=True)
class _Query:
    """A request's query parameters: known names only, each given at most once."""

    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()


def _read_query(query: str, allowed: Sequence[str]) -> _Query:
    try:
        pairs = parse_qsl(
            query, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS
        )
    except (ValueError, UnicodeDecodeError):
        raise WebError(400, "주소의 조건을 읽을 수 없습니다 (UTF-8이 아니거나 너무 많음)") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise WebError(400, f"알 수 없는 조건 {name!r} (가능: {', '.join(allowed)})")
        if name in values:
            raise WebError(400, f"조건 {name!r}가 두 번 있습니다")
        values[name] = value
    return _Query(values)


def _day(text: str, what: str) -> date:
    try:
        return parse_day(text)
    except UsageError:
        raise WebError(400, f"{what} 날짜 {text!r}를 읽을 수 없습니다: YYYY-MM-DD 형식") from None


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except UsageError as exc:
        raise WebError(400, f"기간을 읽을 수 없습니다: {exc}") from None


def http_link(url: str | None) -> str | None:
    """The URL when it is http(s), else None (a scraped `javascript:` or `data:` link)."""
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else None


def split_marked(snippet: str) -> list[Segment]:
    """A search snippet split at its hit marks."""
    out: list[Segment] = []
    for n, piece in enumerate(re.split(f"[{_OPEN}{_CLOSE}]", snippet)):
        if piece:
            out.append(Segment(piece, "hit" if n % 2 else None))
    return out


def mark_mentions(text: str, spans: Sequence[tuple[int, int, str, str]]) -> list[Segment]:
    """`text` split at its mentions (start, end, entity, mentioned text); a mention whose offsets
    no longer hold its text (a stale row) is skipped rather than marking the wrong words."""
    out: list[Segment] = []
    at = 0
    for start, end, entity, mentioned in sorted(spans):
        if start < at or start >= end or text[start:end] != mentioned:
            continue
        if start > at:
            out.append(Segment(text[at:start]))
        out.append(Segment(text[start:end], entity))
        at = end
    if at < len(text):
        out.append(Segment(text[at:]))
    return out


def paragraphs(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Segments regrouped into paragraphs at blank lines (the stored body's separator)."""
    result: list[list[Segment]] = [[]]
    for segment in segments:
        pieces = re.split(r"\n\s*\n", segment.text)
        for n, piece in enumerate(pieces):
            if n:
                result.append([])
            if piece:
                result[-1].append(Segment(piece, segment.mark))
    return [p for p in result if any(s.text.strip() for s in p)]


def is_loopback(host: str) -> bool:
    """Whether an address (or `localhost`) is only reachable from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def choose_address(web: WebConfig, host: str | None, port: int | None) -> tuple[str, int]:
    """Where to listen: --host/--port, else `[web]`. A non-loopback address only when --host
    names it, so a copied config file never opens the team's page to the network."""
    chosen_port = web.port if port is None else port
    where = "--port" if port is not None else "[web] port"
    if not 0 <= chosen_port <= 65535:
        raise UsageError(f"{where} {chosen_port} is not a TCP port (0-65535; 0 picks a free one)")
    if host is not None:
        if not host.strip():
            raise UsageError("--host must not be empty")
        return host.strip(), chosen_port
    if not is_loopback(web.host):
        raise UsageError(
            f"[web] host {web.host!r} is not a loopback address: give --host {web.host} to "
            "serve the page beyond this machine"
        )
    return web.host, chosen_port


class WebApp:
    """The pages: a request target in, a response out (no sockets: the server wraps this)."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock,
        kiwi: Callable[[], Kiwi],
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.config = config
        self.clock = clock
        self._kiwi = kiwi
        # Kiwi loads once (about a second) and analyses one query at a time.
        self._kiwi_lock = threading.Lock()
        self.log = log
        self.entity_names = {e.id: e.name for e in config.entities}
        self.topic_labels = topic_labels(config)
        self.outlet_names = list(dict.fromkeys(o.name for o in config.outlets))
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("monitor", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self._env.globals.update(
            {
                "href": http_link,
                "qs": lambda **params: urlencode({k: v for k, v in params.items() if v}),
                "entity_name": lambda e: self.entity_names.get(e, e) if e else UNKNOWN_LABEL,
                "topic_label": lambda t: self.topic_labels.get(t, t) if t else UNKNOWN_LABEL,
                "tier_label": tier_label,
                "tone_label": tone_label,
                "medium_label": medium_label,
                "when": _when,
                "signed": lambda n: f"+{n}" if n > 0 else ("±0" if n == 0 else str(n)),
                "units": UNITS,
            }
        )
        self._stylesheet = (Path(__file__).parent / "templates" / "web_style.css").read_bytes()

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _database(self) -> Iterator[sqlite_utils.Database]:
        """A connection for one request that cannot write (sqlite connections stay in their
        thread)."""
        try:
            conn = sqlite3.connect(str(self.config.database_path), timeout=10.0)
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {self.config.database_path}: {exc}") from None
        try:
            yield sqlite_utils.Database(conn)
        finally:
            conn.close()

    def _page(self, template: str, status: int = 200, **context: Any) -> WebResponse:
        context.setdefault("nav", "")
        context.setdefault("today", kst_day(self.clock()).isoformat())
        text = self._env.get_template(template).render(context)
        return WebResponse(status, text.encode("utf-8"))

    def error_page(self, status: int, message: str) -> WebResponse:
        """A page saying what went wrong, in one line."""
        phrase = HTTPStatus(status).phrase
        return self._page("web_error.html", status, code=status, phrase=phrase, message=message)

    def respond(self, target: str) -> WebResponse:
        """Answer one GET of `target` (path and query string)."""
        parts = urlsplit(target)
        path, query = parts.path, parts.query
        try:
            if path == "/static/web.css":
                _read_query(query, ())
                return WebResponse(
                    200,
                    self._stylesheet,
                    "text/css; charset=utf-8",
                    (("Cache-Control", "max-age=3600"),),
                )
            if path == "/":
                return self.digest_page(_read_query(query, ("date",)))
            if path == "/search":
                return self.search_page(_read_query(query, _SEARCH_FIELDS))
            if path == "/tally":
                return self.tally_page(_read_query(query, ("period", "by", "format")))
            if path == "/report":
                return self.report_page(_read_query(query, ("period", "format")))
            if m := _ARTICLE_PATH.fullmatch(path):
                _read_query(query, ())
                return self.article_page(int(m[1]))
            raise WebError(404, f"없는 페이지입니다: {path}")
        except WebError as exc:
            return self.error_page(exc.status, exc.message)
        except store.NotFound as exc:
            return self.error_page(404, str(exc))
        except UsageError as exc:
            return self.error_page(400, str(exc))
        except (StorageError, MonitorError) as exc:
            self.log(f"error: {target}: {exc}")
            return self.error_page(500, f"데이터베이스를 읽지 못했습니다: {exc}")

    # --- pages ------------------------------------------------------------------------------

    def digest_page(self, query: _Query) -> WebResponse:
        """`/`: the digest of one KST day (today by default) with the days around it."""
        today = kst_day(self.clock())
        day = _day(query.get("date"), "브리핑") if query.get("date") else today
        with self._database() as database:
            notices = collect_notices(
                database, self.clock, failing_runs=self.config.digest.failing_source_runs
            )
            digest = build_digest(
                database,
                day=day,
                notices=notices,
                entity_order=[e.id for e in self.config.entities],
            )
        return self._page(
            "web_digest.html",
            nav="digest",
            digest=digest,
            day=day.isoformat(),
            is_today=day == today,
            previous_day=(day - timedelta(days=1)).isoformat(),
            next_day=(day + timedelta(days=1)).isoformat(),
            excerpt_of=lambda story: " ".join(story.excerpt),
        )

    def search_page(self, query: _Query) -> WebResponse:
        """`/search`: ranked search with filters; a malformed query is a 400 page with the form."""
        form = {name: query.get(name) for name in _SEARCH_FIELDS}
        form["all"] = "1" if query.get("all") else ""
        filters = self._search_filters(form)
        limit = _search_limit(form["limit"])
        searched = bool(form["q"] or any(form[k] for k in _FILTER_FIELDS))
        context: dict[str, Any] = {
            "nav": "search",
            "form": form,
            "entities": self.config.entities,
            "topics": self.config.topics,
            "tiers": TIER_LABELS,
            "tones": TONE_LABELS,
            "outlets": self.outlet_names,
            "results": [],
            "searched": searched,
            "limit": limit,
            "more_limit": min(limit * 4, MAX_SEARCH_LIMIT),
            "message": None,
        }
        if not searched:
            return self._page("web_search.html", **context)
        try:
            with self._database() as database:
                if form["q"]:
                    with self._kiwi_lock:
                        found = search_coverage(
                            database, self._kiwi, form["q"], filters, limit, marks=(_OPEN, _CLOSE)
                        )
                else:
                    found = search_coverage(
                        database, self._kiwi, "", filters, limit, marks=(_OPEN, _CLOSE)
                    )
        except QueryError as exc:
            context["message"] = f"검색어를 읽을 수 없습니다: {exc}"
            return self._page("web_search.html", 400, **context)
        context["results"] = [
            {
                **row,
                "outlet_name": row["outlet"] or row["outlet_domain"] or "-",
                "segments": split_marked(row["snippet"]),
            }
            for row in found
        ]
        return self._page("web_search.html", **context)

    def _search_filters(self, form: Mapping[str, str]) -> store.SearchFilters:
        if form["entity"] and form["entity"] not in self.entity_names:
            raise WebError(400, f"설정에 없는 대상입니다: {form['entity']}")
        if form["topic"] and form["topic"] not in self.topic_labels:
            raise WebError(400, f"설정에 없는 주제입니다: {form['topic']}")
        if form["tier"] and form["tier"] not in TIER_LABELS:
            raise WebError(400, f"알 수 없는 매체 유형입니다: {form['tier']}")
        if form["tone"] and form["tone"] not in _TONES:
            raise WebError(400, f"알 수 없는 논조입니다: {form['tone']}")
        since = _day(form["since"], "시작") if form["since"] else None
        until = _day(form["until"], "끝") if form["until"] else None
        if since and until and until < since:
            raise WebError(400, f"끝 날짜({until})가 시작 날짜({since})보다 앞섭니다")
        everything = bool(form["all"])
        return store.SearchFilters(
            entity=form["entity"] or None,
            topic=form["topic"] or None,
            outlet=form["outlet"] or None,
            tier=form["tier"] or None,
            tone=form["tone"] or None,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            include_irrelevant=everything,
            include_press_releases=everything,
        )

    def article_page(self, article_id: int) -> WebResponse:
        """`/article/ID`: one stored article, its mentions marked, labels and story copies."""
        if article_id > _MAX_ID:
            raise WebError(404, f"no article with id {article_id}")
        with self._database() as database:
            try:
                row = store.get_article(database, article_id)
            except store.NotFound:
                raise WebError(404, f"기사 {article_id}번이 없습니다") from None
            mentions = store.article_mentions(database, article_id)
            copies = store.article_copies(database, article_id)
        by_field: dict[str, list[tuple[int, int, str, str]]] = {}
        for m in mentions:
            spans = by_field.setdefault(m["field"], [])
            spans.append((m["start"], m["end"], m["entity"], m["text"]))
        found: dict[str, list[str]] = {}
        for m in mentions:
            found.setdefault(m["entity"], []).append(m["text"])
        return self._page(
            "web_article.html",
            article=row,
            outlet_name=row["outlet"] or row["outlet_domain"] or "-",
            title_segments=mark_mentions(row["title"], by_field.get("title", [])),
            lead_paragraphs=paragraphs([Segment(row["lead"] or "")]),
            body_paragraphs=paragraphs(mark_mentions(row["body"] or "", by_field.get("body", []))),
            mentioned=[
                (entity, len(texts), list(dict.fromkeys(texts))) for entity, texts in found.items()
            ],
            labels=row["labels"],
            copies=copies,
        )

    def tally_page(self, query: _Query) -> WebResponse:
        """`/tally`: coverage counts for a period by one dimension; CSV or xlsx to download."""
        period_text = query.get("period") or self._this_month()
        period = _period(period_text)
        by = query.get("by") or "entity"
        if by not in store.TALLY_DIMENSIONS:
            known = ", ".join(DIMENSION_LABELS)
            raise WebError(400, f"알 수 없는 집계 기준 {by!r} (가능: {known})")
        fmt = query.get("format") or "html"
        if fmt not in ("html", "csv", "xlsx"):
            raise WebError(400, f"알 수 없는 형식 {fmt!r} (html, csv, xlsx)")
        with self._database() as database:
            tally = compute_tally(self.config, database, period, by)
            counted = list_counted(database, period) if fmt == "xlsx" else []
        name = f"tally-{by}-{period.start}_{period.end}"
        if fmt == "csv":
            # Excel on Korean Windows needs the BOM to read UTF-8.
            data = ("\ufeff" + render_tally(tally, "csv")).encode("utf-8")
            return WebResponse(200, data, CSV, _attachment(f"{name}.csv"))
        if fmt == "xlsx":
            data = _xlsx_bytes(lambda path: write_tally_xlsx(tally, counted, self.config, path))
            return WebResponse(200, data, XLSX, _attachment(f"{name}.xlsx"))
        return self._page(
            "web_tally.html",
            nav="tally",
            tally=tally,
            period_text=period_text,
            by=by,
            dimensions=DIMENSION_LABELS,
            formats=_FORMAT_LABELS,
            quick_periods=self._quick_periods(),
            row_filter=lambda key: _row_filter(by, key, period),
        )

    def report_page(self, query: _Query) -> WebResponse:
        """`/report`: the figures of a pledge-progress report, with the audit workbook."""
        period_text = query.get("period") or self._this_month()
        period = _period(period_text)
        fmt = query.get("format") or "html"
        if fmt not in ("html", "xlsx"):
            raise WebError(400, f"알 수 없는 형식 {fmt!r} (html, xlsx)")
        with self._database() as database:
            report = build_report(self.config, database, period, period_text)
        if fmt == "xlsx":
            data = _xlsx_bytes(lambda path: write_report_xlsx(report, self.config, path))
            return WebResponse(
                200, data, XLSX, _attachment(f"report-{period.start}_{period.end}.xlsx")
            )
        pickup_items = report.pickup_items
        return self._page(
            "web_report.html",
            nav="report",
            report=report,
            period_text=period_text,
            quick_periods=self._quick_periods(),
            pickup_articles=len(pickup_items),
            pickup_outlets=len({i.outlet for i in pickup_items}),
            share=f"{report.pickup_share * 100:.1f}%",
            tier_text=lambda tiers: ", ".join(f"{tier_label(k)} {n}건" for k, n in tiers),
        )

    def _this_month(self) -> str:
        today = kst_day(self.clock())
        return f"{today.year:04d}-{today.month:02d}"

    def _quick_periods(self) -> list[tuple[str, str]]:
        today = kst_day(self.clock())
        last_month = today.replace(day=1) - timedelta(days=1)
        half = 1 if today.month <= 6 else 2
        return [
            ("이번 달", f"{today:%Y-%m}"),
            ("지난 달", f"{last_month:%Y-%m}"),
            ("올해 반기", f"{today.year}H{half}"),
            ("올해", f"{today.year}"),
            ("작년", f"{today.year - 1}"),
        ]


_FILTER_FIELDS = ("entity", "topic", "outlet", "tier", "tone", "since", "until")
_SEARCH_FIELDS = ("q", *_FILTER_FIELDS, "all", "limit")


def _search_limit(text: str) -> int:
    if not text:
        return SEARCH_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_SEARCH_LIMIT:
        raise WebError(400, f"limit는 1에서 {MAX_SEARCH_LIMIT} 사이의 수입니다: {text!r}")
    return int(text)


def _row_filter(by: str, key: str, period: Period) -> dict[str, str] | None:
    """The search filters listing a tally row's articles (None: no search selects that row)."""
    if key == UNKNOWN_KEY:
        return None  # no filter selects a missing value
    span = {"since": period.start.isoformat(), "until": period.end.isoformat()}
    if by == "month":
        first = parse_day(f"{key}-01")
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return {
            "since": max(first, period.start).isoformat(),
            "until": min(last, period.end).isoformat(),
        }
    return {by: key, **span}


def _when(moment: str | None) -> str:
    """`2024-11-27 10:00` from an ISO timestamp (a date alone stays a date)."""
    if not moment:
        return "시각 미상"
    return moment[:16].replace("T", " ")


def _attachment(filename: str) -> tuple[tuple[str, str], ...]:
    return (("Content-Disposition", f'attachment; filename="{filename}"'),)


def _xlsx_bytes(write: Callable[[Path], None]) -> bytes:
    """A workbook written by `write` to a temporary file, as bytes (openpyxl saves to paths)."""
    with tempfile.TemporaryDirectory(prefix="monitor-web-") as folder:
        path = Path(folder) / "export.xlsx"
        write(path)
        return path.read_bytes()


# --- the HTTP server ------------------------------------------------------------------------------


class WebServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one address, answering with a WebApp."""

    daemon_threads = True

    def __init__(self, app: WebApp, host: str, port: int) -> None:
        self.app = app
        if ":" in host.strip("[]"):
            self.address_family = socket.AF_INET6
        self.loopback = is_loopback(host)
        super().__init__((host.strip("[]"), port), _Handler)

    @property
    def url(self) -> str:
        """The page's address as a browser opens it."""
        raw, port = self.server_address[:2]
        host = raw.decode() if isinstance(raw, bytes) else str(raw)
        shown = f"[{host}]" if ":" in host else host
        if shown in ("0.0.0.0", "[::]"):
            shown = socket.gethostname()
        return f"http://{shown}:{port}/"

    def host_allowed(self, header: str | None) -> bool:
        """Whether a Host header names this server: on loopback only loopback names, so a web
        page elsewhere cannot read ours through a DNS name rebound to 127.0.0.1."""
        if not self.loopback:
            return True
        if not header:
            return False
        port = self.server_address[1]
        name = header.strip().lower()
        return any(name in (loop, f"{loop}:{port}") for loop in ("127.0.0.1", "localhost", "[::1]"))


class _Handler(BaseHTTPRequestHandler):
    server: WebServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without this a kept-alive connection waits
    # for the peer's delayed ACK (about 40 ms) on every page.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "press-monitor"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _refuse_method(self) -> None:
        app = self.server.app
        self._send(app.error_page(405, "읽기 전용 페이지입니다: GET만 받습니다"), True, ("Allow",))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _answer(self, send_body: bool) -> None:
        app = self.server.app
        if not self.server.host_allowed(self.headers.get("Host")):
            response = app.error_page(400, "이 주소(Host)로는 열 수 없습니다: 127.0.0.1로 여세요")
        else:
            try:
                response = app.respond(self.path)
            except Exception as exc:
                # The boundary: one bad page is logged with its traceback and answered 500; the
                # server goes on serving the others.
                app.log(f"error: {self.path}: {exc}\n{traceback.format_exc()}")
                response = app.error_page(500, "페이지를 만들지 못했습니다 (서버 기록 참조)")
        self._send(response, send_body)

    def _send(self, response: WebResponse, send_body: bool, extra: tuple[str, ...] = ()) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in _SECURITY_HEADERS:
            self.send_header(name, value)
        if not any(name == "Cache-Control" for name, _ in response.headers):
            self.send_header("Cache-Control", "no-store")
        for name, value in response.headers:
            self.send_header(name, value)
        if "Allow" in extra:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.app.log(f"{self.address_string()} {format % args}")


def open_web_server(app: WebApp, host: str, port: int) -> WebServer:
    """Bind the page's server (port 0: a free one); a UsageError when the address is taken."""
    try:
        return WebServer(app, host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@contextmanager
def running_web_server(app: WebApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[WebServer]:
    """The server answering in a background thread for the duration of the block."""
    server = open_web_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, name="monitor-web", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
