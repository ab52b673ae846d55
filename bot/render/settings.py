"""The subscription dialogue: welcome, language picker, topics picker, summaries."""

from __future__ import annotations

from html import escape

from babel.lists import format_list

from bot import callbacks
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.render.types import Button, Rendered
from storage.models import TOPICS, Subscriber

START_FLOW = "start"
"""Callback flow marker: the first-time dialogue (language, then topics)."""
SET_FLOW = "set"
"""Callback flow marker: changing one setting with /language or /topics."""
FLOWS = (START_FLOW, SET_FLOW)
DONE = "done"

PICKER_ORDER: tuple[str, ...] = ("ru", "ko", "en")
"""The order of the language buttons (as the issue lists them: ru / 한국어 / en)."""


def topic_name(topic: str, t: Translator) -> str:
    names = {
        "business": t._("For business"),
        "researchers": t._("For researchers"),
        "students": t._("For students"),
    }
    return names.get(topic, topic)


def topics_text(topics: frozenset[str], t: Translator) -> str:
    """The chosen topics as a list, or "all topics" when none is chosen."""
    if not topics:
        return t._("all topics")
    return format_list([topic_name(x, t) for x in TOPICS if x in topics], locale=t.locale)


def language_buttons(selected: str, flow: str) -> tuple[tuple[Button, ...], ...]:
    order = [code for code in PICKER_ORDER if code in SUPPORTED_LANGUAGES]
    return (
        tuple(
            Button(
                ("✅ " if code == selected else "") + LANGUAGE_NAMES[code],
                callback_data=callbacks.encode("lang", code, flow),
            )
            for code in order
        ),
    )


def render_welcome(selected: str, t: Translator, *, group_title: str | None = None) -> Rendered:
    """First /start: what the bot does, then the language picker (``selected`` pre-ticked)."""
    if group_title is not None:
        intro = t._(
            "Hello! This group ({title}) is now subscribed to event announcements: "
            "speakers' summaries, polls and ratings."
        ).format(title=escape(group_title))
    else:
        intro = t._(
            "Hello! I announce expert events and send you each speaker's summary, "
            "polls and ratings."
        )
    text = intro + "\n\n" + t._("Choose your language:")
    return Rendered(text, language_buttons(selected, START_FLOW))


def render_language_picker(selected: str, t: Translator) -> Rendered:
    """/language: the picker with the current language ticked."""
    return Rendered(t._("Choose your language:"), language_buttons(selected, SET_FLOW))


def render_topics_picker(selected: frozenset[str], t: Translator, flow: str) -> Rendered:
    text = t._("Which events interest you? Tap to select, then press Done.")
    text += "\n" + t._("If you select nothing, you get announcements on all topics.")
    rows = [
        (
            Button(
                ("✅ " if topic in selected else "▫️ ") + topic_name(topic, t),
                callback_data=callbacks.encode("top", topic, flow),
            ),
        )
        for topic in TOPICS
    ]
    rows.append((Button(t._("Done"), callback_data=callbacks.encode("top", DONE, flow)),))
    return Rendered(text, tuple(rows))


def render_language_set(language: str, t: Translator) -> str:
    return t._("Language: {language}.").format(language=LANGUAGE_NAMES[language])


def render_summary(subscriber: Subscriber, t: Translator) -> str:
    """Where the subscription stands, with the commands that change it."""
    lines = [
        t._("You are subscribed.")
        if subscriber.active
        else t._("You are unsubscribed; send /start to subscribe again."),
        t._("Language: {language}.").format(language=LANGUAGE_NAMES[subscriber.language]),
        t._("Topics: {topics}.").format(topics=escape(topics_text(subscriber.topics, t))),
        "",
        t._(
            "/events shows the events; /language and /topics change your settings; "
            "/help lists everything."
        ),
    ]
    return "\n".join(lines)


def render_welcome_back(subscriber: Subscriber, t: Translator) -> str:
    return t._("Welcome back!") + " " + render_summary(subscriber, t)
