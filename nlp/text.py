"""Text normalisation applied once, before matching, hashing and indexing."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SENTENCE", "normalize_text", "title_key"]

# A sentence of an article's text, for the cue counts that ask where a word stands: up to its
# end mark (. ! ?) or the end of its paragraph.
SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# Korean pages write the middle dot several ways; matching and hashing need one.
_DOT_VARIANTS = "‧ㆍ・･∙"
# nbsp, full-width (ideographic) space, and the other Unicode spaces become a plain space.
_SPACES = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_REPLACEMENTS = (
    *((char, "·") for char in _DOT_VARIANTS),
    *((char, " ") for char in _SPACES),
    *((char, "") for char in _ZERO_WIDTH),
)


def normalize_text(text: str) -> str:
    """Return text in NFC with one middle dot, plain spaces and no zero-width characters."""
    # Pure ASCII is already all of that. Otherwise each character is looked for with `in` and
    # swapped by str.replace: both are C scans several times faster than a regex character
    # class or str.translate with a table, and this runs on every page's whole text.
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    for char, replacement in _REPLACEMENTS:
        if char in text:
            text = text.replace(char, replacement)
    return text


# Labels outlets put around one headline: [속보], 【단독】, (종합), (2보), <포토> ...
_LEADING_LABEL = re.compile(r"^\s*[\[【<(〈][^\]】>)〉]{1,12}[\]】>)〉]\s*")
_TRAILING_VERSION = re.compile(r"\s*[\[(](?:종합\d*|\d+보|속보|상보|update|업데이트)[\])]\s*$")
_NOT_WORD = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    """A headline reduced to what stays the same across an outlet's versions and portal copies."""
    text = normalize_text(title)
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_LABEL.sub("", text)
        text = _TRAILING_VERSION.sub("", text)
    return _NOT_WORD.sub("", text).lower()
