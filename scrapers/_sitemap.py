"""The sitemap source: sitemap indexes and (news) url sets turned into candidate entries."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from scrapers._decode import decode_markup, utf8_xml_bytes
from scrapers._errors import FetchError, SourceError, SourceSkipped
from scrapers._records import BackfillStep, FeedEntry, Fetched, SourceResult, SourceSpec
from scrapers.fetch import Fetcher
from scrapers.urls import canonicalize_url

__all__ = ["collect_sitemap", "parse_w3c_datetime", "walk_sitemap"]

KST = ZoneInfo("Asia/Seoul")
MAX_CHILD_SITEMAPS = 20
_MAX_DEPTH = 2  # an index of indexes is the deepest real sites go
_MAX_GUNZIP_BYTES = 50_000_000
_DAY = timedelta(days=1)
_COMPACT_OFFSET_RE = re.compile(r"([+-]\d\d)(\d\d)$")


@dataclass(frozen=True)
class _Child:
    """One <sitemap> entry of an index."""

    url: str
    lastmod: datetime | None


def collect_sitemap(spec: SourceSpec, fetcher: Fetcher, *, since: datetime | None) -> SourceResult:
    """Read a sitemap (or sitemap index, bounded) into entries newer than `since`."""
    if not spec.url:
        raise SourceSkipped(spec.name, "no url configured")
    entries: dict[str, FeedEntry] = {}
    problems: list[tuple[str, str]] = []
    root = _fetch_root(spec, fetcher, spec.url, conditional=True)
    if root is None:
        return SourceResult(spec.name, (), not_modified=True)
    visited = {canonicalize_url(spec.url)}
    _walk(spec, fetcher, spec.url, root, since, entries, problems, visited, depth=0)
    return SourceResult(spec.name, tuple(entries.values()), tuple(problems))


def _walk(
    spec: SourceSpec,
    fetcher: Fetcher,
    url: str,
    root: ET.Element,
    since: datetime | None,
    entries: dict[str, FeedEntry],
    problems: list[tuple[str, str]],
    visited: set[str],
    *,
    depth: int,
) -> None:
    """Collect a url set's entries, or recurse into an index's most recent children."""
    kind = _local(root.tag)
    if kind == "urlset":
        _collect_urlset(spec, url, root, since, entries, problems)
        return
    if kind != "sitemapindex":
        problems.append((url, f"not a sitemap (root element <{kind}>)"))
        return
    if depth >= _MAX_DEPTH:
        problems.append((url, "sitemap index nested too deeply"))
        return
    children = _index_children(url, root, problems)
    if since is not None:
        # A day of slack: a date-only lastmod reads as midnight yet covers the whole day.
        children = [c for c in children if c.lastmod is None or c.lastmod + _DAY > since]
    # Most recent first; undated children keep document order after the dated ones.
    dated = sorted(
        (c for c in children if c.lastmod is not None),
        key=lambda c: c.lastmod or since or datetime.now(KST),
        reverse=True,
    )
    undated = [c for c in children if c.lastmod is None]
    for child in (dated + undated)[:MAX_CHILD_SITEMAPS]:
        if child.url in visited:
            continue
        visited.add(child.url)
        try:
            child_root = _fetch_root(spec, fetcher, child.url, conditional=True)
        except SourceError as error:
            problems.append((child.url, error.reason))
            continue
        if child_root is None:
            continue  # not modified since the last clean run read it
        _walk(
            spec, fetcher, child.url, child_root, since, entries, problems, visited, depth=depth + 1
        )


def walk_sitemap(
    spec: SourceSpec, fetcher: Fetcher, *, since: datetime, position: Mapping[str, Any]
) -> Iterator[BackfillStep]:
    """Backfill: one step per leaf sitemap (a <urlset>), newest `lastmod` first, walking indexes
    and indexes of indexes without the everyday cap on children; a child last modified before
    `since` is skipped unread, and so is one stored by an earlier walk (the cursor lists them).

    A leaf that cannot be read is yielded as a failed step and left out of the cursor, so the
    next walk retries it; the walk ends `final` only when every leaf it found was stored.
    """
    if not spec.url:
        raise SourceSkipped(spec.name, "no url configured")
    done = position.get("done", [])
    if not isinstance(done, list) or not all(isinstance(u, str) for u in done):
        raise SourceError(spec.name, f"bad stored backfill position {dict(position)!r}")
    return _walk_leaves(spec, fetcher, since, spec.url, list(done))


def _walk_leaves(
    spec: SourceSpec, fetcher: Fetcher, since: datetime, url: str, done: list[str]
) -> Iterator[BackfillStep]:
    """The steps of `walk_sitemap`, each leaf fetched only when the caller asks for it."""
    root_url = canonicalize_url(url)
    stored = set(done)
    if root_url in stored:
        yield _notice(spec, done, final=True)
        return
    root = _fetch_root(spec, fetcher, url)
    pending: list[tuple[_Child, ET.Element | None, int]] = [(_Child(root_url, None), root, 0)]
    failed = 0
    while pending:
        child, node, depth = pending.pop()
        if child.url in stored:
            continue
        if node is None:
            try:
                node = _fetch_root(spec, fetcher, child.url)
            except SourceError as error:
                failed += 1
                yield _progress(spec, child.url, done, pending, None, error=error.reason)
                continue
        kind = _local(node.tag)
        if kind == "sitemapindex" and depth < _MAX_DEPTH:
            problems: list[tuple[str, str]] = []
            children = [
                c
                for c in _index_children(child.url, node, problems)
                if c.lastmod is None or c.lastmod + _DAY > since
            ]
            # Oldest pushed first so the newest is taken next; undated ones come last.
            children.sort(key=lambda c: (c.lastmod is not None, c.lastmod or since))
            pending += [(c, None, depth + 1) for c in children if c.url not in stored]
            if problems:
                result = SourceResult(spec.name, (), tuple(problems))
                yield _progress(spec, child.url, done, pending, result)
            continue
        entries: dict[str, FeedEntry] = {}
        problems = []
        if kind == "urlset":
            _collect_urlset(spec, child.url, node, since, entries, problems)
        elif kind == "sitemapindex":
            problems.append((child.url, "sitemap index nested too deeply"))
        else:
            problems.append((child.url, f"not a sitemap (root element <{kind}>)"))
        stored.add(child.url)
        done.append(child.url)
        result = SourceResult(spec.name, tuple(entries.values()), tuple(problems))
        yield _progress(spec, child.url, done, pending, result)
    yield _notice(spec, done, final=failed == 0)


def _walk_cursor(done: list[str]) -> str:
    """The stored position of a sitemap walk: the leaf sitemaps already stored."""
    return json.dumps({"kind": "sitemap", "done": done}, separators=(",", ":"))


def _progress(
    spec: SourceSpec,
    url: str,
    done: list[str],
    pending: list[tuple[_Child, ET.Element | None, int]],
    result: SourceResult | None,
    *,
    error: str | None = None,
) -> BackfillStep:
    """A step for one sitemap read (or failed), with leaves stored out of leaves known."""
    return BackfillStep(
        spec.name,
        url,
        _walk_cursor(done),
        result,
        error=error,
        units_done=len(done),
        units_total=len(done) + len(pending) + (error is not None),
    )


def _notice(spec: SourceSpec, done: list[str], *, final: bool) -> BackfillStep:
    """The closing step of a walk: no window read, the walk finished (or leaves to retry)."""
    return BackfillStep(
        spec.name,
        "every sitemap read" if final else "sitemaps left to retry",
        _walk_cursor(done),
        None,
        units_done=len(done),
        units_total=len(done),
        final=final,
    )


def _index_children(url: str, root: ET.Element, problems: list[tuple[str, str]]) -> list[_Child]:
    """The <sitemap> children of an index with their canonical URLs and lastmod."""
    children: list[_Child] = []
    for node in root:
        if _local(node.tag) != "sitemap":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        try:
            canonical = canonicalize_url(loc, url)
        except FetchError as error:
            problems.append((loc, error.reason))
            continue
        children.append(_Child(canonical, parse_w3c_datetime(_child_text(node, "lastmod"))))
    return children


def _collect_urlset(
    spec: SourceSpec,
    url: str,
    root: ET.Element,
    since: datetime | None,
    entries: dict[str, FeedEntry],
    problems: list[tuple[str, str]],
) -> None:
    """Add a <urlset>'s entries (news:title, news:publication_date or lastmod) to `entries`."""
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        try:
            canonical = canonicalize_url(loc, url)
        except FetchError as error:
            problems.append((loc, error.reason))
            continue
        news = _child(node, "news")
        title = _child_text(news, "title") if news is not None else None
        raw_date = _child_text(news, "publication_date") or _child_text(node, "lastmod")
        published = parse_w3c_datetime(raw_date)
        outlet = spec.outlet
        publication = _child(news, "publication") if news is not None else None
        if outlet is None and publication is not None:
            outlet = _child_text(publication, "name")
        if since is not None and published is not None:
            # A date-only value covers its whole day, so only earlier days are cut off.
            date_only = "T" not in (raw_date or "") and ":" not in (raw_date or "")
            if (published + _DAY if date_only else published) < since:
                continue
        if canonical in entries:
            continue
        entries[canonical] = FeedEntry(
            url=canonical,
            source=spec.name,
            title=title,
            published_at=published,
            outlet=outlet,
            role=spec.role,
        )


