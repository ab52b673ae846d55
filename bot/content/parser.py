"""Parse and validate an event content file (TOML) into an :class:`Event`.

Pure: no Telegram, no SQL. The format is described in README.md, section "Event content";
``examples/riac-kf-2021.toml`` is a complete example.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import UTC, timedelta, tzinfo
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.fields import Reader
from bot.content.problems import ContentError, FieldPath, format_problem, shorten
from bot.content.rules import (
    KNOWN_TOPICS,
    LANGUAGES,
    MAX_FILE_SIZE,
    MAX_PARAGRAPH_LENGTH,
    too_large,
)
from bot.content.sections import read_person, read_polls, read_speakers
from storage.models import MAX_DIGEST_AFTER, Event, Localized

T = TypeVar("T")

EVENT_KEYS = (
    "id", "default_language", "timezone", "start", "end", "link", "topics", "reminders",
    "title", "format", "organisers", "description", "moderator", "speakers", "polls",
    "digest",
)
REMINDER = re.compile(r"^(\d{1,3})([dhm])$")
_REMINDER_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_SYNTAX_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def decode(data: str | bytes, source: str) -> str:
    """The text of a content file, or :class:`ContentError` if too large or not UTF-8."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_FILE_SIZE:
        raise ContentError([format_problem(source, too_large(size))])
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = f"the file is not UTF-8 text (byte {error.start})"
        raise ContentError([format_problem(source, message, line=line)]) from None


def parse_event(data: str | bytes, source: str) -> Event:
    """Validate a content file and build its :class:`Event`; :class:`ContentError` lists every
    problem found, each naming ``source``, the line and the field path."""
    text = decode(data, source)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _SYNTAX_POSITION.search(message)
        line = column = None
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()]
        problem = format_problem(
            source, f"TOML syntax error: {message}", line=line, column=column
        )
        raise ContentError([problem]) from None
    parser = _EventParser(source, text, document)
    event = parser.event()
    if parser.reader.problems or event is None:
        raise ContentError(parser.reader.problems)
    return event


