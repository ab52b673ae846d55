"""/events: upcoming and recent events, each with a button that opens its card."""

from __future__ import annotations

from html import escape

from telegram.constants import InlineKeyboardButtonLimit

from bot import callbacks
from bot.i18n import Translator
from bot.render.dates import event_day
from bot.render.types import Button, Rendered
from storage.models import Event

BUTTON_TITLE_LENGTH = 40
"""Titles are shortened on buttons so a long one stays readable on a phone."""


def _short(text: str, limit: int = BUTTON_TITLE_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _line(event: Event, t: Translator) -> str:
    day = event_day(event.starts_at, event.timezone, t)
    return f"• {escape(day)} — <b>{escape(event.title.get(t.language))}</b>"


def _button(event: Event, t: Translator, mark: str) -> Button:
    label = f"{mark} {_short(event.title.get(t.language))}"
    return Button(
        label[: InlineKeyboardButtonLimit.MAX_CALLBACK_DATA * 4],
        callback_data=callbacks.encode("ev", event.id),
    )


def render_event_list(upcoming: list[Event], recent: list[Event], t: Translator) -> Rendered:
    if not upcoming and not recent:
        return Rendered(
            t._("There are no events yet. You will get an announcement when one is added.")
        )
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    if upcoming:
        lines.append("<b>" + t._("Upcoming events") + "</b>")
        lines += [_line(event, t) for event in upcoming]
        rows += [(_button(event, t, "🗓"),) for event in upcoming]
    else:
        lines.append(t._("No upcoming events yet."))
    if recent:
        lines += ["", "<b>" + t._("Recent events") + "</b>"]
        lines += [_line(event, t) for event in recent]
        rows += [(_button(event, t, "📚"),) for event in recent]
    lines += ["", t._("Tap an event to open its card.")]
    return Rendered("\n".join(lines), tuple(rows))
