"""The live mode's messages: the admins' control message and what followers get. Pure.

A speaker's summary is the speaker page of the event card (``render_speaker_page``); the end
of the event carries the rating prompt of ``/rate`` (``render_rating_prompt``).
"""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.i18n import Translator
from bot.render.question_buttons import ask_buttons
from bot.render.ratings import render_rating_prompt
from bot.render.types import Button, Rendered
from storage.live import LiveSession, say_action, summary_action
from storage.models import Event, RatingSummary, Speaker

LIVE_PREFIX = "live"
"""``live:<session id>:<op>:<speaker index>``, ``op`` one of :data:`OPS`."""
SAY, SUMMARY, STOP = "say", "sum", "end"
OPS = frozenset({SAY, SUMMARY, STOP})
SENT_MARK = " ✓"


def control_data(session: LiveSession, op: str, index: int = 0) -> str:
    return callbacks.encode(LIVE_PREFIX, session.id, op, index)


def speaker_line(speaker: Speaker, language: str) -> str:
    """``<b>Name</b>, position — role`` (HTML-escaped; position and role when given)."""
    line = f"<b>{escape(speaker.name.get(language))}</b>"
    if speaker.position is not None:
        line += ", " + escape(speaker.position.get(language))
    if speaker.role is not None:
        line += " — " + escape(speaker.role.get(language))
    return line


def _current(event: Event, session: LiveSession) -> Speaker | None:
    return next((s for s in event.speakers if s.key == session.current_speaker), None)


def render_control(
    event: Event, session: LiveSession, sent: set[str], followers: int, t: Translator
) -> Rendered:
    """For admins: per speaker 🎤 (now speaking) and 📝 (their summary), then ⏹ End live;
    what was sent already is marked ✓. Once the session ended: the text alone."""
    lang = t.language
    title = escape(event.title.get(lang))
    if not session.open:
        return Rendered("⏹ " + escape(t._("The live mode has ended.")) + f"\n<b>{title}</b>")
    lines = [
        "🔴 " + escape(t._("Live mode")) + f": <b>{title}</b>",
        escape(
            t.ngettext("{n} follower", "{n} followers", followers).format(n=t.number(followers))
        ),
    ]
    speaking = _current(event, session)
    if speaking is not None:
        now = t._("Now speaking: {speaker}").format(speaker=speaker_line(speaking, lang))
        lines.append("🎤 " + now)
    lines += [
        "",
        escape(
            t._(
                "🎤 tells the followers who is speaking now, 📝 sends them that speaker's "
                "summary, ⏹ ends the live mode with the rating buttons. Each button works once."
            )
        ),
    ]
    rows: list[tuple[Button, ...]] = []
    for index, speaker in enumerate(event.speakers):
        name = speaker.name.get(lang)
        say = "🎤 " + name + (SENT_MARK if say_action(speaker.key) in sent else "")
        summary = "📝 " + name + (SENT_MARK if summary_action(speaker.key) in sent else "")
        rows.append(
            (
                Button(say, callback_data=control_data(session, SAY, index)),
                Button(summary, callback_data=control_data(session, SUMMARY, index)),
            )
        )
    rows.append((Button("⏹ " + t._("End live"), callback_data=control_data(session, STOP)),))
    return Rendered("\n".join(lines), tuple(rows))


def render_now_speaking(event: Event, speaker: Speaker, t: Translator) -> Rendered:
    """To followers: the event and "Now speaking: Name, position — role", with the card's
    ❓ Ask a question / ❔ Questions row (the moment people want to ask)."""
    lang = t.language
    return Rendered(
        f"🔴 <b>{escape(event.title.get(lang))}</b>\n"
        + "🎤 "
        + t._("Now speaking: {speaker}").format(speaker=speaker_line(speaker, lang)),
        (ask_buttons(event, t),),
    )


def render_live_end(event: Event, summary: RatingSummary, t: Translator) -> Rendered:
    """To followers: the event has ended, with the rating prompt and its 1–5 buttons."""
    prompt = render_rating_prompt(event, summary, t)
    ended = "⏹ " + escape(t._("The event has ended. Thank you for following it live!"))
    return Rendered(ended + "\n\n" + prompt.text, prompt.buttons)


def sent_to_text(t: Translator, followers: int) -> str:
    """The admin's confirmation of a press (plain text: a callback answer)."""
    if followers <= 0:
        return t._("Nobody follows this event yet: nothing was sent.")
    return t.ngettext("Sent to {n} follower.", "Sent to {n} followers.", followers).format(
        n=t.number(followers)
    )