class _EventParser:
    def __init__(self, source: str, text: str, document: dict[str, Any]) -> None:
        self.doc = document
        language = document.get("default_language")
        valid_language = isinstance(language, str) and language in LANGUAGES
        self.reader = Reader(source, text, str(language) if valid_language else LANGUAGES[0])
        self.problem = self.reader.problem
        if "default_language" not in document:
            self.reader.missing(("default_language",))
        elif not valid_language:
            self.problem(("default_language",), f"{shorten(language)} is not a supported "
                         "language; use " + ", ".join(LANGUAGES))
        # Without a valid default language, "missing in the default language" would be noise.
        self.reader.check_default_language = valid_language

    def event(self) -> Event | None:
        doc, read = self.doc, self.reader
        read.known_keys(doc, (), EVENT_KEYS)
        event_id = read.required(doc, ("id",))
        event_id = None if event_id is None else read.identifier(event_id, ("id",))
        zone, zone_name = self.timezone()
        start = read.required(doc, ("start",))
        starts_at = None if start is None else read.moment(start, ("start",), zone)
        ends_at = None if "end" not in doc else read.moment(doc["end"], ("end",), zone)
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            self.problem(("end",), "the end must be after the start")
        title_value = read.required(doc, ("title",))
        title = None if title_value is None else read.short_text(title_value, ("title",))
        fmt = self.optional("format", read.short_text)
        description = self.optional("description", self.description)
        organisers = tuple(self.listed("organisers", read.short_text))
        moderator = self.optional("moderator", lambda v, p: read_person(read, v, p))
        speakers = read_speakers(read, doc.get("speakers", []))
        polls = read_polls(read, doc.get("polls", []), zone)
        link = self.optional("link", self.link)
        topics = self.topics()
        reminders = self.reminders()
        digest_after = self.optional("digest", self.digest)
        if event_id is None or zone_name is None or starts_at is None or title is None:
            return None
        languages = set(title.languages())
        texts = [fmt, description]
        if moderator is not None:
            texts += [moderator.name, moderator.position]
        for value in texts:
            if value is not None:
                languages |= value.languages()
        return Event(
            id=event_id,
            default_language=read.default_language,
            timezone=zone_name,
            starts_at=starts_at,
            ends_at=ends_at,
            title=title,
            format=fmt,
            organisers=organisers,
            description=description,
            moderator=moderator,
            link=link,
            topics=topics,
            speakers=tuple(speakers),
            polls=tuple(polls),
            reminders=reminders,
            digest_after=digest_after,
            languages=frozenset(languages),
        )

    def optional(self, key: str, read: Callable[[object, FieldPath], T | None]) -> T | None:
        return None if key not in self.doc else read(self.doc[key], (key,))

    def listed(self, key: str, read: Callable[[object, FieldPath], T | None]) -> list[T]:
        value = self.doc.get(key, [])
        if not isinstance(value, list):
            self.reader.wrong_type((key,), "an array", value)
            return []
        found = [read(item, (key, index)) for index, item in enumerate(value)]
        return [item for item in found if item is not None]

    def description(self, value: object, path: FieldPath) -> Localized[str] | None:
        return self.reader.text(value, path, limit=MAX_PARAGRAPH_LENGTH, paragraphs=True)

    def timezone(self) -> tuple[tzinfo, str | None]:
        """The event's zone; UTC stands in after a problem so that times are still checked."""
        value = self.reader.required(self.doc, ("timezone",))
        if value is None:
            return UTC, None
        name = self.reader.string(value, ("timezone",))
        if name is None:
            return UTC, None
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(("timezone",), f"unknown time zone {shorten(name)}; use an IANA "
                         "name such as Europe/Moscow or Asia/Seoul")
            return UTC, None

    def link(self, value: object, path: FieldPath) -> str | None:
        text = self.reader.string(value, path)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
            self.problem(path, f"{shorten(text)} is not an http:// or https:// URL")
            return None
        return text

    def topics(self) -> tuple[str, ...]:
        found: list[str] = []
        for index, topic in enumerate(self.strings("topics")):
            if topic is None:
                continue
            if topic not in KNOWN_TOPICS:
                self.problem(("topics", index), f"unknown topic {shorten(topic)}; use "
                             + ", ".join(KNOWN_TOPICS))
            elif topic not in found:
                found.append(topic)
        return tuple(found)

    def reminders(self) -> tuple[timedelta, ...]:
        found: list[timedelta] = []
        for index, value in enumerate(self.strings("reminders")):
            if value is None:
                continue
            match = REMINDER.match(value)
            if match is None or int(match.group(1)) == 0:
                self.problem(("reminders", index), f"{shorten(value)} is not a time before "
                             "the start such as 2d, 24h or 30m")
                continue
            offset = timedelta(**{_REMINDER_UNITS[match.group(2)]: int(match.group(1))})
            if offset not in found:
                found.append(offset)
        return tuple(sorted(found, reverse=True))

    def digest(self, value: object, path: FieldPath) -> timedelta | None:
        """``digest = "2h"``: the automatic digest, this long after the end (d, h, m; 0m:
        at the end; at most :data:`MAX_DIGEST_AFTER`)."""
        text = self.reader.string(value, path)
        if text is None:
            return None
        match = REMINDER.match(text)
        if match is None:
            self.problem(path, f"{shorten(text)} is not a time after the end such as 2h, "
                         "30m or 1d")
            return None
        after = timedelta(**{_REMINDER_UNITS[match.group(2)]: int(match.group(1))})
        if after > MAX_DIGEST_AFTER:
            self.problem(path, f"{shorten(text)} is too late: a digest goes out at most "
                         f"{MAX_DIGEST_AFTER.days} days after the end")
            return None
        return after

    def strings(self, key: str) -> list[str | None]:
        value = self.doc.get(key, [])
        if not isinstance(value, list):
            self.reader.wrong_type((key,), "an array of strings", value)
            return []
        return [self.reader.string(item, (key, index)) for index, item in enumerate(value)]
