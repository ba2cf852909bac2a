"""Google News RSS links: the publisher URL when the opaque token still embeds it."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

__all__ = ["is_google_news_link", "resolve_google_news_link"]

_TOKEN = re.compile(r"/(?:rss/)?articles/([A-Za-z0-9_-]+)")
_EMBEDDED_URL = re.compile(rb"https?://[\x21-\x7e]+")


def is_google_news_link(url: str) -> bool:
    """Whether the URL is a Google News redirect token rather than a publisher's page."""
    parts = urlsplit(url)
    return (parts.hostname or "").endswith("news.google.com") and bool(_TOKEN.search(parts.path))


def resolve_google_news_link(url: str) -> str:
    """The publisher URL inside a Google News token, else the link unchanged.

    Tokens minted before mid-2024 ("CBMi…") are base64 protobuf carrying the URL in clear; newer
    ones are opaque and stay Google links (the pipeline then keeps the feed's headline).
    """
    if not is_google_news_link(url):
        return url
    match = _TOKEN.search(urlsplit(url).path)
    if match is None:
        return url
    token = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return url
    found = _EMBEDDED_URL.search(raw)
    if found is None:
        return url
    # The protobuf may append a second field (an AMP URL) after a length byte; keep the first URL.
    candidate = found.group(0).split(b"\xd2", 1)[0]
    try:
        return candidate.decode("ascii")
    except UnicodeDecodeError:
        return url
