"""Event cards as broadcasts: ``/announce`` (rendered at once), ``/schedule`` and reminders
(kind ``event``, rendered when they fire, so they show the event as it is then); and an
event's digest (``/digest``, scheduled or automatic: kind ``event`` with ``"digest": true``,
rendered when it starts into a ``rendered`` payload of several messages per language)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_timedelta
from telegram.constants import MessageLimit

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Translator, translator
from bot.render.digest import render_digest
from bot.render.event_card import card_buttons, event_card_text, render_event_card
from bot.render.types import Rendered
from storage.events import EventRepository
from storage.models import Event, RatingSummary
from storage.ratings import RatingRepository

EVENT_KIND = "event"
NO_RATINGS = RatingSummary(votes=0, average=None)


def digest_request(event_id: str) -> dict[str, Any]:
    """The ``event`` payload of a digest (rendered when it starts)."""
    return {"event_id": event_id, "reminder": None, "digest": True}


def reminder_card(event: Event, t: Translator, starts_in: timedelta) -> Rendered:
    """The event card under a line saying when it starts."""
    minutes = max(round(starts_in.total_seconds() / 60), 1)  # 59 min 50 s reads "1 hour"
    when = format_timedelta(
        timedelta(minutes=minutes),
        threshold=1.0,
        add_direction=True,
        format="long",
        locale=t.locale,
    )
    header = "⏰ " + t._("Reminder: the event starts {when}.").format(when=when)
    body = event_card_text(event, t, limit=MessageLimit.MAX_TEXT_LENGTH - len(header) - 2)
    return Rendered(header + "\n\n" + body, card_buttons(event, t))


def event_payload(event: Event, starts_in: timedelta | None = None) -> dict[str, Any]:
    """A ``rendered`` payload: the card in every language (readers of a language the event
    lacks get its content in the event's default language, with their own labels)."""
    versions: dict[str, Any] = {}
    for language in SUPPORTED_LANGUAGES:
        t = translator(language)
        rendered = (
            render_event_card(event, t)
            if starts_in is None
            else reminder_card(event, t, starts_in)
        )
        versions[language] = rendered.to_dict()
    return {"versions": versions, "default": event.default_language}


def digest_payload(event: Event, rating: RatingSummary) -> dict[str, Any]:
    """A ``rendered`` payload of several messages: the digest in every language, each a list
    in sending order (``"digest": true`` names it so in admins' lists)."""
    versions = {
        language: [part.to_dict() for part in render_digest(event, rating, translator(language))]
        for language in SUPPORTED_LANGUAGES
    }
    return {"versions": versions, "default": event.default_language, "digest": True}


async def prepare_event(
    events: EventRepository,
    payload: dict[str, Any],
    now: datetime,
    ratings: RatingRepository | None = None,
) -> dict[str, Any] | None:
    """The ``rendered`` payload of an ``event`` broadcast firing now; None if it has nothing
    to send any more (the event was deleted, or a reminder comes after the start, or a
    digest's event has no speakers any more)."""
    event = await events.get(str(payload.get("event_id")))
    if event is None:
        return None
    if payload.get("digest"):
        if not event.speakers:
            return None
        rating = NO_RATINGS if ratings is None else await ratings.summary(event.id)
        return digest_payload(event, rating)
    if payload.get("reminder") is None:
        return event_payload(event)
    if event.starts_at <= now:
        return None
    return event_payload(event, event.starts_at - now)
