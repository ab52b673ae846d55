"""Maintenance of the database file from outside the running bot: backup, checks, probes.

These functions are synchronous (plain :mod:`sqlite3`): they run in short-lived commands
(``eventbot backup``, ``doctor``, ``health``), possibly while the bot writes to the same file
from another process. They never create a database that does not exist.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from storage.db import latest_version

BUSY_TIMEOUT_MS = 5000


class DatabaseMissingError(Exception):
    """The database file does not exist (the bot has not created it yet)."""


@dataclass(frozen=True)
class DatabaseInfo:
    schema_version: int
    latest_version: int
    problems: tuple[str, ...]
    """What ``PRAGMA quick_check`` / ``integrity_check`` found; empty when the file is sound."""


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """An existing database opened read-write (``mode=rw`` never creates the file).

    Read-write rather than read-only because a WAL database needs its shared-memory file,
    which the first reader may have to create.
    """
    if not path.is_file():
        raise DatabaseMissingError(f"database {path} does not exist")
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    with closing(connection):
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        yield connection


def _schema_version(connection: sqlite3.Connection) -> int:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _check(connection: sqlite3.Connection, pragma: str) -> tuple[str, ...]:
    rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    found = tuple(str(row[0]) for row in rows)
    return () if found == ("ok",) else found


def probe(path: Path) -> int:
    """The schema version of an existing database: the cheapest proof that it is readable."""
    with _connect(path) as connection:
        return _schema_version(connection)


def inspect(path: Path) -> DatabaseInfo:
    """Schema version and ``PRAGMA quick_check`` of an existing database."""
    with _connect(path) as connection:
        return DatabaseInfo(
            schema_version=_schema_version(connection),
            latest_version=latest_version(),
            problems=_check(connection, "quick_check"),
        )


def integrity_problems(path: Path) -> tuple[str, ...]:
    """``PRAGMA integrity_check`` of a database file; empty when it is sound."""
    with _connect(path) as connection:
        return _check(connection, "integrity_check")


def backup(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` with SQLite's online backup API; returns the schema version.

    The copy is made in one backup step, which reads one consistent snapshot (WAL lets the bot
    keep writing meanwhile): it holds every transaction committed before the step began and
    none that was half done. The copy is written beside ``target``, switched out of WAL mode
    so that it is one self-contained file, checked with ``integrity_check`` and only then
    renamed into place, so ``target`` is never a partial file.
    """
    if source.resolve() == target.resolve():
        raise ValueError(f"the backup must not overwrite the database itself ({source})")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with _connect(source) as connection, closing(sqlite3.connect(partial)) as copy:
            connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = _check(copy, "integrity_check")
            version = _schema_version(copy)
        if problems:
            raise RuntimeError("the copy failed its integrity check: " + "; ".join(problems))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return version
