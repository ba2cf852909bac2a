"""URL canonicalisation so the same article found twice gets one key."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapers._errors import FetchError

__all__ = ["canonicalize_url"]

_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "ref", "from", "igshid", "mc_cid", "mc_eid", "yclid", "_ga", "cmpid"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    """Whether a query parameter only tracks the visitor and never selects content."""
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return one stable form of an article URL (resolving it against `base` when relative)."""
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
        port = parts.port
        host = (parts.hostname or "").lower()
        if host:
            host.encode("idna")  # a label that cannot go on the wire (a..b) fails here, not later
    except (ValueError, UnicodeError):
        raise FetchError(url, "malformed URL") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchError(url, "unsupported scheme")
    if not host:
        raise FetchError(url, "no host")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    # Naver serves one article under several addresses; map them all to the mnews form.
    if host in {"news.naver.com", "n.news.naver.com", "m.news.naver.com"}:
        segments = [s for s in parts.path.split("/") if s]
        params = dict(query)
        if len(segments) >= 4 and segments[-4:-2] == ["mnews", "article"]:
            return f"https://n.news.naver.com/mnews/article/{segments[-2]}/{segments[-1]}"
        if len(segments) >= 3 and segments[0] == "article" and segments[1].isdigit():
            return f"https://n.news.naver.com/mnews/article/{segments[1]}/{segments[2]}"
        if "oid" in params and "aid" in params:
            return f"https://n.news.naver.com/mnews/article/{params['oid']}/{params['aid']}"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))
