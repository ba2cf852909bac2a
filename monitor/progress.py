"""Progress for long commands (backfill, reprocess): a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

__all__ = ["ProgressBar", "progress_bar"]


class ProgressBar(Protocol):
    """What a long command reports to: advance by one item, with an optional status text."""

    def advance(self, status: str = "") -> None: ...


class _RichBar:
    def __init__(self, progress: object, task: object) -> None:
        self._progress = progress
        self._task = task

    def advance(self, status: str = "") -> None:
        self._progress.update(self._task, advance=1, status=status)  # type: ignore[attr-defined]


class _LineBar:
    """A line every `every` items: logs and pipes get progress without control characters."""

    def __init__(self, stream: TextIO, description: str, total: int, every: int) -> None:
        self._stream = stream
        self._description = description
        self._total = total
        self._every = max(1, every)
        self._done = 0

    def advance(self, status: str = "") -> None:
        self._done += 1
        if self._done % self._every == 0 or self._done == self._total:
            print(
                f"{self._description}: {self._done}/{self._total}"
                + (f" {status}" if status else ""),
                file=self._stream,
                flush=True,
            )


class _Silent:
    def advance(self, status: str = "") -> None:
        return None


@contextmanager
def progress_bar(
    description: str, total: int, *, enabled: bool = True, stream: TextIO | None = None
) -> Iterator[ProgressBar]:
    """A progress bar on stderr for `total` items: rich on a terminal, a line per 10% else."""
    out = stream or sys.stderr
    if not enabled:
        yield _Silent()
        return
    if not out.isatty():
        yield _LineBar(out, description, total, every=max(1, total // 10))
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=Console(file=out),
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=total, status="")
        yield _RichBar(progress, task)
