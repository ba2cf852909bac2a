"""Which outlet wrote a URL: the registry by domain, portal copies by Naver's office id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from monitor.config import OutletSpec, outlet_serving

__all__ = ["Outlet", "resolve_outlet"]

_NAVER_ARTICLE = re.compile(r"/(?:mnews/)?article/(\d{3})/\d+")
_HOST_PREFIXES = ("www.", "m.", "mobile.")


@dataclass(frozen=True)
class Outlet:
    """The outlet an article is counted under."""

    name: str | None
    domain: str | None
    tier: str | None


def _bare_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            return host[len(prefix) :]
    return host


def _naver_oid(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host.endswith("naver.com"):
        return None
    match = _NAVER_ARTICLE.search(parts.path)
    if match:
        return match.group(1)
    oid = parse_qs(parts.query).get("oid")
    return oid[0] if oid else None


def resolve_outlet(
    url: str,
    outlets: Sequence[OutletSpec],
    page_outlet: str | None = None,
    entry_outlet: str | None = None,
) -> Outlet:
    """The registry's outlet for `url` (portal copies by office id), else what the page says."""
    oid = _naver_oid(url)
    if oid is not None:
        for spec in outlets:
            if spec.naver_oid == oid:
                return Outlet(spec.name, spec.domain, spec.tier)
    host = _bare_host(url)
    best = outlet_serving(host, outlets)
    if best is not None:
        return Outlet(best.name, best.domain, best.tier)
    name = page_outlet or entry_outlet
    if name:
        # A search hit behind a redirect (Google News) names its outlet: the registry knows it.
        for spec in outlets:
            if spec.name == name.strip():
                return Outlet(spec.name, spec.domain, spec.tier)
    # A portal copy of an office missing from the registry still belongs to that office.
    owner = f"naver:{oid}" if oid is not None else (host or None)
    return Outlet(name.strip() if name else None, owner, None)
