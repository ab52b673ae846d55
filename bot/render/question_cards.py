"""Audience questions as moderators see them, and the notices their decisions send. Pure.

A moderator gets each question as its own message (a card) with the buttons that apply to
it now: Approve, Reject, Reject and block while it waits; Answered, Reject once approved. The
buttons carry the status the moderator saw, so a press that comes after another
moderator's decision changes nothing (``storage.questions.QuestionRepository.moderate``).
"""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.i18n import Translator
from bot.render.question_buttons import BOARD_PREFIX
from bot.render.questions import EVERYONE, speaker_name, title
from bot.render.types import Button, Rendered
from storage.models import Event
from storage.questions import ANSWERED, APPROVED, PENDING, REJECTED, Action, Question

MODERATE_PREFIX = "qm"
"""``qm:<action>:<question id>:<status seen>``: a moderator's decision."""
QUEUE_PREFIX = "qq"
"""``qq:<event>:<page>:<speaker filter>``: a page of the moderators' queue."""
ALL = -2
"""Speaker filter: every question; :data:`EVERYONE` (-1): those to everyone; else an index."""
QUEUE_PAGE_SIZE = 5
QUEUE_STATUSES = (PENDING, APPROVED)
"""The queue: waiting questions, oldest first, then approved ones, most upvoted first."""


def _status_line(question: Question, t: Translator, banned: bool) -> str:
    votes = "👍 " + t.number(question.upvotes)
    if question.status == PENDING:
        return "⏳ " + escape(t._("Waiting for moderation"))
    if question.status == APPROVED:
        return "✅ " + escape(t._("Approved")) + " · " + votes
    if question.status == ANSWERED:
        return "💬 " + escape(t._("Answered")) + " · " + votes
    line = "🚫 " + escape(t._("Rejected"))
    if banned:
        line += "\n" + escape(t._("The author can ask no more questions about this event."))
    return line


def _action(action: Action, question: Question, label: str) -> Button:
    data = callbacks.encode(MODERATE_PREFIX, action.value, question.id, question.status)
    return Button(label, callback_data=data)


def card_buttons(question: Question, t: Translator) -> tuple[tuple[Button, ...], ...]:
    if question.status == PENDING:
        return (
            (
                _action(Action.APPROVE, question, t._("Approve")),
                _action(Action.REJECT, question, t._("Reject")),
            ),
            (_action(Action.BLOCK, question, t._("Reject and block")),),
        )
    if question.status == APPROVED:
        return (
            (
                _action(Action.ANSWER, question, t._("Answered")),
                _action(Action.REJECT, question, t._("Reject")),
            ),
        )
    return ()


def render_card(
    event: Event, question: Question, t: Translator, *, banned: bool = False
) -> Rendered:
    """The question with whom it is for, its author's first name, its status and buttons."""
    lines = [
        "❓ <b>"
        + escape(t._("Question #{id}").format(id=question.id))
        + "</b> · "
        + title(event, t),
        escape(t._("To: {speaker}").format(speaker=speaker_name(event, question.speaker_key, t))),
        escape(t._("From: {name}").format(name=question.author_name)),
        "",
        f"<blockquote>{escape(question.text)}</blockquote>",
        _status_line(question, t, banned),
    ]
    return Rendered("\n".join(lines), card_buttons(question, t))


def filter_name(event: Event, speaker: int, t: Translator) -> str:
    if speaker == ALL:
        return t._("All speakers")
    if speaker == EVERYONE:
        return t._("Everyone")
    return event.speakers[speaker].name.get(t.language)


def render_queue_footer(
    event: Event,
    counts: dict[str, int],
    page_index: int,
    speaker: int,
    t: Translator,
) -> Rendered:
    """Below a page of cards: the figures, where the page is, ◀ ▶ and the speaker filter."""
    shown = counts[PENDING] + counts[APPROVED]
    lines = [
        "🗂 <b>" + escape(t._("Moderation")) + "</b> · " + title(event, t),
        escape(
            t._(
                "Waiting: {pending} · approved: {approved} · answered: {answered} · "
                "rejected: {rejected}"
            ).format(
                pending=t.number(counts[PENDING]),
                approved=t.number(counts[APPROVED]),
                answered=t.number(counts[ANSWERED]),
                rejected=t.number(counts[REJECTED]),
            )
        ),
        escape(t._("Speaker: {name}").format(name=filter_name(event, speaker, t))),
    ]
    if shown == 0:
        lines.append(escape(t._("Nothing to moderate here.")))
    else:
        first = page_index * QUEUE_PAGE_SIZE + 1
        last = min(shown, first + QUEUE_PAGE_SIZE - 1)
        lines.append(
            escape(
                t._(
                    "Above: {first}–{last} of {total}. Waiting questions come first (oldest "
                    "first), then approved ones (most votes first)."
                ).format(first=t.number(first), last=t.number(last), total=t.number(shown))
            )
        )
    nav: list[Button] = []
    if page_index > 0:
        nav.append(_queue_button("◀️", event, page_index - 1, speaker))
    if (page_index + 1) * QUEUE_PAGE_SIZE < shown:
        nav.append(_queue_button("▶️", event, page_index + 1, speaker))
    choices = [ALL, *range(len(event.speakers)), EVERYONE]
    filters = [
        _queue_button(
            ("• " if choice == speaker else "") + filter_name(event, choice, t), event, 0, choice
        )
        for choice in choices
    ]
    rows = [tuple(nav)] if nav else []
    rows += [tuple(filters[i : i + 3]) for i in range(0, len(filters), 3)]
    return Rendered("\n".join(lines), tuple(rows))


def _queue_button(text: str, event: Event, page: int, speaker: int) -> Button:
    return Button(text, callback_data=callbacks.encode(QUEUE_PREFIX, event.id, page, speaker))


def _about(event: Event, question: Question, t: Translator) -> str:
    name = speaker_name(event, question.speaker_key, t)
    return escape(t._("Your question to {speaker}").format(speaker=name)) + " · " + title(event, t)


def render_approved_notice(event: Event, question: Question, t: Translator) -> Rendered:
    """To the asker: approved (others can support it now)."""
    text = "\n".join(
        [
            "✅ " + _about(event, question, t),
            f"<blockquote>{escape(question.text)}</blockquote>",
            escape(t._("It was approved: others can now support it with 👍.")),
        ]
    )
    button = Button(
        "❔ " + t._("Questions"), callback_data=callbacks.encode(BOARD_PREFIX, event.id, t.language)
    )
    return Rendered(text, ((button,),))


def render_answered_notice(event: Event, question: Question, t: Translator) -> Rendered:
    """To the asker: the speaker answered it."""
    text = "\n".join(
        [
            "💬 " + _about(event, question, t),
            f"<blockquote>{escape(question.text)}</blockquote>",
            escape(t._("It was answered. Thank you for asking!")),
        ]
    )
    return Rendered(text)
