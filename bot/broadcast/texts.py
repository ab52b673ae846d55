"""What admins read about broadcasts: preview, progress, final report, the list. Pure.

Every function takes a :class:`~bot.i18n.Translator`; titles are admin- or content-supplied
and HTML-escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from babel.dates import format_timedelta

from bot import callbacks
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.render.dates import admin_time
from bot.render.types import Button, Rendered
from storage.broadcasts import Audience, BroadcastRow, Figures

BAR_WIDTH = 12


def N_(message: str) -> str:
    """Mark a message for the catalogs; translated later, per reader."""
    return message


STATE_NAMES: dict[str, str] = {
    "draft": N_("waiting for confirmation"),
    "scheduled": N_("scheduled"),
    "queuing": N_("preparing the recipients"),
    "running": N_("sending"),
    "done": N_("finished"),
    "cancelled": N_("cancelled"),
}


@dataclass(frozen=True)
class Speed:
    """Measured sending speed: messages per second and the estimated seconds left."""

    rate: float
    eta: float | None


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = width if total <= 0 else min(width, done * width // total)
    return "▰" * filled + "▱" * (width - filled)


def duration(t: Translator, seconds: float) -> str:
    """``45 seconds``, ``3 minutes``… in ``t``'s language."""
    return format_timedelta(
        timedelta(seconds=max(seconds, 1.0)), threshold=1.0, locale=t.locale, format="long"
    )


def title_line(t: Translator, row: BroadcastRow) -> str:
    """``#12 · title``, with reminders and digests named as such."""
    if row.reminder_offset is not None:
        label = t._("Reminder ({when} before the start): {title}").format(
            when=duration(t, row.reminder_offset), title=escape(row.title)
        )
    elif row.payload.get("digest"):
        label = t._("Digest: {title}").format(title=escape(row.title))
    else:
        label = escape(row.title)
    return f"#{row.id} · {label}"


def audience_line(t: Translator, audience: Audience) -> str:
    parts: list[str] = []
    if audience.languages:
        names = ", ".join(LANGUAGE_NAMES.get(code, code) for code in sorted(audience.languages))
        parts.append(t._("languages: {names}").format(names=names))
    if audience.topics:
        names = escape(", ".join(sorted(audience.topics)))
        parts.append(t._("topics: {names}").format(names=names))
    if not audience.include_groups:
        parts.append(t._("private chats only"))
    if not parts:
        return t._("Audience: every active subscriber")
    return t._("Audience: {filters}").format(filters="; ".join(parts))


def preview(
    t: Translator,
    row: BroadcastRow,
    by_language: Mapping[str, int],
    *,
    when: str | None = None,
    notes: Sequence[str] = (),
) -> Rendered:
    """The confirmation message under the preview: recipients and Confirm / Cancel.
    ``notes``: extra lines (HTML, escaped by the caller) about what is sent."""
    total = sum(by_language.values())
    lines = [
        "📣 <b>" + title_line(t, row) + "</b>",
        audience_line(t, row.audience),
        t.ngettext("Recipients: {n} subscriber", "Recipients: {n} subscribers", total).format(
            n=t.number(total)
        ),
    ]
    if by_language:
        lines.append(
            " · ".join(
                f"{LANGUAGE_NAMES.get(code, code)}: {t.number(n)}"
                for code, n in sorted(by_language.items())
            )
        )
    if when is not None:
        lines.append(t._("Sending time: {when}").format(when=escape(when)))
    lines += notes
    lines += ["", t._("The message above is what they will get. Send it?")]
    confirm = t._("Schedule") if when is not None else t._("Send")
    buttons = (
        (
            Button("✅ " + confirm, callback_data=callbacks.encode("bc", "go", row.id)),
            Button("✖️ " + t._("Cancel"), callback_data=callbacks.encode("bc", "no", row.id)),
        ),
    )
    return Rendered("\n".join(lines), buttons)


def messages_line(t: Translator, figures: Figures, messages_total: int) -> str:
    """``12 of 80 messages`` (a broadcast of several messages per recipient)."""
    return t.ngettext(
        "{done} of {n} message", "{done} of {n} messages", messages_total
    ).format(done=t.number(figures.messages), n=t.number(messages_total))


