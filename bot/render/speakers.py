"""A speaker's page: who they are and the bullet points of what they said."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.i18n import Translator
from bot.render.split import split_html
from bot.render.types import Button, Rendered
from storage.models import Event, Speaker


def speaker_text(event: Event, speaker: Speaker, t: Translator) -> str:
    lang = t.language
    lines = [f"<b>{escape(speaker.name.get(lang))}</b>"]
    if speaker.position is not None:
        lines.append(f"<i>{escape(speaker.position.get(lang))}</i>")
    if speaker.role is not None:
        lines.append(escape(speaker.role.get(lang)))
    head = "\n".join(lines)
    title = "🗂 " + escape(event.title.get(lang))
    bullets = [f"• {escape(point.strip())}" for point in speaker.summary.get(lang) if point.strip()]
    return "\n\n".join([title, head, *bullets])


def speaker_buttons(event: Event, index: int, t: Translator) -> tuple[tuple[Button, ...], ...]:
    """◀ 2/6 ▶ and a way back to the card, in the language the page is shown in (its data
    carries the page's index, so going back is not counted as a language switch)."""
    total = len(event.speakers)
    lang = t.language
    nav: list[Button] = []
    if index > 0:
        nav.append(Button("◀️", callback_data=callbacks.encode("spk", event.id, index - 1, lang)))
    nav.append(
        Button(
            t._("{index}/{total}").format(index=t.number(index + 1), total=t.number(total)),
            callback_data=callbacks.encode("spk", event.id, index, lang),
        )
    )
    if index < total - 1:
        nav.append(Button("▶️", callback_data=callbacks.encode("spk", event.id, index + 1, lang)))
    back = Button(
        "↩️ " + t._("Back to the event"),
        callback_data=callbacks.encode("evl", event.id, lang, index),
    )
    return (tuple(nav), (back,))


def render_speaker_page(event: Event, index: int, t: Translator) -> list[Rendered]:
    """The page of speaker ``index`` (0-based) as one or more messages; only the last carries
    the navigation buttons. Raises ``IndexError`` for an index out of range."""
    if not 0 <= index < len(event.speakers):
        raise IndexError(f"event {event.id!r} has no speaker {index}")
    chunks = split_html(speaker_text(event, event.speakers[index], t))
    buttons = speaker_buttons(event, index, t)
    return [
        Rendered(chunk, buttons if number == len(chunks) - 1 else ())
        for number, chunk in enumerate(chunks)
    ]
