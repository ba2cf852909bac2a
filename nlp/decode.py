"""Decode page bytes to text: header charset, BOM, in-document declaration, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from nlp._errors import DecodeError
from nlp._records import Decoded

__all__ = ["decode_page"]

# Korean legacy labels all decode as cp949, a superset of EUC-KR that real servers rely on.
_CP949_ALIASES = {
    "euc-kr",
    "euckr",
    "ks_c_5601-1987",
    "ks_c_5601",
    "x-windows-949",
    "windows-949",
    "cp949",
    "uhc",
    "ms949",
}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Latin-1 letters that appear when UTF-8 or EUC-KR Korean is mis-decoded as a Western codec.
_MOJIBAKE = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff]|[\u00b0-\u00ff]{3,}")


def _normalize_codec(label: str) -> str | None:
    """Map a declared charset label to a Python codec name, or None when unknown."""
    label = label.strip().lower()
    if label in _CP949_ALIASES:
        return "cp949"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_clean(text: str) -> bool:
    """Tell whether decoded text is free of replacement characters and Latin-1 mojibake."""
    if not text:
        return True
    bad = text.count("\ufffd") + len(_MOJIBAKE.findall(text))
    return bad <= max(2, len(text) // 2000)


def _try_codec(body: bytes, codec: str | None) -> str | None:
    """Decode strictly with one codec; None when it fails or yields mojibake."""
    if codec is None:
        return None
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    return text if _is_clean(text) else None


def decode_page(body: bytes, content_type: str | None) -> Decoded:
    """Return the page's text, trying each charset source best-first and rejecting mojibake."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            codec = _normalize_codec(match.group(1))
            text = _try_codec(body, codec)
            if text is not None and codec is not None:
                return Decoded(text=text, encoding=codec, method="header")
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _try_codec(body, codec)
            if text is not None:
                return Decoded(text=text, encoding=codec, method="bom")
    head = body[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        declared = pattern.search(head)
        if declared:
            codec = _normalize_codec(declared.group(1).decode("ascii", "replace"))
            text = _try_codec(body, codec)
            if text is not None and codec is not None:
                return Decoded(text=text, encoding=codec, method="meta")
    # Undeclared pages are usually UTF-8; strict UTF-8 success is near-certain proof.
    text = _try_codec(body, "utf-8")
    if text is not None:
        return Decoded(text=text, encoding="utf-8", method="detected")
    best = from_bytes(body).best()
    if best is None:
        raise DecodeError("no charset decodes the bytes")
    codec = _normalize_codec(best.encoding) or best.encoding
    # Detectors often name a Korean page EUC-KR; cp949 decodes the same bytes plus the extensions.
    for candidate in dict.fromkeys(
        (codec, "cp949") if codec in ("cp949", "euc_kr", "johab") else (codec,)
    ):
        text = _try_codec(body, candidate)
        if text is not None:
            return Decoded(text=text, encoding=candidate, method="detected")
    raise DecodeError(f"detected charset {best.encoding} yields mojibake or fails")
