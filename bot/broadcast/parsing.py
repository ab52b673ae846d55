"""Admin command arguments: audience filters (``lang=ru,ko topic=researchers groups=no``)
and sending times (``2025-05-01 10:00`` in the event's zone, ``+2h``, ``+30m``). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import SUPPORTED_LANGUAGES
from storage.broadcasts import Audience
from storage.models import TOPICS

FILTER_KEYS = {"lang": "lang", "language": "lang", "topic": "topic", "topics": "topic",
               "groups": "groups"}
_YES = frozenset({"yes", "y", "1", "true", "on", "да", "예"})
_NO = frozenset({"no", "n", "0", "false", "off", "нет", "아니요"})
_RELATIVE = re.compile(r"^\+(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_TOKEN = re.compile(r"\s*(\S+)")


class FilterError(ValueError):
    """``problem`` is one of: ``unknown`` (key), ``language``, ``topic``, ``groups``;
    ``value`` is the offending token."""

    def __init__(self, problem: str, value: str) -> None:
        super().__init__(f"{problem}: {value}")
        self.problem = problem
        self.value = value


def is_filter(token: str) -> bool:
    key, sep, _ = token.partition("=")
    return bool(sep) and key.lower() in FILTER_KEYS


def parse_filters(tokens: Sequence[str]) -> Audience:
    """Every token must be a filter; raises :class:`FilterError` otherwise."""
    languages: set[str] = set()
    topics: set[str] = set()
    include_groups = True
    for token in tokens:
        key, sep, raw = token.partition("=")
        name = FILTER_KEYS.get(key.lower()) if sep else None
        if name is None:
            raise FilterError("unknown", token)
        values = [v.strip().lower() for v in raw.split(",") if v.strip()]
        if name == "lang":
            for value in values or [raw]:
                if value not in SUPPORTED_LANGUAGES:
                    raise FilterError("language", value)
                languages.add(value)
        elif name == "topic":
            for value in values or [raw]:
                if value not in TOPICS:
                    raise FilterError("topic", value)
                topics.add(value)
        else:
            value = raw.strip().lower()
            if value in _YES:
                include_groups = True
            elif value in _NO:
                include_groups = False
            else:
                raise FilterError("groups", raw)
    return Audience(
        languages=frozenset(languages), topics=frozenset(topics), include_groups=include_groups
    )


def split_leading_filters(text: str) -> tuple[list[str], int]:
    """The filter tokens at the start of ``text`` and the index where the rest begins."""
    filters: list[str] = []
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        if match is None or not is_filter(match.group(1)):
            break
        filters.append(match.group(1))
        position = match.end()
    while position < len(text) and text[position].isspace():
        position += 1
    return filters, position


def parse_when(
    tokens: Sequence[str], now: datetime, timezone: str
) -> tuple[datetime, int] | None:
    """A sending time at the start of ``tokens``: ``+2h``, ``+30m``, ``+1d2h``, or
    ``YYYY-MM-DD HH:MM`` in ``timezone``. Returns ``(aware datetime, tokens used)``."""
    if not tokens:
        return None
    relative = _RELATIVE.match(tokens[0])
    if relative and any(relative.groups()):
        days, hours, minutes = (int(g or 0) for g in relative.groups())
        return now + timedelta(days=days, hours=hours, minutes=minutes), 1
    if len(tokens) >= 2 and _DATE.match(tokens[0]) and _TIME.match(tokens[1]):
        try:
            zone = ZoneInfo(timezone)
            naive = datetime.strptime(f"{tokens[0]} {tokens[1]}", "%Y-%m-%d %H:%M")
        except (ValueError, ZoneInfoNotFoundError):
            return None
        return naive.replace(tzinfo=zone), 2
    return None


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of ``text[index]`` (Telegram's entity offsets)."""
    return len(text[:index].encode("utf-16-le")) // 2
