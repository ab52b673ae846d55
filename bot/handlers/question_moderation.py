"""Moderating audience questions: new ones to the moderators, their ``qm:`` decisions, the
queue (``/questions EVENT_ID`` from a moderator, ``qq:`` pages), notices to the askers.

Moderators are the admins (``ADMIN_IDS``) and ``MODERATOR_IDS``. Each new question goes to
their private chats and, with ``QA_CHAT_ID``, to that group; only moderators' presses count
there. A moderator's view opens only in a private chat or the QA group, so waiting questions
are never shown in a public group. These are a few staff chats and one asker per decision:
they are sent as replies (paced by the send budget), not as broadcasts, which would list
every question in ``/broadcasts``.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.config import Config
from bot.deps import AnyApp, deps
from bot.handlers.replies import edit, send
from bot.handlers.rights import is_moderator
from bot.i18n import Translator, default_language, tr, translator
from bot.render.question_cards import (
    ALL,
    MODERATE_PREFIX,
    QUEUE_PAGE_SIZE,
    QUEUE_PREFIX,
    QUEUE_STATUSES,
    render_answered_notice,
    render_approved_notice,
    render_card,
    render_queue_footer,
)
from bot.render.questions import speaker_key
from bot.render.types import Rendered
from storage.live import LiveRepository
from storage.models import Event
from storage.questions import ALL_SPEAKERS, ANSWERED, APPROVED, REJECTED, Action, Question

log = logging.getLogger(__name__)

MAX_PAGE = 10_000
"""Pages beyond this in button data are forged."""


def moderator_chats(config: Config) -> list[int]:
    """Where new questions go: every moderator's private chat, then the QA group."""
    chats = sorted(config.admin_ids | config.moderator_ids)
    if config.qa_chat_id is not None and config.qa_chat_id not in chats:
        chats.append(config.qa_chat_id)
    return chats


def moderates_here(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A moderator, in a private chat or in the QA group."""
    return refusal(update, context) is None


def refusal(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Why this update may not moderate (None: it may)."""
    chat = update.effective_chat
    t = tr()
    if chat is None or not is_moderator(update, context):
        return t._("Sorry, only moderators can do this.")
    if chat.type != ChatType.PRIVATE and chat.id != deps(context).config.qa_chat_id:
        return t._("Questions are moderated in a private chat with me or in the Q&A group.")
    return None


async def chat_translator(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Translator:
    return translator(await deps(context).languages.stored(chat_id) or default_language())


async def view_translator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The language of the moderators' messages in this chat: the reader's in a private
    chat; in the QA group the group's own (its language, else DEFAULT_LANGUAGE) whoever
    presses, as the cards were posted in it."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return tr()
    return await chat_translator(context, chat.id)


async def _send_quietly(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, rendered: Rendered
) -> None:
    try:
        await send(context, chat_id, rendered)
    except TelegramError as error:  # e.g. a moderator who never started the bot
        log.warning("could not send a question notice to chat %s: %s", chat_id, error)


async def notify_moderators(
    context: ContextTypes.DEFAULT_TYPE, event: Event, question: Question
) -> None:
    """The new question's card, in each chat's language, to every moderator chat at once."""

    async def one(chat_id: int) -> None:
        t = await chat_translator(context, chat_id)
        await _send_quietly(context, chat_id, render_card(event, question, t))

    await asyncio.gather(*(one(chat_id) for chat_id in moderator_chats(deps(context).config)))


async def notify_author(
    context: ContextTypes.DEFAULT_TYPE, event: Event, question: Question
) -> None:
    """Approved or answered: the asker hears it in their language (rejections are silent)."""
    language = await deps(context).languages.stored(question.author_id) or question.language
    t = translator(language)
    if question.status == APPROVED:
        await _send_quietly(context, question.author_id, render_approved_notice(event, question, t))
    elif question.status == ANSWERED:
        await _send_quietly(context, question.author_id, render_answered_notice(event, question, t))


def status_name(status: str, t: Translator) -> str:
    names = {
        APPROVED: t._("Approved"),
        ANSWERED: t._("Answered"),
        REJECTED: t._("Rejected"),
    }
    return names.get(status, t._("Waiting for moderation"))


def _done_text(action: Action, t: Translator) -> str:
    return {
        Action.APPROVE: t._("Approved. The author is told."),
        Action.REJECT: t._("Rejected."),
        Action.BLOCK: t._("Rejected. The author can ask no more questions about this event."),
        Action.ANSWER: t._("Marked as answered. The author is told."),
    }[action]


async def on_moderate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``qm:<action>:<id>:<status seen>``: decide, then show the card as it is now."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, MODERATE_PREFIX, (str, int, str))
    actions = {action.value: action for action in Action}
    if decoded is None or decoded[0] not in actions or query.message is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    refused = refusal(update, context)
    if refused is not None:
        await query.answer(refused, show_alert=True)
        return
    action, question_id, seen = actions[decoded[0]], decoded[1], decoded[2]
    app = deps(context)
    question, changed = await app.questions.moderate(question_id, action, seen, query.from_user.id)
    event = await app.events.get(question.event_id) if question is not None else None
    if question is None or event is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    banned = question.status == REJECTED and await app.questions.is_banned(
        question.event_id, question.author_id
    )
    await edit(
        query, render_card(event, question, await view_translator(update, context), banned=banned)
    )
    if not changed:
        await query.answer(
            t._("Another moderator has handled this question already. Status: {status}").format(
                status=status_name(question.status, t)
            ),
            show_alert=True,
        )
        return
    log.info("question %s: %s by %s", question.id, action.value, query.from_user.id)
    await query.answer(_done_text(action, t))
    await notify_author(context, event, question)


def filter_key(event: Event, speaker: int) -> str | None:
    """The storage filter of a speaker filter index; raises ``IndexError`` if none."""
    return ALL_SPEAKERS if speaker == ALL else speaker_key(event, speaker)


async def send_queue(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    event: Event,
    page: int,
    speaker: int,
    t: Translator,
) -> None:
    """A page of the moderators' view: one card per question, then the footer. While the
    event is live, the current speaker's questions come first in each section."""
    app = deps(context)
    key = filter_key(event, speaker)
    found = await app.questions.page(
        event.id,
        QUEUE_STATUSES,
        offset=page * QUEUE_PAGE_SIZE,
        limit=QUEUE_PAGE_SIZE,
        speaker=key,
        first_speaker=await LiveRepository(app.db).current_speaker(event.id),
    )
    for question in found.questions:
        await send(context, chat_id, render_card(event, question, t))
    await send(context, chat_id, render_queue_footer(event, dict(found.counts), page, speaker, t))


async def on_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``qq:<event>:<page>:<speaker filter>``: another page, or another speaker."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, QUEUE_PREFIX, (str, int, int))
    if decoded is None or not 0 <= decoded[1] <= MAX_PAGE or query.message is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    refused = refusal(update, context)
    if refused is not None:
        await query.answer(refused, show_alert=True)
        return
    event_id, page, speaker = decoded
    event = await deps(context).events.get(event_id)
    if event is None or not ALL <= speaker < len(event.speakers):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    t = await view_translator(update, context)
    await send_queue(context, query.message.chat.id, event, page, speaker, t)


def register(application: AnyApp) -> None:
    application.add_handler(
        CallbackQueryHandler(on_moderate, pattern=callbacks.pattern(MODERATE_PREFIX))
    )
    application.add_handler(CallbackQueryHandler(on_queue, pattern=callbacks.pattern(QUEUE_PREFIX)))
