"""Text normalisation applied once, before matching, hashing and indexing."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text"]

# Korean pages write the middle dot several ways; matching and hashing need one.
_MIDDLE_DOTS = str.maketrans({"‧": "·", "ㆍ": "·", "・": "·", "･": "·", "∙": "·"})
# nbsp, full-width (ideographic) space, and the other Unicode spaces become a plain space.
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def normalize_text(text: str) -> str:
    """Return text in NFC with one middle dot, plain spaces and no zero-width characters."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_MIDDLE_DOTS)
    text = _SPACES.sub(" ", text)
    return _ZERO_WIDTH.sub("", text)
