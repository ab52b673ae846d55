"""An event as an iCalendar file (RFC 5545), for the "Add to calendar" button."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.i18n import Translator
from storage.models import Event

PRODUCT_ID = "-//eventbot//Expert events//EN"


def ics_filename(event: Event) -> str:
    return f"{event.id}.ics"


def _description(event: Event, t: Translator) -> str:
    """Plain text: the description, the moderator and the speakers, then the link."""
    lang = t.language
    parts: list[str] = []
    if event.format is not None:
        parts.append(event.format.get(lang))
    if event.description is not None:
        parts.append(event.description.get(lang).strip())
    if event.moderator is not None:
        person = event.moderator.name.get(lang)
        if event.moderator.position is not None:
            person += ", " + event.moderator.position.get(lang)
        parts.append(t._("Moderator: {person}").format(person=person))
    if event.speakers:
        names = [speaker.name.get(lang) for speaker in event.speakers]
        parts.append(t._("Speakers") + ":\n" + "\n".join(f"• {name}" for name in names))
    if event.link:
        parts.append(event.link)
    return "\n\n".join(part for part in parts if part)


def build_ics(event: Event, t: Translator, *, now: datetime | None = None) -> bytes:
    """A VCALENDAR with one VEVENT (and the VTIMEZONE its times refer to)."""
    zone = ZoneInfo(event.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"{event.id}@eventbot")
    entry.add("dtstamp", now or datetime.now(UTC))
    entry.add("dtstart", event.starts_at.astimezone(zone))
    if event.ends_at is not None:
        entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title.get(t.language))
    entry.add("description", _description(event, t))
    if event.link:
        entry.add("url", event.link)
    location = event.format.get(t.language) if event.format is not None else event.link
    if location:
        entry.add("location", location)
    if event.organisers:
        entry.add(
            "comment",
            t._("Organisers: {names}").format(
                names=", ".join(o.get(t.language) for o in event.organisers)
            ),
        )
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
