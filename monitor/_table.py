"""Terminal tables: columns padded by display width (Hangul takes two), widths from the data."""

from __future__ import annotations

import unicodedata
from collections.abc import Container, Sequence

__all__ = ["align_table", "clip", "display_width", "pad"]


def display_width(text: str) -> int:
    """Display width: Hangul and other wide characters take two terminal columns."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded to `width` terminal columns, on the left when `right` (numbers)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def align_table(
    table: Sequence[Sequence[str]],
    numeric: Container[int] = (),
    *,
    total_row: bool = True,
    indent: str = "",
    free_last: bool = False,
) -> str:
    """Rows aligned for a terminal, each column as wide as its widest cell: a rule under the
    header and, with `total_row`, above the last row; the `numeric` columns are right-aligned.
    With `free_last` the last column is free text (a reason, a list of names): its rule is as
    wide as its heading, not its longest cell."""
    widths = [max(display_width(row[i]) for row in table) for i in range(len(table[0]))]
    if free_last:
        widths[-1] = display_width(table[0][-1])
    out = []
    for n, row in enumerate(table):
        cells = [pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(row)]
        out.append(indent + "  ".join(cells).rstrip())
        if n == 0 or (total_row and n == len(table) - 2):
            out.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(out)


def clip(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns, with an ellipsis when cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 1  # the ellipsis takes one column
    for ch in text:
        used += display_width(ch)
        if used > width:
            break
        kept.append(ch)
    return "".join(kept) + "…"