def progress(
    t: Translator,
    row: BroadcastRow,
    figures: Figures,
    total: int,
    speed: Speed | None,
    *,
    messages_total: int | None = None,
) -> Rendered:
    """The progress message, edited every few seconds while sending. ``messages_total``:
    the messages of a multi-part broadcast (the bar then counts them)."""
    recipients = t.ngettext(
        "{done} of {n} recipient", "{done} of {n} recipients", total
    ).format(done=t.number(figures.done), n=t.number(total))
    done = figures.done
    if messages_total is not None:  # the bar and the time left count messages
        done, total = min(figures.messages, messages_total), messages_total
    percent = t.percent(done / total if total else 1.0)
    lines = ["📤 <b>" + title_line(t, row) + "</b>", f"{progress_bar(done, total)} {percent}"]
    lines.append(recipients)
    if messages_total is not None:
        lines.append(messages_line(t, figures, messages_total))
    if speed is not None:
        figures_line = t._("{rate} messages/s").format(rate=t.number(round(speed.rate, 1)))
        if speed.eta is not None and done < total:
            figures_line += " · " + t._("about {time} more").format(time=duration(t, speed.eta))
        lines.append(figures_line)
    button = Button(
        "⏹ " + t._("Stop sending"), callback_data=callbacks.encode("bc", "stop", row.id)
    )
    return Rendered("\n".join(lines), ((button,),))


def figures_lines(t: Translator, figures: Figures) -> list[str]:
    lines = [t._("Delivered: {n}").format(n=t.number(figures.get("sent")))]
    for state, label in (
        ("blocked", N_("Blocked the bot: {n}")),
        ("failed", N_("Failed: {n}")),
        ("cancelled", N_("Cancelled: {n}")),
        ("pending", N_("Waiting: {n}")),
        ("sending", N_("Being sent: {n}")),
    ):
        if figures.get(state):
            lines.append(t._(label).format(n=t.number(figures.get(state))))
    return lines


def final_report(
    t: Translator,
    row: BroadcastRow,
    figures: Figures,
    cancelled: bool,
    messages_total: int | None = None,
) -> str:
    """The report after the last send; with ``messages_total`` (several messages per
    recipient) it counts both the recipients who got all of them and the messages."""
    head = (
        t._("Broadcast stopped: {title}") if cancelled else t._("Broadcast finished: {title}")
    ).format(title=title_line(t, row))
    total = figures.total
    if messages_total is None:
        reached = t.ngettext(
            "{sent} of {n} recipient got the message.",
            "{sent} of {n} recipients got the message.",
            total,
        ).format(sent=t.number(figures.get("sent")), n=t.number(total))
    else:
        reached = t.ngettext(
            "{sent} of {n} recipient got every message.",
            "{sent} of {n} recipients got every message.",
            total,
        ).format(sent=t.number(figures.get("sent")), n=t.number(total))
        reached += "\n" + t._("Messages delivered: {line}").format(
            line=messages_line(t, figures, messages_total)
        )
    return "\n".join(["🏁 <b>" + head + "</b>", reached, "", *figures_lines(t, figures)])


def finished_progress(
    t: Translator,
    row: BroadcastRow,
    figures: Figures,
    cancelled: bool,
    messages_total: int | None = None,
) -> str:
    """The last state of the progress message (no more buttons)."""
    state = t._("stopped") if cancelled else t._("finished")
    lines = [
        "📤 <b>" + title_line(t, row) + "</b>",
        f"{progress_bar(figures.done, figures.total)} {state}",
        *figures_lines(t, figures),
    ]
    if messages_total is not None:
        lines.append(t._("Messages delivered: {line}").format(
            line=messages_line(t, figures, messages_total)
        ))
    return "\n".join(lines)


def listing(
    t: Translator,
    rows: Sequence[tuple[BroadcastRow, Figures]],
    when: Mapping[int, str],
) -> str:
    """``/broadcasts``: the latest broadcasts with their figures."""
    if not rows:
        return t._("No broadcasts yet.")
    lines = ["<b>" + t._("Recent broadcasts") + "</b>"]
    for row, figures in rows:
        lines.append("")
        lines.append(f"<b>{title_line(t, row)}</b> — {t._(STATE_NAMES.get(row.state, row.state))}")
        if row.id in when:
            lines.append(escape(when[row.id]))
        if row.state in ("running", "done", "cancelled") and figures.total:
            lines.append(
                f"{progress_bar(figures.done, figures.total)} "
                + t.ngettext("{done} of {n} recipient", "{done} of {n} recipients", figures.total)
                .format(done=t.number(figures.done), n=t.number(figures.total))
            )
            lines.append(", ".join(figures_lines(t, figures)))
            if row.payload.get("digest"):
                lines.append(
                    t.ngettext("{n} message delivered", "{n} messages delivered", figures.messages)
                    .format(n=t.number(figures.messages))
                )
    lines += ["", t._("Stop one with /cancel_broadcast ID.")]
    return "\n".join(lines)


def scheduled_at_text(t: Translator, moment: datetime, event_zone: str | None) -> str:
    """A sending time for admins: in UTC, said so, and in the event's zone if there is one
    (the zone ``/schedule`` reads dates in). Plain text."""
    return admin_time(moment, t, event_zone=event_zone)
