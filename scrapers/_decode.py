"""Decode fetched XML/HTML bytes to text, trusting declared charsets only as far as they hold."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

__all__ = ["decode_markup", "utf8_xml_bytes"]

# Korean servers declare euc-kr (or its IANA aliases) but write cp949, its superset; decoding as
# strict euc-kr fails on the extra Hangul syllables, so every alias is read as cp949.
_CHARSET_ALIASES = {
    "euc-kr": "cp949",
    "euckr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "korean": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "ms949": "cp949",
    "uhc": "cp949",
}
# Charsets that decode any byte string, so a strict decode "succeeding" proves nothing; servers
# send them as a default far more often than as the truth.
_PERMISSIVE = frozenset({"latin_1", "iso8859-1", "cp1252", "ascii"})
_XML_DECL_RE = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)[\"']", re.I)
_META_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.I)
_XML_DECL_ENCODING_RE = re.compile(r"(<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _codec_name(label: str | None) -> str | None:
    """Python's codec name for a charset label (euc-kr aliases mapped to cp949), if known."""
    if not label:
        return None
    lowered = label.strip().strip("\"'").lower()
    lowered = _CHARSET_ALIASES.get(lowered, lowered)
    try:
        return codecs.lookup(lowered).name
    except LookupError:
        return None


def declared_charset(body: bytes) -> str | None:
    """The charset the document itself declares (XML declaration or <meta>), if any."""
    head = body[:4096]
    match = _XML_DECL_RE.search(head) or _META_RE.search(head)
    return match.group(1).decode("ascii") if match else None


def decode_markup(body: bytes, http_charset: str | None = None) -> str:
    """Decode an XML/HTML document: BOM, UTF-8, HTTP and declared charsets, then detection."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    candidates: list[str] = []
    # UTF-8 goes first: legacy Korean bytes practically never validate as UTF-8, while a site
    # that moved to UTF-8 often still sends its old euc-kr label (and UTF-8 Hangul can pass
    # as cp949 byte pairs).
    for label in ("utf-8", http_charset, declared_charset(body)):
        name = _codec_name(label)
        if name and name not in candidates:
            candidates.append(name)
    # A permissive charset would "succeed" on anything, so try the strict ones first.
    ordered = [c for c in candidates if c not in _PERMISSIVE] + [
        c for c in candidates if c in _PERMISSIVE
    ]
    for codec in ordered:
        if codec in _PERMISSIVE:
            break
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    best = from_bytes(body).best()
    if best is not None:
        return str(best)
    fallback = ordered[0] if ordered else "utf-8"
    return body.decode(fallback, errors="replace")


def utf8_xml_bytes(text: str) -> bytes:
    """Re-encode decoded XML as UTF-8 with its declaration saying so, for parsers that sniff."""
    return _XML_DECL_ENCODING_RE.sub(r"\1\2utf-8\2", text, count=1).encode("utf-8")
