"""``eventbot backup PATH``: a consistent copy of the database, safe while the bot runs."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from bot.config import Config
from storage.maintenance import DatabaseMissingError, backup


def cmd_backup(config: Config, target: Path) -> int:
    if target.is_dir():
        target = target / config.database_path.name
    try:
        version = backup(config.database_path, target)
    except (DatabaseMissingError, FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"eventbot backup: {error}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        print(
            f"eventbot backup: SQLite error while copying {config.database_path}: {error}",
            file=sys.stderr,
        )
        return 1
    size = target.stat().st_size
    print(
        f"backed up {config.database_path} to {target} "
        f"(schema version {version}, {size} bytes, integrity ok)"
    )
    return 0
