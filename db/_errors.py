"""The db package's exceptions; monitor translates them at its boundary."""

import functools
import sqlite3
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


class StorageError(Exception):
    """Base of every error the db package raises."""


class SchemaError(StorageError):
    """The database file was written by a newer version, or is not a press-monitor database."""


class NotFound(StorageError):
    """No row with the requested id."""


def translate_sqlite(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Raise SQLite's own errors (locked, disk full, corrupt) as StorageError, once, here."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except sqlite3.Error as exc:
            raise StorageError(f"database error: {exc}") from exc

    return wrapper
