"""``/stats EVENT_ID``: what the audience did with one event, and its readers-per-speaker chart.

Pure: :class:`~bot.services.event_stats.EventStats` and a Translator in, HTML (or PNG bytes)
out. Every figure is on a labelled line (``Card opens: 3 people, 5 times``) so an admin finds
it, counts with their plural forms.
"""

from __future__ import annotations

from html import escape

from bot.i18n import LANGUAGE_NAMES, Translator
from bot.render.bars import Bar, render_bar_chart
from bot.render.event_card import card_languages, rating_line
from bot.render.fonts import FontSet
from bot.render.results import voters_line
from bot.services.event_stats import (
    ANNOUNCEMENT,
    DIGEST,
    RATING,
    REMINDER,
    Deliveries,
    EventStats,
)
from storage.engagement import Tally

_ALWAYS_SHOWN = (ANNOUNCEMENT, REMINDER, DIGEST)
"""Delivery lines shown even without broadcasts; rating prompts only when there were any."""


def _labelled(label: str, value: str) -> str:
    return f"{label}: {value}"


def _category(name: str, t: Translator) -> str:
    labels = {
        ANNOUNCEMENT: t._("Announcements"),
        REMINDER: t._("Reminders"),
        DIGEST: t._("Digests"),
        RATING: t._("Rating prompts"),
    }
    return labels[name]


def people(n: int, t: Translator) -> str:
    return t.ngettext("{n} person", "{n} people", n).format(n=t.number(n))


def people_and_times(tally: Tally, t: Translator) -> str:
    """``3 people, 5 times``."""
    times = t.ngettext("{n} time", "{n} times", tally.times).format(n=t.number(tally.times))
    return t._("{people}, {times}").format(people=people(tally.people, t), times=times)


def delivery_line(name: str, deliveries: Deliveries, t: Translator) -> str:
    """``Announcements: 2 broadcasts · Delivered: 3, Blocked the bot: 1, Failed: 0``."""
    figures = deliveries.figures
    parts = [
        t.ngettext("{n} broadcast", "{n} broadcasts", deliveries.broadcasts).format(
            n=t.number(deliveries.broadcasts)
        ),
        ", ".join(
            [
                t._("Delivered: {n}").format(n=t.number(figures.get("sent"))),
                t._("Blocked the bot: {n}").format(n=t.number(figures.get("blocked"))),
                t._("Failed: {n}").format(n=t.number(figures.get("failed"))),
            ]
        ),
    ]
    waiting = figures.get("pending") + figures.get("sending")
    if waiting:
        parts.append(t._("Waiting: {n}").format(n=t.number(waiting)))
    return _labelled(_category(name, t), " · ".join(parts))


def speaker_names(stats: EventStats, t: Translator) -> list[tuple[str, int]]:
    """``(name, readers)`` of every speaker of the event, in the content's order."""
    readers = stats.engagement.speakers
    return [
        (speaker.name.get(t.language), readers.get(speaker.key, 0))
        for speaker in stats.event.speakers
    ]


def _languages(stats: EventStats, t: Translator) -> str:
    switched = stats.engagement.languages
    count = t.ngettext("{n} switch", "{n} switches", stats.engagement.switches).format(
        n=t.number(stats.engagement.switches)
    )
    known = list(card_languages(stats.event))
    known += sorted(code for code in switched if code not in known)
    by_target = [
        f"{LANGUAGE_NAMES.get(code, escape(code))}: {t.number(switched[code])}"
        for code in known
        if switched.get(code)
    ]
    return count + (" (" + ", ".join(by_target) + ")" if by_target else "")


def render_event_stats(stats: EventStats, t: Translator) -> str:
    """The ``/stats EVENT_ID`` message (HTML)."""
    event = stats.event
    figures = stats.engagement
    lines = [
        "📊 <b>" + escape(event.title.get(t.language)) + f"</b> · <code>{escape(event.id)}</code>",
        "",
        "<b>" + t._("Deliveries") + "</b>",
    ]
    for name in (*_ALWAYS_SHOWN, RATING):
        deliveries = stats.deliveries.get(name, Deliveries())
        if name in _ALWAYS_SHOWN or deliveries.broadcasts:
            lines.append(delivery_line(name, deliveries, t))
    lines += ["", "<b>" + t._("Audience") + "</b>"]
    lines.append(_labelled(t._("Card opens"), people_and_times(figures.opens, t)))
    lines.append(_labelled(t._("Speaker readers"), people(figures.readers, t)))
    lines += [  # numbered as the chart's bars (a chart without the texts has only numbers)
        f"{index}. {escape(name)}: {people(n, t)}"
        for index, (name, n) in enumerate(speaker_names(stats, t), start=1)
    ]
    lines.append(_labelled(t._("Language switches"), _languages(stats, t)))
    lines.append(_labelled(t._("Calendar downloads"), people_and_times(figures.calendar, t)))
    if stats.live_followers is not None:
        lines.append(_labelled(t._("Live followers"), people(stats.live_followers, t)))
    lines.append(_labelled(t._("Poll voters"), "" if stats.polls else t._("no polls")))
    lines += [
        f"• {escape(poll.question.get(t.language))}: {voters_line(voters, t)}"
        for poll, voters in stats.polls
    ]
    lines.append(rating_line(stats.rating, t) or t._("No ratings yet."))
    return "\n".join(line.rstrip() for line in lines)


def render_readers_chart(stats: EventStats, t: Translator, fonts: FontSet | None = None) -> bytes:
    """Readers per speaker as a PNG bar chart (:func:`render_bar_chart`: labelled where the
    fonts can, numbered otherwise)."""
    bars = [Bar(name, n, people(n, t)) for name, n in speaker_names(stats, t)]
    return render_bar_chart(
        t._("Speaker readers"),
        bars,
        subtitle=stats.event.title.get(t.language),
        notes=[_labelled(t._("Speaker readers"), people(stats.engagement.readers, t))],
        numbered=True,
        fonts=fonts,
    )
