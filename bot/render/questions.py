"""Audience questions as the audience sees them: whom to ask, the prompt, the ranked board.

Pure: domain objects and a Translator in, :class:`Rendered` out. Every question, name and
title is HTML-escaped here.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from telegram.constants import MessageLimit

from bot import callbacks
from bot.i18n import Translator
from bot.render.event_card import fit_escaped
from bot.render.question_buttons import (
    ASK_PREFIX,
    PAGE_PREFIX,
    TARGET_PREFIX,
    VOTE_PREFIX,
)
from bot.render.types import Button, Rendered
from bot.services.questions import MAX_LENGTH, MIN_LENGTH
from storage.models import Event
from storage.questions import ANSWERED, APPROVED, Page, Question

EVERYONE = -1
PAGE_SIZE = 5
BOARD_STATUSES = (APPROVED, ANSWERED)
"""The board: approved questions (ranked), then the answered ones."""
TEXT_BUDGETS = (600, 300, 150)
"""Characters of escaped text per question on a page, tried in turn until the page fits."""


@lru_cache(maxsize=4096)
def count(t: Translator, n: int) -> str:
    """``t.number(n)``, remembered: a board shows many counts and Babel is slow."""
    return t.number(n)


def speaker_index(event: Event, key: str | None) -> int:
    """The button index of a speaker key (:data:`EVERYONE` for None or a key gone)."""
    for index, speaker in enumerate(event.speakers):
        if speaker.key == key:
            return index
    return EVERYONE


def speaker_key(event: Event, index: int) -> str | None:
    """The speaker key of a button index; raises ``IndexError`` for one out of range."""
    if index == EVERYONE:
        return None
    if not 0 <= index < len(event.speakers):
        raise IndexError(f"event {event.id!r} has no speaker {index}")
    return event.speakers[index].key


def speaker_name(event: Event, key: str | None, t: Translator) -> str:
    """Whom a question is for, not escaped: the speaker's name, or "Everyone"."""
    if key is None:
        return t._("Everyone")
    for speaker in event.speakers:
        if speaker.key == key:
            return speaker.name.get(t.language)
    return key


def title(event: Event, t: Translator) -> str:
    return escape(event.title.get(t.language))


def render_picker(event: Event, t: Translator) -> Rendered:
    """One button per speaker, then Everyone."""
    rows = [
        (
            Button(
                speaker.name.get(t.language),
                callback_data=callbacks.encode(TARGET_PREFIX, event.id, index),
            ),
        )
        for index, speaker in enumerate(event.speakers)
    ]
    rows.append(
        (
            Button(
                "👥 " + t._("Everyone"),
                callback_data=callbacks.encode(TARGET_PREFIX, event.id, EVERYONE),
            ),
        )
    )
    text = "❓ <b>" + escape(t._("Whom would you like to ask?")) + "</b>\n" + title(event, t)
    return Rendered(text, tuple(rows))


def render_prompt(event: Event, key: str | None, t: Translator) -> Rendered:
    """Asking for the text (the picker's message becomes this)."""
    lines = [
        "❓ <b>"
        + escape(t._("Your question to {speaker}").format(speaker=speaker_name(event, key, t)))
        + "</b>",
        title(event, t),
        "",
        escape(
            t._(
                "Write it in one message ({min}–{max} characters) and send it, or reply to "
                "this message. Send /cancel to leave."
            ).format(min=t.number(MIN_LENGTH), max=t.number(MAX_LENGTH))
        ),
    ]
    return Rendered("\n".join(lines))


def _entry(event: Event, question: Question, number: int, t: Translator, budget: int) -> str:
    votes = "👍 " + count(t, question.upvotes)
    # The audience sees whom a question is for, not who asked it (moderators do).
    about = escape(t._("to {speaker}").format(speaker=speaker_name(event, question.speaker_key, t)))
    text = fit_escaped(question.text, budget)
    return f"<b>{count(t, number)}.</b> {text}\n<i>{about}</i> · {votes}"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def board_text(event: Event, page: Page, page_index: int, t: Translator) -> str:
    """The page's text, with question texts shortened only if the page would not fit."""
    open_count, answered = page.counts[APPROVED], page.counts[ANSWERED]
    head = ["❔ <b>" + escape(t._("Questions")) + "</b> · " + title(event, t)]
    if open_count + answered == 0:
        head.append(escape(t._("No questions yet. Ask the first one!")))
    else:
        head.append(
            escape(
                t._(
                    "The most wanted first. Press 👍 to support a question, press again to "
                    "take your vote back."
                )
            )
        )
    pages = max(1, -(-(open_count + answered) // PAGE_SIZE))
    tail = escape(
        t._("Page {index}/{total}").format(index=count(t, page_index + 1), total=count(t, pages))
    )
    text = ""
    for budget in TEXT_BUDGETS:
        parts = ["\n".join(head)]
        answered_head = False
        for offset, question in enumerate(page.questions):
            if question.status == ANSWERED and not answered_head:
                parts.append("✅ <b>" + escape(t._("Answered questions")) + "</b>")
                answered_head = True
            number = page_index * PAGE_SIZE + offset + 1
            parts.append(_entry(event, question, number, t, budget))
        if pages > 1:
            parts.append(tail)
        text = "\n\n".join(parts)
        if _utf16(text) <= MessageLimit.MAX_TEXT_LENGTH:
            break
    return text


def _page(event: Event, page_index: int, t: Translator) -> str:
    return callbacks.encode(PAGE_PREFIX, event.id, page_index, t.language)


def board_buttons(
    event: Event, page: Page, page_index: int, t: Translator
) -> tuple[tuple[Button, ...], ...]:
    """👍 N for each open question of the page (numbered as in the text), ◀ ▶, Ask."""
    rows: list[tuple[Button, ...]] = []
    for offset, question in enumerate(page.questions):
        if question.status != APPROVED:
            continue
        number = count(t, page_index * PAGE_SIZE + offset + 1)
        data = callbacks.encode(VOTE_PREFIX, event.id, question.id, page_index, t.language)
        rows.append((Button(f"{number} · 👍 {count(t, question.upvotes)}", callback_data=data),))
    total = page.counts[APPROVED] + page.counts[ANSWERED]
    nav: list[Button] = []
    if page_index > 0:
        nav.append(Button("◀️", callback_data=_page(event, page_index - 1, t)))
    if (page_index + 1) * PAGE_SIZE < total:
        nav.append(Button("▶️", callback_data=_page(event, page_index + 1, t)))
    if nav:
        rows.append(tuple(nav))
    rows.append(
        (
            Button(
                "❓ " + t._("Ask a question"),
                callback_data=callbacks.encode(ASK_PREFIX, event.id),
            ),
        )
    )
    return tuple(rows)


def render_board(event: Event, page: Page, page_index: int, t: Translator) -> Rendered:
    """Page ``page_index`` (0-based) of the approved questions, most upvoted first, then the
    answered ones in their own section."""
    return Rendered(
        board_text(event, page, page_index, t), board_buttons(event, page, page_index, t)
    )
