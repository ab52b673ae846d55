"""``eventbot import FILE [FILE...]``: validate content files and store them, all or nothing."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content.importer import Imported, import_files
from bot.content.parser import parse_event
from bot.content.problems import ContentError, format_problem
from bot.content.rules import MAX_FILE_SIZE, too_large
from storage.db import Database, SchemaTooNewError
from storage.events import EventRepository


def describe(item: Imported) -> str:
    """One line for the terminal: ``imported riac-kf-2021 (new): 6 speakers, 1 poll``."""
    speakers, polls = len(item.event.speakers), len(item.event.polls)
    return (
        f"imported {item.event.id} ({'new' if item.created else 'updated'}): "
        f"{speakers} speaker{'' if speakers == 1 else 's'}, {polls} poll{'' if polls == 1 else 's'}"
    )


def read_files(paths: Sequence[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The bytes of each file, and a problem for each one that cannot be read or is too big."""
    files: list[tuple[str, bytes]] = []
    problems: list[str] = []
    for name in paths:
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_SIZE:
                problems.append(format_problem(name, too_large(size)))
                continue
            files.append((name, path.read_bytes()))
        except OSError as error:
            problems.append(format_problem(name, f"cannot read the file: {error.strerror}"))
    return files, problems


async def run_import(
    paths: Sequence[str],
    database_path: Path,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Exit status 0 when every file was imported; 1, with nothing written, on any problem.
    Imports go to ``out`` (stdout), problems to ``err`` (stderr), one per line."""
    out = out or sys.stdout
    err = err or sys.stderr
    files, problems = read_files(paths)
    if problems:
        for source, data in files:  # still report what is wrong with the readable ones
            try:
                parse_event(data, source)
            except ContentError as error:
                problems.extend(error.problems)
        for problem in problems:
            print(problem, file=err)
        return 1
    try:
        db = await Database.open(database_path)
    except SchemaTooNewError as error:
        print(f"eventbot: {error}", file=err)
        return 1
    try:
        imported = await import_files(EventRepository(db), files)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=err)
        return 1
    finally:
        await db.close()
    for item in imported:
        print(describe(item), file=out)
    return 0
