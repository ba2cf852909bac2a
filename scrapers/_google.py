"""Google News RSS links: the publisher URL when the opaque token still embeds it."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

__all__ = [
    "google_news_token",
    "is_google_news_link",
    "resolve_google_news_link",
    "split_google_title",
]

# /rss/articles/{token}, /articles/{token} and /read/{token} name the same item.
_TOKEN = re.compile(r"^/(?:rss/|__i/rss/rd/)?(?:articles|read)/([A-Za-z0-9_-]{8,})")
_EMBEDDED_URL = re.compile(rb"https?://[\x21-\x7e]+")
_URL_FIELD_TAG = 0x22
# An outlet name is short; a longer tail after " - " is part of the headline itself.
_MAX_OUTLET_CHARS = 30  # protobuf field 4, length-delimited: the publisher URL (or, newer, an id)


def google_news_token(path: str) -> str | None:
    """The article token of a Google News link's path, if it has one."""
    match = _TOKEN.match(path)
    return match.group(1) if match else None


def is_google_news_link(url: str) -> bool:
    """Whether the URL is a Google News redirect token rather than a publisher's page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host.endswith("news.google.com") and google_news_token(parts.path) is not None


def resolve_google_news_link(url: str) -> str:
    """The publisher URL inside a Google News token, else the link unchanged.

    Tokens minted before mid-2024 ("CBMi…" with a URL inside) are base64 protobuf carrying the
    URL in clear; newer ones carry an opaque id ("CBMi…AU_yqL…") and stay Google links (the
    pipeline then keeps the feed's headline and outlet).
    """
    if not is_google_news_link(url):
        return url
    token = google_news_token(urlsplit(url).path)
    if token is None:
        return url
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return url
    found = _url_field(raw)
    if found is None:
        # Tokens that do not parse as the usual message may still hold a URL in clear.
        loose = _EMBEDDED_URL.search(raw)
        found = loose.group(0).split(b"\xd2", 1)[0] if loose else None
    if found is None or not found.startswith((b"http://", b"https://")):
        return url
    try:
        return found.decode("ascii")
    except UnicodeDecodeError:
        return url


def _url_field(raw: bytes) -> bytes | None:
    """The first length-delimited field 4 of the token's protobuf, read by its length."""
    position = raw.find(bytes([_URL_FIELD_TAG]))
    if position < 0 or position > 4:
        return None  # the field follows a short header (08 13 or 08 02); anything else is not it
    length, shift, index = 0, 0, position + 1
    while index < len(raw):
        byte = raw[index]
        length |= (byte & 0x7F) << shift
        index += 1
        if not byte & 0x80:
            break
        shift += 7
    else:
        return None
    value = raw[index : index + length]
    return value if len(value) == length else None


def split_google_title(title: str | None, source: str | None) -> tuple[str | None, str | None]:
    """A Google News headline without its " - 매체명" tail, and the outlet it names.

    The item's <source> wins: only its exact name is cut from the end. Without one, the last
    " - " tail is taken as the outlet when it is short enough to be a name.
    """
    if not title:
        return title, source
    text = " ".join(title.split())
    if source:
        name = " ".join(source.split())
        for separator in (" - ", " | ", " : "):
            if text.endswith(separator + name):
                return text[: -len(separator + name)].strip() or None, name
        return text, name
    head, separator, tail = text.rpartition(" - ")
    if separator and head.strip() and 0 < len(tail.strip()) <= _MAX_OUTLET_CHARS:
        return head.strip(), tail.strip()
    return text, None
