"""URL canonicalisation so the same article found twice gets one key.

The rules, applied before an entry is stored and before a page is fetched:
- scheme and host lower-cased, default ports, fragments and tracking parameters dropped,
  the remaining query parameters sorted;
- a site's mobile host is the same site as its `www.` host: `m.` or `mobile.` directly under a
  registrable domain (m.yna.co.kr, mobile.newsis.com) becomes `www.` (www.yna.co.kr). Deeper
  hosts (m.sports.naver.com, m.news.kbs.co.kr) are other sites and stay as they are; the fetcher
  keeps the form it was given as a fallback for sites whose mobile paths differ;
- Naver portal copies take the one `n.news.naver.com/mnews/article/{oid}/{aid}` form;
- Google News links resolve to the publisher's URL when the token embeds it, else take the one
  `news.google.com/rss/articles/{token}` form (the `/articles/` and `/read/` forms and any
  query parameters collapse into it).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapers._errors import FetchError
from scrapers._google import google_news_token, resolve_google_news_link

__all__ = ["canonicalize_url", "registrable_domain", "scheme_twin"]

_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "ref", "from", "igshid", "mc_cid", "mc_eid", "yclid", "_ga", "cmpid"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MOBILE_PREFIXES = ("m.", "mobile.")
# Second-level labels under a country code that are registries, not sites: co.kr, go.kr,
# or.kr, com.cn, co.uk ... (a small public-suffix rule that covers the Korean web's hosts).
_SECOND_LEVEL = frozenset(
    {"co", "or", "go", "ne", "re", "pe", "ac", "hs", "ms", "es", "sc", "kg", "mil"}
    | {"com", "net", "org", "gov", "edu"}
)
_NAVER_NEWS_HOSTS = frozenset({"news.naver.com", "n.news.naver.com", "m.news.naver.com"})


def _is_tracking(name: str) -> bool:
    """Whether a query parameter only tracks the visitor and never selects content."""
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def registrable_domain(host: str) -> str:
    """The part of a host a site registers: yna.co.kr for www.yna.co.kr, naver.com for
    m.sports.naver.com."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _same_site_host(host: str) -> str:
    """The `www.` host for a mobile host directly under a registrable domain, else `host`."""
    if host.replace(".", "").isdigit() or ":" in host:
        return host  # an IP address has no mobile twin
    for prefix in _MOBILE_PREFIXES:
        rest = host[len(prefix) :]
        if host.startswith(prefix) and "." in rest and registrable_domain(rest) == rest:
            return "www." + rest
    return host


def scheme_twin(url: str) -> str | None:
    """The same address under the other scheme (http <-> https); None for any other URL."""
    for scheme, other in (("http://", "https://"), ("https://", "http://")):
        if url.startswith(scheme):
            return other + url[len(scheme) :]
    return None


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return one stable form of an article URL (resolving it against `base` when relative)."""
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
        port = parts.port
        host = (parts.hostname or "").lower().rstrip(".")
        if host:
            host.encode("idna")  # a label that cannot go on the wire (a..b) fails here, not later
    except (ValueError, UnicodeError):
        raise FetchError(url, "malformed URL") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchError(url, "unsupported scheme")
    if not host:
        raise FetchError(url, "no host")
    if host == "news.google.com":
        token = google_news_token(parts.path)
        if token is not None:
            resolved = resolve_google_news_link(absolute)
            if resolved != absolute:
                return canonicalize_url(resolved)
            return f"https://news.google.com/rss/articles/{token}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    # Naver serves one article under several addresses; map them all to the mnews form.
    if host in _NAVER_NEWS_HOSTS:
        segments = [s for s in parts.path.split("/") if s]
        params = dict(query)
        if len(segments) >= 4 and segments[-4:-2] == ["mnews", "article"]:
            return f"https://n.news.naver.com/mnews/article/{segments[-2]}/{segments[-1]}"
        if len(segments) >= 3 and segments[0] == "article" and segments[1].isdigit():
            return f"https://n.news.naver.com/mnews/article/{segments[1]}/{segments[2]}"
        if "oid" in params and "aid" in params:
            return f"https://n.news.naver.com/mnews/article/{params['oid']}/{params['aid']}"
    host = _same_site_host(host)
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal goes back into brackets
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))
