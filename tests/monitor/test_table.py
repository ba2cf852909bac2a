"""Terminal tables: Hangul counts two columns, every column as wide as its widest cell."""

from __future__ import annotations

from monitor._table import align_table, clip, display_width, pad


def _starts(line: str, cells: list[str]) -> list[int]:
    """The display column each cell starts at in an aligned line."""
    starts, at = [], 0
    for cell in cells:
        found = line.index(cell, at)
        starts.append(display_width(line[:found]))
        at = found + len(cell)
    return starts


def test_hangul_and_long_names_keep_columns_aligned() -> None:
    rows = [
        ("outlet", "articles", "state"),
        ("뉴스핌", "12", "ok"),
        ("경기일보", "3", "ok"),
        ("google-ilsan-techno-valley", "1234", "short bodies"),
    ]
    lines = align_table(rows, numeric=(1,), total_row=False).splitlines()
    body = [lines[0], *lines[2:]]
    assert len({_starts(line, list(row))[2] for line, row in zip(body, rows, strict=True)}) == 1
    # Numbers are right-aligned: they end in the same column.
    ends = {
        _starts(line, list(row))[1] + display_width(row[1])
        for line, row in zip(body, rows, strict=True)
    }
    assert len(ends) == 1
    # The long name does not push its row out: the next column starts after it.
    assert _starts(body[3], list(rows[3]))[1] > display_width(rows[3][0])


def test_free_last_column_rule_is_as_wide_as_its_heading() -> None:
    rows = [("source", "reason"), ("a", "a very long reason " * 5)]
    rule = align_table(rows, free_last=True, total_row=False).splitlines()[1]
    assert rule.split("  ")[-1] == "-" * len("reason")


def test_pad_and_clip_count_display_columns() -> None:
    assert display_width(pad("고양", 6)) == 6
    assert pad("7", 3, right=True) == "  7"
    clipped = clip("룩셈부르크 고양보건연구소", 9)
    assert clipped.endswith("…") and display_width(clipped) <= 9
    assert clip("짧다", 9) == "짧다"
