"""Korean date-line and stamp parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nlp._dates import KST, parse_bare_date, parse_iso, parse_visible_dates, reconcile


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("입력 2024.11.27 (11:39)", datetime(2024, 11, 27, 11, 39, tzinfo=KST)),
        ("기사입력 : 2024/11/27 [13:35]", datetime(2024, 11, 27, 13, 35, tzinfo=KST)),
        ("입력 2023년10월25일 11:22", datetime(2023, 10, 25, 11, 22, tzinfo=KST)),
        ("승인 2023.11.20 11:10", datetime(2023, 11, 20, 11, 10, tzinfo=KST)),
        ("등록 2024-11-27 오후 1:35", datetime(2024, 11, 27, 13, 35, tzinfo=KST)),
        ("등록 2024-11-27 오전 12:05", datetime(2024, 11, 27, 0, 5, tzinfo=KST)),
    ],
)
def test_published_lines(line: str, expected: datetime) -> None:
    published, updated = parse_visible_dates(line)
    assert published == expected
    assert updated is None


def test_updated_is_told_apart_from_published() -> None:
    published, updated = parse_visible_dates("최종수정 2024.11.28 09:00 | 입력 2024.11.27 08:00")
    assert published == datetime(2024, 11, 27, 8, 0, tzinfo=KST)
    assert updated == datetime(2024, 11, 28, 9, 0, tzinfo=KST)


def test_impossible_date_is_ignored() -> None:
    assert parse_visible_dates("입력 2024.13.40 10:00") == (None, None)


def test_iso_stamps_are_aware() -> None:
    assert parse_iso("2025-05-15T20:00:52.000+0900") == datetime(2025, 5, 15, 20, 0, 52, tzinfo=KST)
    naive = parse_iso("2025-05-15 20:00:52")
    assert naive is not None and naive.utcoffset() == timedelta(hours=9)
    assert parse_iso("2025-05-15T11:00:52Z") == datetime(2025, 5, 15, 11, 0, 52, tzinfo=UTC)
    assert parse_iso("not a date") is None


def test_bare_date() -> None:
    assert parse_bare_date("2024.11.27 13:35 송고") == datetime(2024, 11, 27, 13, 35, tzinfo=KST)


def test_z_stamp_nine_hours_off_the_visible_line_is_distrusted() -> None:
    visible = datetime(2024, 11, 27, 11, 35, tzinfo=KST)
    wrong = datetime(2024, 11, 27, 11, 35, tzinfo=UTC)
    assert reconcile(wrong, visible) == visible
    right = datetime(2024, 11, 27, 2, 35, tzinfo=UTC)
    assert reconcile(right, visible) == right
    assert reconcile(None, visible) == visible
