"""Problems found in a content file, and the error that carries them all.

A problem names the file, the line (when it can be found) and the field path, in the form
editors and terminals understand: ``riac.toml:42: speakers[2].summary.ru[3]: text is empty``.
Indexes in paths count from 0, as in the file's arrays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PathPart = str | int
FieldPath = tuple[PathPart, ...]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class ContentError(Exception):
    """A content file that cannot be imported. ``problems`` holds every problem found, one
    message each, in the order they were found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems))


def format_path(path: FieldPath) -> str:
    """``("speakers", 2, "summary", "ru", 3)`` → ``speakers[2].summary.ru[3]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        key = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
        text += f".{key}" if text else key
    return text


def format_problem(
    source: str,
    message: str,
    *,
    path: FieldPath = (),
    line: int | None = None,
    column: int | None = None,
) -> str:
    where = source
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    if path:
        return f"{where}: {format_path(path)}: {message}"
    return f"{where}: {message}"


def shorten(value: object, limit: int = 40) -> str:
    """A value quoted for a message, cut so that one problem stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
