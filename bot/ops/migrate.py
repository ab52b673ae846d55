"""``eventbot migrate``: apply the pending migrations without starting the bot."""

from __future__ import annotations

import asyncio
import sys

from bot.config import Config
from storage.db import Database, SchemaTooNewError


async def apply_migrations(config: Config) -> tuple[list[str], int]:
    """The migrations applied now (file names, in order) and the resulting schema version."""
    db = await Database.open(config.database_path, migrate=False)
    try:
        applied = await db.migrate()
        return applied, await db.schema_version()
    finally:
        await db.close()


def cmd_migrate(config: Config) -> int:
    try:
        applied, version = asyncio.run(apply_migrations(config))
    except SchemaTooNewError as error:
        print(f"eventbot migrate: {error}", file=sys.stderr)
        return 1
    for name in applied:
        print(f"applied {name}")
    if applied:
        print(f"database {config.database_path} is now at schema version {version}")
    else:
        print(f"database {config.database_path} is up to date (schema version {version})")
    return 0
