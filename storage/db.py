"""The SQLite connection: pragmas, numbered migrations and a write transaction helper."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.location import MEMORY, opening_error, prepare

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaTooNewError(Exception):
    """The database was migrated by a newer eventbot than this one."""


def migrations() -> list[tuple[int, str, str]]:
    """The migrations shipped in ``storage/migrations`` as ``(version, name, sql)``, in order."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("storage") / "migrations"
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if len(set(versions)) != len(versions) or (versions and versions[0] < 1):
        raise RuntimeError(f"migrations must have distinct numbers from 0001: {versions}")
    return found


def latest_version() -> int:
    """The highest migration number shipped.

    Numbers may have gaps: branches developed side by side each take the next number they
    know of, so a tree may hold 0004 and 0006 before 0005 is merged. That is why migrations
    are applied by the set of versions already recorded, not from the highest one on.
    """
    found = migrations()
    return found[-1][0] if found else 0


class Database:
    """The connections shared by the repositories: one for writing, a few for reading.

    SQLite allows one writer at a time; all writes go through :meth:`transaction`, which holds
    an asyncio lock so that two coroutines never interleave statements of their transactions.
    Reads go through :meth:`read`, on their own connections (up to ``READERS``, opened when
    needed): WAL mode lets them run while a write transaction is open and see the last
    committed state, and a read never queues behind a write (or another slow read) on the
    writer's aiosqlite thread. An in-memory database has one connection for everything.
    """

    READERS = 3

    def __init__(self, connection: aiosqlite.Connection, path: Path | str) -> None:
        self.conn = connection
        """The writer's connection (also the one :meth:`transaction` yields)."""
        self.path = path
        self._write_lock = asyncio.Lock()
        self._shared = str(path) == MEMORY
        self._readers: list[aiosqlite.Connection] = []
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._opening = 0

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        """Open (creating it and its folders if need be) and migrate, unless ``migrate`` is
        False (then only refuse a newer schema). A path that cannot hold the database raises
        :class:`~storage.location.DatabasePathError`, whatever the command."""
        if str(path) != MEMORY:
            prepare(Path(path))
        with _about_the_path(path):
            conn = await _connect(path, query_only=False)
        db = cls(conn, path)
        with _about_the_path(path):
            try:
                if migrate:
                    await db.migrate()
                else:
                    await db.check_version()
            except BaseException:
                await conn.close()
                raise
        return db

    async def close(self) -> None:
        readers, self._readers = self._readers, []
        for reader in readers:
            await reader.close()
        await self.conn.close()

    @asynccontextmanager
    async def read(
        self, sql: str, parameters: Sequence[object] = ()
    ) -> AsyncIterator[aiosqlite.Cursor]:
        """``async with db.read(sql, params) as cursor``: a query on a reading connection,
        which is the caller's alone until the block ends (a slow read holds up no other)."""
        if self._shared:
            async with self.conn.execute(sql, parameters) as cursor:
                yield cursor
            return
        reader = await self._take_reader()
        try:
            async with reader.execute(sql, parameters) as cursor:
                yield cursor
        finally:
            self._idle.put_nowait(reader)  # no await: given back even when cancelled

    async def _take_reader(self) -> aiosqlite.Connection:
        if self._idle.empty() and len(self._readers) + self._opening < self.READERS:
            self._opening += 1
            try:
                reader = await _connect(self.path, query_only=True)
            finally:
                self._opening -= 1
            self._readers.append(reader)
            return reader
        return await self._idle.get()

    async def schema_version(self) -> int:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )
        async with self.conn.execute("SELECT MAX(version) FROM schema_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def check_version(self) -> int:
        current = await self.schema_version()
        latest = latest_version()
        if current > latest:
            raise SchemaTooNewError(
                f"database {self.path} has schema version {current}, but this eventbot knows "
                f"only up to {latest}: upgrade eventbot or point DATABASE_PATH elsewhere"
            )
        return current

    async def applied_versions(self) -> set[int]:
        await self.schema_version()  # creates the table if need be
        async with self.conn.execute("SELECT version FROM schema_version") as cursor:
            return {int(row[0]) for row in await cursor.fetchall()}

    async def migrate(self) -> list[str]:
        """Apply the migrations not applied yet, in order, each in its own transaction.

        "Not applied yet" is by version, not "above the highest": a migration numbered
        below one already applied (0005 merged after 0006 ran) is still applied.
        """
        await self.check_version()
        done = await self.applied_versions()
        applied: list[str] = []
        for version, name, sql in migrations():
            if version in done:
                continue
            async with self.transaction() as conn:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)", (version, name)
                )
            applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error) under the write lock."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")


@contextmanager
def _about_the_path(path: Path | str) -> Iterator[None]:
    """An error opening ``path`` that is about the path becomes one sentence naming it
    (:class:`~storage.location.DatabasePathError`); any other goes through as it is."""
    try:
        yield
    except BaseException as error:
        translated = opening_error(path, error)
        if translated is None:
            raise
        raise translated from error


async def _connect(path: Path | str, *, query_only: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        if not query_only:
            await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        if query_only:
            await conn.execute("PRAGMA query_only=ON")
    except BaseException:
        await conn.close()
        raise
    return conn


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements, using SQLite's own notion of a complete one."""
    statements: list[str] = []
    pending = ""
    for line in sql.splitlines(keepends=True):
        if not pending and line.lstrip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:80]!r}")
    return statements
