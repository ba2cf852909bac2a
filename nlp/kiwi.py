"""Loading the Kiwi morphological analyser (once per process: it takes ~1.5 s and ~0.5 GB)."""

from __future__ import annotations

from kiwipiepy import Kiwi

__all__ = ["Kiwi", "load_kiwi"]


def load_kiwi(num_workers: int | None = None) -> Kiwi:
    """Load a fresh Kiwi with its default model; callers keep and pass the one instance.

    `num_workers=None` lets kiwipiepy choose; -1 uses every core, 0 none beyond the caller's.
    """
    return Kiwi(num_workers=num_workers)