@overload
def _fetch_root(
    spec: SourceSpec, fetcher: Fetcher, url: str, *, conditional: Literal[False] = False
) -> ET.Element: ...


@overload
def _fetch_root(
    spec: SourceSpec, fetcher: Fetcher, url: str, *, conditional: Literal[True]
) -> ET.Element | None: ...


def _fetch_root(
    spec: SourceSpec, fetcher: Fetcher, url: str, *, conditional: bool = False
) -> ET.Element | None:
    """Fetch and parse one sitemap document; SourceError when it cannot be fetched or parsed.

    With `conditional`, a url set is revalidated like a feed (ETag / Last-Modified, trusted
    only after a clean run of the source) and None means it has not changed. An index is
    always read in full: a child sitemap can change while the index listing it stays the same.
    """
    try:
        fetched = fetcher.fetch(url, feed_of=spec.name if conditional else None)
    except FetchError as error:
        raise SourceError(spec.name, error.reason) from error
    if fetched.status == 304:
        return None
    root = _parse_root(spec, fetched)
    validated = fetched.headers.get("etag") or fetched.headers.get("last-modified")
    if conditional and validated and _local(root.tag) == "sitemapindex":
        fetcher.state.save_feed_validators(url, spec.name, None, None)
    return root


def _parse_root(spec: SourceSpec, fetched: Fetched) -> ET.Element:
    """Parse a fetched sitemap document (gzipped or not, in whatever encoding it came)."""
    body = fetched.body
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(spec, body)
    # expat knows no euc-kr/cp949, and Korean servers mislabel them: decode first, hand it UTF-8.
    text = decode_markup(body, None if body is not fetched.body else fetched.charset)
    try:
        return ET.fromstring(utf8_xml_bytes(text))
    except ET.ParseError as error:
        raise SourceError(spec.name, f"malformed sitemap XML: {error}") from error


