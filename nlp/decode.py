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


def _western_chars(first: int, last: int) -> str:
    """Characters a Western codec (latin-1 or cp1252) gives the bytes first..last, escaped."""
    chars = {chr(byte) for byte in range(first, last + 1)}
    chars |= {bytes([byte]).decode("cp1252", "ignore") for byte in range(first, last + 1)}
    return "".join(re.escape(char) for char in sorted(chars - {""}))


# Every kind of Western-codec mojibake needs characters from U+0080-U+00FF.
_WESTERN_HIGH = re.compile("[-ÿ]")
# UTF-8 read as latin-1 or cp1252: a lead byte's letter ("Ã", "ì", "â") followed by exactly
# as many continuation-byte characters as it announces ("Ã©", "ì\x9d´", "â€™"). Legitimate
# Latin text ("ATENÇÃO", "ÓRGÃOS", "ação") pairs letters that are not continuation bytes.
_CONTINUATION = f"[{_western_chars(0x80, 0xBF)}]"
_UTF8_AS_WESTERN = re.compile(
    f"[\u00c2-\u00df]{_CONTINUATION}|[\u00e0-\u00ef]{_CONTINUATION}{{2}}"
    f"|[\u00f0-\u00f4]{_CONTINUATION}{{3}}"
)
# EUC-KR read as latin-1: every Hangul syllable is two bytes 0xA1-0xFE, so Korean words turn
# into long runs of such characters; Western words rarely have two accented letters in a row.
_WESTERN_HIGH = re.compile("[\u0080-\u00ff]")
_EUCKR_AS_WESTERN = re.compile("[\u00a1-\u00fe]{4,}")


def _normalize_codec(label: str) -> str | None:
    """Map a declared charset label to a Python codec name, or None when unknown."""
    label = label.strip().lower()
    if label in _CP949_ALIASES:
        return "cp949"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_utf8_as_western(chars: str) -> bool:
    """Tell whether characters re-encoded as latin-1/cp1252 bytes are valid UTF-8."""
    raw = bytearray()
    for char in chars:
        try:
            raw += char.encode("latin-1")
        except UnicodeEncodeError:
            raw += char.encode("cp1252")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _count_mojibake(text: str) -> int:
    """Replacement characters plus sequences only a wrong codec produces."""
    # A cheap test first: mojibake of either kind needs characters from U+0080-U+00FF.
    bad = text.count("\ufffd")
    if _WESTERN_HIGH.search(text) is None:
        return bad
    bad += sum(1 for match in _UTF8_AS_WESTERN.finditer(text) if _is_utf8_as_western(match[0]))
    # A run of one repeated character ("····", "»»»»") is decoration, not a word.
    bad += sum(1 for match in _EUCKR_AS_WESTERN.finditer(text) if len(set(match[0])) > 1)
    return bad


def _is_clean(text: str) -> bool:
    """Tell whether decoded text is free of replacement characters and codec mojibake."""
    if not text:
        return True
    return _count_mojibake(text) <= max(2, len(text) // 2000)


def _try_codec(body: bytes, codec: str | None) -> str | None:
    """Decode strictly with one codec; None when it fails or yields mojibake."""
    if codec is None:
        return None
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    return text if _is_clean(text) else None


def _is_utf8(body: bytes) -> bool:
    """Tell whether the bytes are strictly valid UTF-8."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
    if _is_utf8(body):
        # Valid UTF-8 that still reads as mojibake was damaged before it was saved (text
        # decoded with the wrong codec, or with replacement characters, then re-encoded);
        # a single-byte codec would only turn it into different mojibake.
        raise DecodeError("valid UTF-8 holding mojibake or replacement characters")
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
