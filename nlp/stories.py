"""Story grouping: MinHash fingerprints of article text and copy similarity incl. containment."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from nlp._errors import NlpError

__all__ = ["Fingerprint", "copy_similarity", "fingerprint_text", "is_same_story"]

NUM_PERM = 128
SHINGLE_CHARS = 5
# Copies of one release score 0.38-1.0 (an outlet's rewritten copy in the demo site is the
# lowest); different stories on the same entities score at most 0.19 on the demo site and 0.07 in
# tests/nlp/test_stories.py. 0.3 sits in the gap with room on both sides.
SAME_STORY_THRESHOLD = 0.3
_SEED = 1
_SQUEEZE = re.compile(r"[\W_]+")
_HEADER = struct.Struct("<II")  # shingle count, number of hash values


@dataclass(frozen=True)
class Fingerprint:
    """A MinHash signature of a text's character shingles and how many shingles it had."""

    hashvalues: tuple[int, ...]
    shingles: int

    def to_bytes(self) -> bytes:
        """Serialise for storage in the database."""
        values = np.asarray(self.hashvalues, dtype="<u8").tobytes()
        return _HEADER.pack(self.shingles, len(self.hashvalues)) + values

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Rebuild a fingerprint stored with to_bytes."""
        if len(data) < _HEADER.size:
            raise NlpError("fingerprint bytes too short")
        shingles, count = _HEADER.unpack_from(data)
        if len(data) != _HEADER.size + 8 * count:
            raise NlpError("fingerprint bytes have the wrong length")
        values = np.frombuffer(data, dtype="<u8", offset=_HEADER.size)
        return cls(tuple(int(v) for v in values), shingles)


def _shingles(text: str) -> set[str]:
    """Character shingles of the text with spaces and punctuation squeezed out."""
    squeezed = _SQUEEZE.sub("", text.lower())
    if len(squeezed) <= SHINGLE_CHARS:
        return {squeezed} if squeezed else set()
    return {squeezed[i : i + SHINGLE_CHARS] for i in range(len(squeezed) - SHINGLE_CHARS + 1)}


def fingerprint_text(text: str) -> Fingerprint:
    """MinHash (128 permutations) over character 5-gram shingles of the normalised text."""
    shingles = _shingles(text)
    sketch = MinHash(num_perm=NUM_PERM, seed=_SEED)
    sketch.update_batch([s.encode("utf-8") for s in sorted(shingles)])
    return Fingerprint(tuple(int(v) for v in sketch.hashvalues), len(shingles))


def _jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """MinHash estimate of the Jaccard similarity of two fingerprints."""
    if len(a.hashvalues) != len(b.hashvalues):
        raise NlpError("fingerprints built with different permutation counts")
    same = sum(1 for x, y in zip(a.hashvalues, b.hashvalues, strict=True) if x == y)
    return same / len(a.hashvalues)


def copy_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Max of the Jaccard estimate and the containment of the smaller text in the larger."""
    if a.shingles == 0 or b.shingles == 0:
        return 0.0
    jaccard = _jaccard(a, b)
    # |A ∩ B| = J (|A| + |B|) / (1 + J); containment divides by the smaller set.
    intersection = jaccard * (a.shingles + b.shingles) / (1.0 + jaccard)
    containment = min(1.0, intersection / min(a.shingles, b.shingles))
    return max(jaccard, containment)


def is_same_story(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two texts are copies of one story (syndicated, edited or cut short)."""
    return copy_similarity(a, b) >= SAME_STORY_THRESHOLD
