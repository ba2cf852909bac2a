"""Period forms of DESIGN.md."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.errors import UsageError
from monitor.periods import kst_day, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024h1", date(2024, 1, 1), date(2024, 6, 30)),
        ("2024Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-11-27", date(2024, 11, 27), date(2024, 11, 27)),
        ("2024-W48", date(2024, 11, 25), date(2024, 12, 1)),
        ("2024-07-01..2024-12-31", date(2024, 7, 1), date(2024, 12, 31)),
    ],
)
def test_period_forms(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    ["2024H3", "2024-13", "2024-W60", "yesterday", "2024-12-31..2024-01-01", "0000", "0000H1"],
)
def test_bad_periods_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match=r"period|date"):
        parse_period(text)


def test_kst_day_of_an_early_morning_article() -> None:
    # 2024-11-27 00:30 KST is still 2024-11-26 in UTC.
    assert kst_day(datetime(2024, 11, 26, 15, 30, tzinfo=UTC)) == date(2024, 11, 27)
