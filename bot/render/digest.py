"""The digest of an event: the summary of the discussion as a series of messages. Pure.

In this order: a header (title, date, format, moderator, "Summary of the discussion"), each
speaker's page exactly as the event card shows it (``render_speaker_page``: the same text,
split on the same paragraph boundaries, without the card's navigation buttons, which would
turn a digest message into another speaker's page), and last the "Rate this event" prompt of
``/rate`` with its 1–5 buttons.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.render.dates import event_when
from bot.render.event_card import person_line
from bot.render.ratings import render_rating_prompt
from bot.render.speakers import render_speaker_page
from bot.render.types import Rendered
from storage.models import Event, RatingSummary


def digest_header(event: Event, t: Translator) -> Rendered:
    lang = t.language
    lines = [f"<b>{escape(event.title.get(lang))}</b>", ""]
    lines.append("🗓 " + escape(event_when(event.starts_at, event.ends_at, event.timezone, t)))
    if event.format is not None:
        lines.append("🎙 " + escape(event.format.get(lang)))
    if event.moderator is not None:
        lines.append(
            "🎤 " + t._("Moderator: {person}").format(person=person_line(event.moderator, lang))
        )
    lines += ["", "📝 <b>" + escape(t._("Summary of the discussion")) + "</b>"]
    return Rendered("\n".join(lines))


def render_digest(event: Event, rating: RatingSummary, t: Translator) -> list[Rendered]:
    """Every message of the digest, in order, in ``t``'s language (texts the event lacks in
    it come in its default language, as everywhere)."""
    parts = [digest_header(event, t)]
    for index in range(len(event.speakers)):
        parts += [Rendered(page.text) for page in render_speaker_page(event, index, t)]
    parts.append(render_rating_prompt(event, rating, t))
    return parts
