"""The event card: what an event is, when, who runs it, with its buttons.

Used by ``/events``, deep links, inline mode and ``/announce``; pure (no Telegram calls).
"""

from __future__ import annotations

from html import escape

from babel.lists import format_list
from telegram.constants import MessageLimit

from bot import callbacks
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.render.dates import event_when
from bot.render.question_buttons import ask_buttons
from bot.render.types import Button, Rendered
from storage.models import Event, Person, RatingSummary

EVENT_ID_MAX_LENGTH = 48
"""Longest event id the buttons can carry: ``spk:<id>:<index>:<lang>`` must fit the 64-byte
callback data, and ``ev_<id>`` the 64-character deep-link parameter (letters, digits, ``_``,
``-`` only)."""

DEEP_LINK_PREFIX = "ev_"
FOLLOW_PREFIX = "flw"
"""``flw:<event id>:<card language>:<1 follow | 0 unfollow>`` (bot/handlers/follow.py)."""


def deep_link(bot_username: str, event_id: str) -> str:
    """The link that opens the bot on this event's card (``/start ev_<id>``)."""
    return f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{event_id}"


def card_languages(event: Event) -> tuple[str, ...]:
    """The languages the card can be switched to: the event's own, else all supported."""
    own = event.languages or frozenset(SUPPORTED_LANGUAGES)
    return tuple(language for language in SUPPORTED_LANGUAGES if language in own)


def person_line(person: Person, language: str) -> str:
    """``Name, position`` as HTML-escaped text."""
    name = escape(person.name.get(language))
    if person.position is None:
        return name
    return f"{name}, {escape(person.position.get(language))}"


def rating_line(rating: RatingSummary, t: Translator) -> str | None:
    if rating.votes <= 0 or rating.average is None:
        return None
    return t.ngettext(
        "Rating: {rating} ({n} vote)", "Rating: {rating} ({n} votes)", rating.votes
    ).format(rating=t.number(round(rating.average, 1)), n=t.number(rating.votes))


def _fit(text: str, budget: int) -> str:
    """``text`` escaped, cut at a word boundary with an ellipsis so it takes ``budget``."""
    escaped = escape(text)
    if len(escaped) <= budget:
        return escaped
    low, high = 0, min(len(text), max(budget - 1, 0))
    while low < high:  # the longest prefix whose escaped form leaves room for "…"
        middle = (low + high + 1) // 2
        if len(escape(text[:middle])) <= budget - 1:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return escape(cut.rstrip()) + "…"


fit_escaped = _fit
"""Public name of :func:`_fit`, for other renderers (audience questions)."""


def _head(event: Event, t: Translator, rating: RatingSummary | None) -> tuple[list[str], list[str]]:
    """The lines before the description and the lines after it."""
    lang = t.language
    before = [f"<b>{escape(event.title.get(lang))}</b>", ""]
    before.append("🗓 " + escape(event_when(event.starts_at, event.ends_at, event.timezone, t)))
    if event.format is not None:
        before.append("🎙 " + escape(event.format.get(lang)))
    if event.organisers:
        names = format_list([o.get(lang) for o in event.organisers], locale=t.locale)
        before.append("🏛 " + t._("Organisers: {names}").format(names=escape(names)))
    if event.moderator is not None:
        before.append(
            "🎤 " + t._("Moderator: {person}").format(person=person_line(event.moderator, lang))
        )
    after: list[str] = []
    if event.link:
        after.append(f'🔗 <a href="{escape(event.link, quote=True)}">{escape(event.link)}</a>')
    line = rating_line(rating, t) if rating is not None else None
    if line is not None:
        after.append("⭐ " + escape(line))
    return before, after


def event_card_text(
    event: Event, t: Translator, rating: RatingSummary | None = None, *, limit: int | None = None
) -> str:
    """The card's HTML, never longer than ``limit`` (the description is shortened if needed)."""
    limit = limit or MessageLimit.MAX_TEXT_LENGTH
    before, after = _head(event, t, rating)
    parts = ["\n".join(before)]
    tail = "\n".join(after)
    if event.description is not None:
        fixed = len(parts[0]) + len(tail) + 4
        parts.append(_fit(event.description.get(t.language).strip(), limit - fixed))
    if tail:
        parts.append(tail)
    return "\n\n".join(part for part in parts if part)


def follow_button(event: Event, t: Translator, following: bool) -> Button:
    """Follow live, or (for a chat that follows) Unfollow live; the data says which, so a
    stale button does what its label says."""
    if following:
        label, wanted = "⚪ " + t._("Unfollow live"), 0
    else:
        label, wanted = "🔴 " + t._("Follow live"), 1
    data = callbacks.encode(FOLLOW_PREFIX, event.id, t.language, wanted)
    return Button(label, callback_data=data)


def card_buttons(
    event: Event, t: Translator, *, following: bool = False
) -> tuple[tuple[Button, ...], ...]:
    """Speakers, Add to calendar; Follow live (or Unfollow live, for a chat that follows);
    Ask a question, Questions; one button per other language; Share."""
    first: list[Button] = []
    if event.speakers:
        first.append(
            Button(
                "👥 " + t._("Speakers"),
                callback_data=callbacks.encode("spk", event.id, 0, t.language),
            )
        )
    first.append(
        Button("📅 " + t._("Add to calendar"), callback_data=callbacks.encode("ics", event.id))
    )
    switch = tuple(
        Button(
            "🌐 " + LANGUAGE_NAMES[language],
            callback_data=callbacks.encode("evl", event.id, language),
        )
        for language in card_languages(event)
        if language != t.language
    )
    share = (Button("↗️ " + t._("Share"), switch_inline_query=event.id),)
    live = (follow_button(event, t, following),)
    questions = ask_buttons(event, t)
    return tuple(row for row in (tuple(first), live, questions, switch, share) if row)


def render_event_card(
    event: Event,
    t: Translator,
    *,
    rating: RatingSummary | None = None,
    bot_username: str | None = None,
    following: bool = False,
) -> Rendered:
    """The card in ``t``'s language (``following``: the chat follows the event live).

    With ``bot_username`` the card is meant to be posted outside the bot's own chats (inline
    mode): instead of callback buttons it carries one link that opens it in the bot.
    """
    text = event_card_text(event, t, rating)
    if bot_username is not None:
        button = Button("🤖 " + t._("Open in the bot"), url=deep_link(bot_username, event.id))
        return Rendered(text, ((button,),))
    return Rendered(text, card_buttons(event, t, following=following))
