"""Progress for long commands (backfill, reprocess): rich bars on a terminal, plain lines in
logs and pipes, nothing with --quiet. Always on stderr: stdout stays for --json."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

__all__ = ["Progress", "ProgressBar", "open_progress", "progress_bar", "silent_progress"]


class Progress(Protocol):
    """Where a long command reports as it goes: one bar (or line) per task (a backfill's source,
    a reprocess), advanced per unit of work (a window, a page)."""

    def begin(self, source: str, status: str) -> None: ...

    def advance(self, done: int, total: int, unit: str, status: str) -> None: ...

    def say(self, line: str) -> None: ...


class _SilentProgress:
    def begin(self, source: str, status: str) -> None:
        return None

    def advance(self, done: int, total: int, unit: str, status: str) -> None:
        return None

    def say(self, line: str) -> None:
        return None


class _LineProgress:
    """Plain lines for logs and pipes: one when a task starts, then one per unit of work, at
    most about fifty per task (a reprocess of 10,000 pages is not 10,000 lines)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._source = ""

    def begin(self, source: str, status: str) -> None:
        self._source = source
        self.say(f"{source}: {status}")

    def advance(self, done: int, total: int, unit: str, status: str) -> None:
        if done == total or done % max(1, total // 50) == 0:
            self.say(f"{self._source} {status} [{done}/{total} {unit}]".replace("  ", " "))

    def say(self, line: str) -> None:
        print(line, file=self._stream, flush=True)


class _RichProgress:
    """A rich bar per source on a terminal; each stays on screen with its last status."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._task: Any = None

    def begin(self, source: str, status: str) -> None:
        self._task = self._progress.add_task(source, total=None, status=status)

    def advance(self, done: int, total: int, unit: str, status: str) -> None:
        self._progress.update(
            self._task, completed=done, total=max(total, done), status=f"{unit}  {status}"
        )

    def say(self, line: str) -> None:
        self._progress.console.print(line, markup=False, highlight=False)


@contextmanager
def open_progress(*, enabled: bool = True, stream: TextIO | None = None) -> Iterator[Progress]:
    """Progress on stderr: rich bars on a terminal, plain lines otherwise, nothing if disabled."""
    out = stream or sys.stderr
    if not enabled:
        yield _SilentProgress()
        return
    if not out.isatty():
        yield _LineProgress(out)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        console=Console(file=out),
        transient=False,
    ) as progress:
        yield _RichProgress(progress)


def silent_progress() -> Progress:
    """A progress that reports nothing (library callers and tests)."""
    return _SilentProgress()


class ProgressBar(Protocol):
    """One task of a known number of items: advance by one item, with an optional status."""

    def advance(self, status: str = "") -> None: ...


class _Counting:
    def __init__(self, progress: Progress, total: int, unit: str) -> None:
        self._progress = progress
        self._total = total
        self._unit = unit
        self._done = 0

    def advance(self, status: str = "") -> None:
        self._done += 1
        self._progress.advance(self._done, self._total, self._unit, status)


@contextmanager
def progress_bar(
    description: str,
    total: int,
    *,
    unit: str = "items",
    enabled: bool = True,
    stream: TextIO | None = None,
) -> Iterator[ProgressBar]:
    """One counted task (reprocess's pages, an import's rows) on the progress of open_progress."""
    with open_progress(enabled=enabled, stream=stream) as progress:
        progress.begin(description, f"{total} {unit}")
        yield _Counting(progress, total, unit)
