"""One collection at a time per database, and one scheduler: advisory file locks beside the
database file.

A lock is held by an open file descriptor, so the kernel releases it when the process dies: a
crashed or killed collection or scheduler never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from monitor.errors import MonitorError

__all__ = [
    "CollectionBusy",
    "SchedulerRunning",
    "collection_lock",
    "hold_file_lock",
    "scheduler_lock",
]


class CollectionBusy(MonitorError):
    """Another collection (run, backfill, scheduled job, import) holds the database."""

    def __init__(self, message: str, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder  # "run, pid 4411, since 2024-11-27T09:30:00+09:00", or ""


class SchedulerRunning(MonitorError):
    """Another `monitor schedule` already runs the jobs of this database."""

    def __init__(self, message: str, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


def _lock_path(database_path: Path, suffix: str = ".lock") -> Path:
    return database_path.with_name(database_path.name + suffix)


def _collection_busy(holder: str) -> MonitorError:
    return CollectionBusy(
        "another collection is running on this database"
        + (f" ({holder})" if holder else "")
        + "; try again when it has finished",
        holder,
    )


def _scheduler_running(holder: str) -> MonitorError:
    return SchedulerRunning(
        "a scheduler is already running on this database"
        + (f" ({holder})" if holder else "")
        + "; stop it first or use another database",
        holder,
    )


@contextmanager
def collection_lock(
    database_path: Path,
    *,
    what: str,
    clock: Callable[[], datetime],
    wait_s: float = 0.0,
    poll_s: float = 0.5,
) -> Iterator[None]:
    """Hold the database's collection lock for the block; wait up to `wait_s` for another
    holder to finish, then raise CollectionBusy naming it."""
    if str(database_path) == ":memory:":
        yield
        return
    with hold_file_lock(
        _lock_path(database_path),
        what=what,
        clock=clock,
        busy=_collection_busy,
        wait_s=wait_s,
        poll_s=poll_s,
    ):
        yield


@contextmanager
def scheduler_lock(
    database_path: Path, *, clock: Callable[[], datetime], what: str = "monitor schedule"
) -> Iterator[None]:
    """Hold the database's scheduler lock for the block, or raise SchedulerRunning at once.

    Apart from the collection lock: a scheduler idles for hours between jobs, and a manual
    `monitor run` must be able to collect meanwhile."""
    if str(database_path) == ":memory:":
        yield
        return
    with hold_file_lock(
        _lock_path(database_path, ".schedule.lock"),
        what=what,
        clock=clock,
        busy=_scheduler_running,
    ):
        yield


@contextmanager
def hold_file_lock(
    path: Path,
    *,
    what: str,
    clock: Callable[[], datetime],
    busy: Callable[[str], MonitorError],
    wait_s: float = 0.0,
    poll_s: float = 0.5,
) -> Iterator[None]:
    """Hold an exclusive flock on `path` for the block, writing who holds it into the file;
    wait up to `wait_s` for another holder, then raise `busy(holder description)`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
                    raise busy(holder) from None
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        stamp = clock().isoformat(timespec="seconds")
        os.pwrite(fd, f"{what}, pid {os.getpid()}, since {stamp}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
