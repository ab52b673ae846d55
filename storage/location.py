"""Can this path hold the database? Answered without writing anything, before a command
opens it; and what SQLite (or creating the folders) said when it could not, in one sentence.

The messages name the path, not the setting: the caller says which setting it came from
(``DATABASE_PATH``). :func:`path_problem` foresees the usual mistakes (a folder, a path under
a regular file, a folder this user cannot write to, a read-only file system); root passes
permission checks, so a folder only the kernel refuses (``/proc``) may still fail when the
database is opened, where :func:`prepare` and :func:`opening_error` translate the error.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

MEMORY = ":memory:"
DEFAULT_NAME = "eventbot.sqlite3"


class DatabasePathError(Exception):
    """The database cannot live at this path; the message says why and names the path."""


def path_problem(path: Path) -> str | None:
    """What makes ``path`` unusable as the database file, or None when it looks usable."""
    if str(path) == MEMORY:
        return None
    try:
        return _problem(path)
    except OSError as error:  # e.g. a folder on the way that this user may not look into
        return f"cannot look at {error.filename or path}: {error.strerror or error}"


def _kind(path: Path) -> str:
    """``missing``, ``folder``, ``file`` or ``other`` (a device, a socket…)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def _problem(path: Path) -> str | None:
    kind = _kind(path)
    if kind == "folder":
        return f"{path} is a folder, not a file (name a file in it, e.g. {path / DEFAULT_NAME})"
    if kind == "other":
        return f"{path} is not a regular file"
    if kind == "file":
        if not os.access(path, os.R_OK | os.W_OK):
            return f"{path} cannot be read and written by this user"
        # WAL mode: SQLite creates <name>-wal and <name>-shm beside the database.
        if not _writable(path.parent):
            return f"{_not_writable(path.parent)}, and SQLite must create {path}-wal there"
        return None
    folder = path.parent
    while (kind := _kind(folder)) == "missing" and folder.parent != folder:
        folder = folder.parent
    if kind == "missing":  # even the top ("/" or the deleted working folder) is gone
        return f"{path} cannot be created: {folder.resolve()} does not exist"
    if kind != "folder":
        return f"{folder} is a file, not a folder, so {path} cannot be created"
    if not _writable(folder):
        return f"{_not_writable(folder)}, so {path} cannot be created"
    return None


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _not_writable(folder: Path) -> str:
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"folder {folder} is on a read-only file system"
    except OSError:
        pass
    return f"folder {folder} is not writable by this user"


def opening_error(path: Path | str, error: BaseException) -> DatabasePathError | None:
    """``error`` (raised while opening the database) as a :class:`DatabasePathError` when
    the path is the cause; None for any other error."""
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "")
        if name.startswith("SQLITE_CANTOPEN"):
            foreseen = path_problem(Path(path))
            return DatabasePathError(foreseen or f"SQLite cannot open or create {path} ({error})")
        if name.startswith("SQLITE_READONLY"):
            return DatabasePathError(f"SQLite cannot write to {path} or its folder ({error})")
        if name == "SQLITE_NOTADB":
            return DatabasePathError(f"{path} is not an SQLite database ({error})")
        return None
    if isinstance(error, OSError):
        where = error.filename or path
        return DatabasePathError(f"cannot create {where}: {error.strerror or error}")
    return None


def prepare(path: Path) -> None:
    """Create the database's folder(s) and open the file once with plain :mod:`sqlite3`.

    A path SQLite cannot open then fails here, as a :class:`DatabasePathError`, and not in
    aiosqlite's ``connect``, whose worker thread can outlive a failed ``asyncio.run`` and
    print a second traceback ("Event loop is closed") after the error.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()
    except (OSError, sqlite3.Error) as error:
        translated = opening_error(path, error)
        if translated is None:
            raise
        raise translated from error
