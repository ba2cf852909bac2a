"""One collection at a time per database: an advisory file lock beside the database file.

The lock is held by an open file descriptor, so the kernel releases it when the process dies:
a crashed or killed collection never leaves a stale lock behind.
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

__all__ = ["CollectionBusy", "collection_lock"]


class CollectionBusy(MonitorError):
    """Another collection (run, backfill, scheduled job, import) holds the database."""


def _lock_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".lock")


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
    path = _lock_path(database_path)
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
                    raise CollectionBusy(
                        "another collection is running on this database"
                        + (f" ({holder})" if holder else "")
                        + "; try again when it has finished"
                    ) from None
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
