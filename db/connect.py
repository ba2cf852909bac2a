"""Opening the database: WAL, foreign keys, and migrations to the latest schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from db._errors import SchemaError, StorageError
from db._schema import MIGRATIONS

__all__ = ["SCHEMA_VERSION", "open_database"]

SCHEMA_VERSION = len(MIGRATIONS)


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a press-monitor database and bring its schema up to date."""
    memory = str(path) == ":memory:"
    if not memory:
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create folder for {target}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(
            ":memory:" if memory else str(path), timeout=30.0, check_same_thread=False
        )
        db = sqlite_utils.Database(conn)
        if not memory:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from None
    return db


def _migrate(db: sqlite_utils.Database) -> None:
    """Apply every migration newer than the file's user_version, each in its own transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"database schema version {version} is newer than this press-monitor ({SCHEMA_VERSION})"
        )
    if version == 0 and db.table_names() and "articles" not in db.table_names():
        raise SchemaError("not a press-monitor database (it has other tables)")
    for number in range(version, SCHEMA_VERSION):
        with db.conn:
            db.conn.executescript(
                "BEGIN;" + MIGRATIONS[number] + f";PRAGMA user_version = {number + 1};COMMIT;"
            )
