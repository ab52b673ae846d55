"""When an event happens, in the reader's locale and the event's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_time, get_timezone_name

from bot.i18n import Translator

_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal"})


def _offset(moment: datetime) -> str:
    """``UTC+3``, ``UTC+5:30``, ``UTC−4`` style offset of an aware datetime."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(moment: datetime, timezone: str, t: Translator) -> str:
    """The zone's name in the reader's language with its UTC offset: ``Moscow Time, UTC+3``."""
    if timezone in _UTC_NAMES:
        return "UTC"
    name = get_timezone_name(ZoneInfo(timezone), "long", locale=t.locale)
    return t._("{zone}, {offset}").format(zone=name, offset=_offset(moment))


def _time_skeleton(t: Translator) -> str:
    """``hm`` where the locale writes 12-hour times (en, ko), ``Hm`` elsewhere."""
    pattern = t.locale.time_formats["short"].pattern
    return "hm" if "h" in pattern else "Hm"


def event_when(starts_at: datetime, ends_at: datetime | None, timezone: str, t: Translator) -> str:
    """``Tuesday, April 20, 2021, 10:00 AM – 12:30 PM (Moscow Time, UTC+3)`` in ``t``'s locale.

    Plain text (escape it before putting it into HTML, like any other value).
    """
    zone = ZoneInfo(timezone)
    start = starts_at.astimezone(zone)
    day = format_date(start, "full", locale=t.locale)
    if ends_at is None:
        when = t._("{date}, {time}").format(
            date=day, time=format_time(start, "short", tzinfo=zone, locale=t.locale)
        )
    else:
        end = ends_at.astimezone(zone)
        if end.date() == start.date():
            times = format_interval(start, end, _time_skeleton(t), tzinfo=zone, locale=t.locale)
            when = t._("{date}, {time}").format(date=day, time=times)
        else:
            when = t._("{start} – {end}").format(
                start=t._("{date}, {time}").format(
                    date=day, time=format_time(start, "short", tzinfo=zone, locale=t.locale)
                ),
                end=t._("{date}, {time}").format(
                    date=format_date(end, "full", locale=t.locale),
                    time=format_time(end, "short", tzinfo=zone, locale=t.locale),
                ),
            )
    return t._("{when} ({zone})").format(when=when, zone=zone_label(start, timezone, t))


def event_day(starts_at: datetime, timezone: str, t: Translator) -> str:
    """The short date of an event (lists, inline results): ``Apr 20, 2021``."""
    return format_date(starts_at.astimezone(ZoneInfo(timezone)), "medium", locale=t.locale)


ADMIN_ZONE = "UTC"
"""The one zone of every time admins read (schedules, /broadcasts, poll closing times): the
bot has no configured time zone (bot/config.py), so UTC, always said on the line."""


def _moment_in(moment: datetime, zone: ZoneInfo, t: Translator) -> str:
    local = moment.astimezone(zone)
    return t._("{date}, {time}").format(
        date=format_date(local, "medium", locale=t.locale),
        time=format_time(local, "short", tzinfo=zone, locale=t.locale),
    )


def admin_time(moment: datetime, t: Translator, *, event_zone: str | None = None) -> str:
    """``May 1, 2026, 12:00 PM UTC`` in ``t``'s locale; with ``event_zone`` (an event's
    zone, in which the admin may have typed the time) its local time follows:
    ``… · event time: May 1, 2026, 3:00 PM (Moscow Standard Time, UTC+3)``. Plain text."""
    when = f"{_moment_in(moment, ZoneInfo(ADMIN_ZONE), t)} {ADMIN_ZONE}"
    if event_zone is None or event_zone in _UTC_NAMES:
        return when
    zone = ZoneInfo(event_zone)
    local = t._("{when} ({zone})").format(
        when=_moment_in(moment, zone, t), zone=zone_label(moment.astimezone(zone), event_zone, t)
    )
    return t._("{when} · event time: {local}").format(when=when, local=local)
