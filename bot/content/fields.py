"""Typed readers for the values of a parsed TOML document, collecting every problem.

Each reader returns the value, or ``None`` after recording a problem, so that parsing goes on
and one run reports everything that is wrong with a file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from bot.content.locate import SourceMap
from bot.content.problems import FieldPath, format_path, format_problem, shorten
from bot.content.rules import LANGUAGES, MAX_PARAGRAPH_LENGTH, MAX_TITLE_LENGTH, text_length
from storage.models import Localized

ID_PATTERN = re.compile(r"^[a-z0-9_-]{1,32}$")
ID_RULE = "use 1 to 32 lowercase letters, digits, '-' or '_'"
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "an offset date-time" if value.tzinfo else "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class Reader:
    """Reads one document; ``problems`` collects formatted messages as it goes."""

    def __init__(self, source: str, text: str, default_language: str) -> None:
        self.source = source
        self.map = SourceMap(text)
        self.default_language = default_language
        self.check_default_language = True
        self.problems: list[str] = []

    def problem(self, path: FieldPath, message: str) -> None:
        self.problems.append(
            format_problem(self.source, message, path=path, line=self.map.line(path))
        )

    def wrong_type(self, path: FieldPath, expected: str, value: object) -> None:
        self.problem(path, f"expected {expected}, got {type_name(value)}")

    def missing(self, path: FieldPath) -> None:
        self.problem(path, "required field is missing")

    def required(self, table: Mapping[str, Any], path: FieldPath) -> Any:
        """``table[path[-1]]``, or None after reporting it missing."""
        key = str(path[-1])
        if key not in table:
            self.missing(path)
            return None
        return table[key]

    def known_keys(
        self, table: Mapping[str, Any], path: FieldPath, allowed: Collection[str]
    ) -> None:
        """Report keys that are not in ``allowed``, suggesting the closest one (typos)."""
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "expected " + ", ".join(allowed)
            self.problem((*path, key), f"unknown field; {hint}")

    def table(self, value: object, path: FieldPath) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.wrong_type(path, "a table", value)
        return None

    def tables(self, value: object, path: FieldPath, header: str) -> list[dict[str, Any]]:
        """An array of tables (``[[header]]``); wrong entries are reported and skipped."""
        if not isinstance(value, list):
            self.problem(path, f"expected an array of tables (write [[{header}]]), got "
                         + type_name(value))
            return []
        found: list[dict[str, Any]] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append(item)
            else:
                self.wrong_type((*path, index), "a table", item)
        return found

    def string(self, value: object, path: FieldPath) -> str | None:
        if not isinstance(value, str):
            self.wrong_type(path, "a string", value)
            return None
        if not value.strip():
            self.problem(path, "text is empty")
            return None
        return value.strip()

    def identifier(self, value: object, path: FieldPath) -> str | None:
        text = self.string(value, path)
        if text is None:
            return None
        if not ID_PATTERN.match(text):
            self.problem(path, f"{shorten(text)} is not a valid id: {ID_RULE}")
            return None
        return text

    def unique_id(
        self, table: Mapping[str, Any], path: FieldPath, seen: dict[str, int], what: str
    ) -> str | None:
        """The required ``id`` of the entry at ``path`` (``("speakers", 3)``), unique among
        ``seen`` (id -> index of the entry that has it)."""
        value = self.required(table, (*path, "id"))
        key = None if value is None else self.identifier(value, (*path, "id"))
        if key is None:
            return None
        if key in seen:
            first = format_path((*path[:-1], seen[key]))
            self.problem((*path, "id"), f"duplicate {what} id {key!r} (also {first})")
            return None
        seen[key] = int(path[-1])
        return key

    def boolean(self, value: object, path: FieldPath) -> bool:
        if isinstance(value, bool):
            return value
        self.wrong_type(path, "true or false", value)
        return False

    def moment(self, value: object, path: FieldPath, zone: tzinfo) -> datetime | None:
        """A TOML local date-time (read in ``zone``) or offset date-time, as aware datetime."""
        if not isinstance(value, datetime):
            example = "a date-time such as 2021-04-20T10:00:00 (no quotes)"
            if isinstance(value, date):
                self.problem(path, f"expected {example}, got a date without a time")
            else:
                self.wrong_type(path, example, value)
            return None
        if value.tzinfo is not None:
            return value.astimezone(zone)
        aware = value.replace(tzinfo=zone)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
            self.problem(path, f"{value.isoformat()} does not exist in that time zone "
                         "(the clocks change then)")
            return None
        return aware

    def languages(self, value: object, path: FieldPath) -> dict[str, object] | None:
        """The per-language values of a text: a table of languages, or a plain value that
        means the default language. Unknown languages are reported and dropped."""
        if not isinstance(value, dict):
            return {self.default_language: value}
        if not value:
            self.problem(path, "no text in any language")
            return None
        values: dict[str, object] = {}
        for language, item in value.items():
            if language not in LANGUAGES:
                self.problem(
                    (*path, language),
                    f"unknown language {shorten(language)}; use " + ", ".join(LANGUAGES),
                )
            else:
                values[language] = item
        if values and self.check_default_language and self.default_language not in values:
            self.problem(
                path,
                f"no text in the default language {self.default_language!r} "
                "(it is the fallback for the other languages)",
            )
            return None
        return values if values else None

    def text(
        self,
        value: object,
        path: FieldPath,
        *,
        limit: int,
        too_long: str = "too long",
        paragraphs: bool = False,
    ) -> Localized[str] | None:
        """A localized text; each language at most ``limit`` characters (UTF-16 units, as
        Telegram counts), or with ``paragraphs`` each blank-line-separated paragraph."""
        values = self.languages(value, path)
        if values is None:
            return None
        texts: dict[str, str] = {}
        for language, item in values.items():
            where = path if not isinstance(value, dict) else (*path, language)
            text = self.string(item, where)
            if text is None:
                continue
            if paragraphs:
                for number, part in enumerate(PARAGRAPH_BREAK.split(text), start=1):
                    self.length(part, where, limit, f"paragraph {number} is too long for one "
                                "Telegram message")
            else:
                self.length(text, where, limit, too_long)
            texts[language] = text
        if len(texts) != len(values):
            return None
        return Localized(texts, self.default_language)

    def short_text(self, value: object, path: FieldPath) -> Localized[str] | None:
        """A title, name, role, format or organiser: one line on a card or a button."""
        return self.text(value, path, limit=MAX_TITLE_LENGTH)

    def length(self, text: str, path: FieldPath, limit: int, message: str) -> bool:
        size = text_length(text)
        if size > limit:
            self.problem(path, f"{message}: {size} characters, at most {limit}")
            return False
        return True

    def bullets(self, value: object, path: FieldPath) -> Localized[tuple[str, ...]] | None:
        """A summary: per language a list of bullet strings (a plain list = default language)."""
        values = self.languages(value, path)
        if values is None:
            return None
        result: dict[str, tuple[str, ...]] = {}
        ok = True
        for language, items in values.items():
            where = path if not isinstance(value, dict) else (*path, language)
            if not isinstance(items, list):
                self.wrong_type(where, "an array of strings", items)
                ok = False
                continue
            if not items:
                self.problem(where, "no bullets: leave the language out to fall back to "
                             f"{self.default_language!r}")
                ok = False
                continue
            bullets: list[str] = []
            for index, item in enumerate(items):
                text = self.string(item, (*where, index))
                if text is None:
                    ok = False
                elif self.length(text, (*where, index), MAX_PARAGRAPH_LENGTH,
                                 "too long for one Telegram message"):
                    bullets.append(text)
                else:
                    ok = False
            result[language] = tuple(bullets)
        return Localized(result, self.default_language) if ok else None
