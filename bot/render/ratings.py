"""The "Rate this event" message with its 1–5 buttons. Pure."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.i18n import Translator
from bot.render.event_card import rating_line
from bot.render.types import Button, Rendered
from storage.models import Event, RatingSummary
from storage.ratings import MAX_STARS, MIN_STARS

RATE_PREFIX = "rate"


def rating_buttons(event_id: str) -> tuple[tuple[Button, ...], ...]:
    return (
        tuple(
            Button(f"{stars} ⭐", callback_data=callbacks.encode(RATE_PREFIX, event_id, stars))
            for stars in range(MIN_STARS, MAX_STARS + 1)
        ),
    )


def render_rating_prompt(
    event: Event, summary: RatingSummary, t: Translator, *, chosen: int | None = None
) -> Rendered:
    """Title, the current rating ("Rating: 4.5 (2 votes)", as on the event card), and the
    reader's own rating when the message is theirs alone (``chosen``)."""
    lines = [
        "⭐ <b>" + escape(t._("Rate this event")) + "</b>",
        escape(event.title.get(t.language)),
        "",
        escape(rating_line(summary, t) or t._("No ratings yet.")),
    ]
    if chosen is not None:
        lines.append(escape(t._("Your rating: {stars} of 5").format(stars=t.number(chosen))))
    return Rendered("\n".join(lines), rating_buttons(event.id))
