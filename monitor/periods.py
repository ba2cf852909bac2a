"""Reporting periods as users write them (2024, 2024H2, 2024-W48, a..b ...) and KST days."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.errors import UsageError

KST = ZoneInfo("Asia/Seoul")

_FORMS = "2024, 2024H2, 2024Q3, 2024-11, 2024-11-27, 2024-W48 or 2024-07-01..2024-12-31"


@dataclass(frozen=True)
class Period:
    """An inclusive range of KST calendar days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError(f"period ends ({self.end}) before it starts ({self.start})")


def parse_day(text: str) -> date:
    """A YYYY-MM-DD day, or a UsageError saying what was expected."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"bad date {text!r}: expected YYYY-MM-DD") from None


def parse_period(text: str) -> Period:
    """Parse one of the period forms of DESIGN.md."""
    try:
        return _parse_period(text)
    except ValueError:  # year 0, day 31 of a 30-day month ...
        raise UsageError(f"bad period {text!r}: no such date") from None


def _parse_period(text: str) -> Period:
    value = text.strip()
    if ".." in value:
        first, _, last = value.partition("..")
        return Period(parse_day(first), parse_day(last))
    if m := re.fullmatch(r"(\d{4})", value):
        year = int(m[1])
        return Period(date(year, 1, 1), date(year, 12, 31))
    if m := re.fullmatch(r"(\d{4})[Hh]([12])", value):
        year, half = int(m[1]), int(m[2])
        return _months(year, 6 * half - 5, 6 * half)
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", value):
        year, quarter = int(m[1]), int(m[2])
        return _months(year, 3 * quarter - 2, 3 * quarter)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise UsageError(f"bad period {text!r}: no month {month}")
        return _months(int(m[1]), month, month)
    if m := re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", value):
        try:
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise UsageError(f"bad period {text!r}: no ISO week {m[2]} in {m[1]}") from None
        return Period(monday, monday + timedelta(days=6))
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        day = parse_day(value)
        return Period(day, day)
    raise UsageError(f"bad period {text!r}: expected {_FORMS}")


def _months(year: int, first: int, last: int) -> Period:
    return Period(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))


def kst_day(moment: datetime) -> date:
    """The KST calendar day an aware datetime falls on."""
    return moment.astimezone(KST).date()