def _gunzip(spec: SourceSpec, body: bytes) -> bytes:
    """Decompress a .xml.gz sitemap, refusing to inflate past a fixed cap (gzip bombs)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, _MAX_GUNZIP_BYTES)
    except zlib.error as error:
        raise SourceError(spec.name, f"corrupt gzip sitemap: {error}") from error
    if inflater.unconsumed_tail:
        raise SourceError(spec.name, f"gzip sitemap too large (>{_MAX_GUNZIP_BYTES} bytes)")
    return data


def _local(tag: str) -> str:
    """An element's name without its namespace (sitemaps use several namespace URIs)."""
    return tag.rsplit("}", 1)[-1].lower()


def _child(node: ET.Element | None, name: str) -> ET.Element | None:
    """The first direct child with this local name."""
    if node is None:
        return None
    for child in node:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(node: ET.Element | None, name: str) -> str | None:
    """The stripped text of the first direct child with this local name, if non-empty."""
    child = _child(node, name)
    text = (child.text or "").strip() if child is not None else ""
    return text or None


def parse_w3c_datetime(raw: str | None) -> datetime | None:
    """Parse a W3C datetime (date, or date-time with optional zone) as aware; naive means KST."""
    if not raw:
        return None
    text = raw.strip().replace(" ", "T", 1) if "T" not in raw else raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _COMPACT_OFFSET_RE.sub(r"\1:\2", text) if "T" in text else text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=KST)
