"""Admin command arguments: audience filters (``lang=ru,ko topic=researchers groups=no``)
and sending times (``2026-05-01T15:00Z``, ``2026-05-01 15:00`` in the event's zone, ``+2h``,
``in 90 min``: see :func:`parse_when`). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import SUPPORTED_LANGUAGES
from storage.broadcasts import Audience
from storage.models import TOPICS

FILTER_KEYS = {"lang": "lang", "language": "lang", "topic": "topic", "topics": "topic",
               "groups": "groups"}
_YES = frozenset({"yes", "y", "1", "true", "on", "да", "예"})
_NO = frozenset({"no", "n", "0", "false", "off", "нет", "아니요"})
MAX_AHEAD = timedelta(days=366)
"""The furthest a broadcast can be scheduled: beyond that it is a typo (2062 for 2026)."""
MAX_OFFSET = timedelta(hours=14)
"""The largest UTC offset in use (Kiribati, +14:00)."""
_UNITS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
    **dict.fromkeys(("w", "week", "weeks"), 604800.0),
}
_IN = frozenset({"in"})
_NUMBER = re.compile(r"\d{1,9}(?:[.,]\d{1,3})?")
_PIECE = re.compile(r"(\d{1,9}(?:[.,]\d{1,3})?)([a-z]+)")
_PIECES = re.compile(r"(?:\d{1,9}(?:[.,]\d{1,3})?[a-z]+)+")
_ZONE_TEXT = r"Z|UTC|GMT|(?:UTC|GMT)?[+\-−]\d{1,2}(?::?\d{2})?"
_OFFSET = re.compile(r"([+\-−])(\d{1,2})(?::?(\d{2}))?")
_ZONE = re.compile(_ZONE_TEXT, re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_TIME_TEXT = r"(\d{1,2}:\d{2}(?::\d{2})?)(?:\.\d{1,6})?"
_CLOCK = re.compile(rf"{_TIME_TEXT}({_ZONE_TEXT})?", re.IGNORECASE)
_ISO = re.compile(
    rf"(\d{{4}}-\d{{1,2}}-\d{{1,2}})T{_TIME_TEXT}({_ZONE_TEXT})?", re.IGNORECASE
)
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


class WhenError(ValueError):
    """A sending time that cannot be used. ``problem`` is one of: ``unreadable`` (no time
    format matched), ``invalid`` (no such date, time or offset, e.g. ``2026-02-30``),
    ``past`` (not in the future; ``moment`` is how it was read), ``too_far`` (more than
    :data:`MAX_AHEAD` ahead). ``value`` is the text that was read."""

    def __init__(self, problem: str, value: str, moment: datetime | None = None) -> None:
        super().__init__(f"{problem}: {value}")
        self.problem = problem
        self.value = value
        self.moment = moment


def parse_when(tokens: Sequence[str], now: datetime, timezone: str) -> tuple[datetime, int]:
    """A sending time at the start of ``tokens``; returns ``(moment in UTC, tokens used)``.

    Accepted: ISO 8601 (``2026-05-01T15:00``, with seconds, with ``Z`` or an offset such as
    ``+03:00``), ``YYYY-MM-DD HH:MM[:SS]`` optionally followed by ``UTC`` or an offset,
    both in ``timezone`` when no zone is given; and relative times: ``+90s``, ``+20m``,
    ``+2h``, ``+1d``, ``+1h30m``, ``in 2h``, ``in 90 min``, ``in 1 hour 30 minutes``.
    The moment must be after ``now`` and at most :data:`MAX_AHEAD` later; raises
    :class:`WhenError` otherwise.
    """
    if not tokens:
        raise WhenError("unreadable", "")
    relative = _relative(tokens)
    if relative is not None:
        seconds, used = relative
        value = " ".join(tokens[:used])
        if seconds > MAX_AHEAD.total_seconds():
            raise WhenError("too_far", value)
        return _checked(now + timedelta(seconds=round(seconds)), now, value), used
    moment, used = _absolute(tokens, timezone)
    return _checked(moment, now, " ".join(tokens[:used])), used


def _checked(moment: datetime, now: datetime, value: str) -> datetime:
    if moment <= now:
        raise WhenError("past", value, moment)
    if moment - now > MAX_AHEAD:
        raise WhenError("too_far", value)
    return moment.astimezone(UTC)


def _relative(tokens: Sequence[str]) -> tuple[float, int] | None:
    """``+…`` or ``in …``: the duration in seconds and the tokens it took, or None if the
    tokens do not start with one. A start without a readable duration is ``unreadable``."""
    first = tokens[0].lower()
    if first.startswith("+") and not _OFFSET.fullmatch(first):
        rest: list[str] = [first[1:]] if first[1:] else []
    elif first in _IN:
        rest = []
    else:
        return None
    rest += [token.lower() for token in tokens[1:]]
    seconds, used = _duration(rest)
    if used == 0:
        raise WhenError("unreadable", " ".join(tokens[:2]))
    return seconds, used + (1 if first in _IN or first == "+" else 0)


def _duration(tokens: Sequence[str]) -> tuple[float, int]:
    """Pieces such as ``1h30m``, ``90 min``, ``2 hours 30 minutes`` at the start of
    ``tokens``: total seconds and the tokens used (0 if none)."""
    total = 0.0
    used = 0
    while used < len(tokens):
        token = tokens[used]
        glued = _PIECES.fullmatch(token)
        if glued is not None:
            pieces = _PIECE.findall(token)
            if not all(unit in _UNITS for _, unit in pieces):
                break
            total += sum(_amount(n) * _UNITS[unit] for n, unit in pieces)
            used += 1
        elif (
            _NUMBER.fullmatch(token)
            and used + 1 < len(tokens)
            and tokens[used + 1] in _UNITS
        ):
            total += _amount(token) * _UNITS[tokens[used + 1]]
            used += 2
        else:
            break
    return total, used


def _amount(text: str) -> float:
    return float(text.replace(",", "."))


def _absolute(tokens: Sequence[str], timezone: str) -> tuple[datetime, int]:
    """ISO 8601 in one token, or date and time (and a zone) in two or three."""
    iso = _ISO.fullmatch(tokens[0])
    if iso is not None:
        day, clock, zone = iso.group(1), iso.group(2), iso.group(3)
        used = 1
    elif len(tokens) >= 2 and _DATE.fullmatch(tokens[0]):
        timed = _CLOCK.fullmatch(tokens[1])
        if timed is None:
            raise WhenError("unreadable", " ".join(tokens[:2]))
        day, clock, zone = tokens[0], timed.group(1), timed.group(2)
        used = 2
        if zone is None and len(tokens) >= 3 and _ZONE.fullmatch(tokens[2]):
            zone = tokens[2]
            used = 3
    else:
        raise WhenError("unreadable", tokens[0])
    value = " ".join(tokens[:used])
    year, month, date = (int(part) for part in day.split("-"))
    try:
        zone_info = _zone(zone, timezone)
        hour, minute, second = (int(part) for part in (clock + ":0").split(":")[:3])
        naive = datetime(year, month, date, hour, minute, second)
        return naive.replace(tzinfo=zone_info).astimezone(UTC), used
    except OverflowError:  # around year 1 or 9999
        raise WhenError("too_far" if year > 5000 else "invalid", value) from None
    except (ValueError, ZoneInfoNotFoundError):
        raise WhenError("invalid", value) from None


def _zone(zone: str | None, default: str) -> tzinfo:
    """``None`` → ``default`` (an IANA name); ``Z``, ``UTC``, ``GMT``; ``±HH[[:]MM]``,
    ``UTC±H[:MM]``. Offsets beyond ±14:00 do not exist (ValueError)."""
    if zone is None:
        return ZoneInfo(default)
    upper = zone.upper()
    if upper in ("Z", "UTC", "GMT"):
        return UTC
    match = _OFFSET.fullmatch(upper.removeprefix("UTC").removeprefix("GMT"))
    if match is None:
        raise ValueError(zone)
    sign = -1 if match.group(1) in ("-", "−") else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if minutes >= 60 or timedelta(hours=hours, minutes=minutes) > MAX_OFFSET:
        raise ValueError(zone)
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of ``text[index]`` (Telegram's entity offsets)."""
    return len(text[:index].encode("utf-16-le")) // 2
