"""Shared fixtures: one Kiwi per session, an in-memory database, a fixed KST clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils
from testkit import Recount, assert_tally_is_recount, recount_tally

from db import open_database
from nlp.kiwi import Kiwi, load_kiwi

KST = ZoneInfo("Asia/Seoul")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def kiwi() -> Kiwi:
    """One Kiwi for the whole test session (loading costs ~1.5 s and ~0.5 GB)."""
    return load_kiwi()


@pytest.fixture
def memory_db() -> Iterator[sqlite_utils.Database]:
    """A fresh in-memory database at the latest schema version."""
    database = open_database(":memory:")
    yield database
    database.conn.close()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """A clock fixed at 2024-11-27 09:00 KST."""
    fixed = datetime(2024, 11, 27, 9, 0, tzinfo=KST)
    return lambda: fixed


@pytest.fixture
def shared_data() -> Iterator[Path]:
    """../shared/data, or a skip saying why when this checkout has no shared folder beside it."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the real pages live in ../shared beside the checkout")
    yield path


@pytest.fixture
def recount() -> Recount:
    """The from-scratch recount a tally must always equal."""
    return recount_tally


@pytest.fixture
def assert_recount() -> Callable[[sqlite_utils.Database, str, str], None]:
    """Assert that every tally dimension over a period equals a recount from scratch."""
    return assert_tally_is_recount
