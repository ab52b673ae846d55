"""Asking a question: ❓ on the event card (``qa:``) asks whom (``qt:``), then the text comes as
a reply to the prompt or the next message (``/cancel`` leaves); ``/ask EVENT_ID TEXT`` asks
everyone in one step.

Questions are asked in a private chat: the answer notices go there, and a group should not
see a question before a moderator has. Asking needs no subscription. The prompt waits
:data:`TIMEOUT` seconds at most, then expires with a word to the user.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.deps import AnyApp, deps
from bot.handlers.question_moderation import notify_moderators
from bot.handlers.replies import NEW_MESSAGES, edit, send, send_text
from bot.i18n import Translator, tr, translator
from bot.render.question_buttons import ASK_PREFIX, TARGET_PREFIX
from bot.render.questions import (
    render_picker,
    render_prompt,
    speaker_key,
    speaker_name,
)
from bot.services.questions import (
    MAX_LENGTH,
    MAX_WAITING,
    MIN_LENGTH,
    TextProblem,
    question_key,
    question_text,
    text_problem,
)
from storage.models import Event
from storage.questions import AskOutcome, NewQuestion

log = logging.getLogger(__name__)

TEXT = 0
TIMEOUT = 600
"""Seconds the "write your question" prompt waits."""
PENDING_KEY = "question_ask"


@dataclass(frozen=True)
class PendingAsk:
    event_id: str
    speaker_key: str | None
    language: str


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def private_hint(t: Translator, event_id: str) -> str:
    return t._("Questions are asked in a private chat with me: open it and send /ask {id}").format(
        id=event_id
    )


async def submit(
    update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event, key: str | None, raw: str
) -> bool:
    """Check and store a question, tell the asker, show it to the moderators. False when the
    text itself was refused (too short or long): the asker may send another one."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return True
    t = tr()
    text = question_text(raw)
    problem = text_problem(text)
    if problem is TextProblem.TOO_SHORT:
        n = MIN_LENGTH
        reply = t.ngettext(
            "A question needs at least {n} character.",
            "A question needs at least {n} characters.",
            n,
        ).format(n=t.number(n))
        await send_text(context, chat.id, reply)
        return False
    if problem is TextProblem.TOO_LONG:
        n = MAX_LENGTH
        reply = t.ngettext(
            "A question can have at most {n} character; this one has {length}.",
            "A question can have at most {n} characters; this one has {length}.",
            n,
        ).format(n=t.number(n), length=t.number(len(text)))
        await send_text(context, chat.id, reply)
        return False
    app = deps(context)
    outcome, question = await app.questions.ask(
        NewQuestion(
            event_id=event.id,
            speaker_key=key,
            author_id=user.id,
            author_name=user.first_name[:64],
            language=t.language,
            text=text,
            text_key=question_key(text),
        ),
        max_pending=MAX_WAITING,
    )
    if outcome is AskOutcome.ASKED and question is not None:
        log.info("question %s asked about %s by %s", question.id, event.id, user.id)
        await send_text(
            context,
            chat.id,
            t._(
                "Thank you! Your question to {speaker} waits for moderation. I will tell you "
                "when it is approved."
            ).format(speaker=speaker_name(event, key, t)),
        )
        await notify_moderators(context, event, question)
        return True
    refusals = {
        AskOutcome.NO_EVENT: t._("Sorry, I could not find this event."),
        AskOutcome.BANNED: t._("Sorry, you can no longer ask questions about this event."),
        AskOutcome.DUPLICATE: t._("You have already asked this question."),
        AskOutcome.TOO_MANY: t.ngettext(
            "You have {n} question waiting for moderation about this event. Please wait until "
            "a moderator has seen it.",
            "You have {n} questions waiting for moderation about this event. Please wait until "
            "a moderator has seen them.",
            MAX_WAITING,
        ).format(n=t.number(MAX_WAITING)),
    }
    await send_text(context, chat.id, refusals[outcome])
    return True


async def _event(context: ContextTypes.DEFAULT_TYPE, event_id: str) -> Event | None:
    return await deps(context).events.get(event_id)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``qa:<event>`` (❓ on a card or the board): whom do you want to ask?"""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, ASK_PREFIX, (str,))
    event = await _event(context, decoded[0]) if decoded is not None else None
    if event is None or query.message is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    if not _private(update):
        await query.answer(private_hint(t, event.id), show_alert=True)
        return
    await send(context, query.message.chat.id, render_picker(event, t))
    await query.answer()


async def on_target(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``qt:<event>:<speaker>``: the picker becomes the prompt; the next message is the text."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, TARGET_PREFIX, (str, int))
    event = await _event(context, decoded[0]) if decoded is not None else None
    if decoded is None or event is None or query.message is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return ConversationHandler.END
    if not _private(update):
        await query.answer(private_hint(t, event.id), show_alert=True)
        return ConversationHandler.END
    try:
        key = speaker_key(event, decoded[1])
    except IndexError:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data[PENDING_KEY] = PendingAsk(event.id, key, t.language)
    await edit(query, render_prompt(event, key, t))
    await query.answer()
    return TEXT


def _pending(context: ContextTypes.DEFAULT_TYPE, *, drop: bool = False) -> PendingAsk | None:
    data = context.user_data
    if data is None:
        return None
    value = data.pop(PENDING_KEY, None) if drop else data.get(PENDING_KEY)
    return value if isinstance(value, PendingAsk) else None


async def got_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    pending = _pending(context)
    if message is None or not message.text or pending is None:
        return ConversationHandler.END
    event = await _event(context, pending.event_id)
    if event is None:
        _pending(context, drop=True)
        await send_text(context, message.chat.id, tr()._("Sorry, I could not find this event."))
        return ConversationHandler.END
    if not await submit(update, context, event, pending.speaker_key, message.text):
        return TEXT
    _pending(context, drop=True)
    return ConversationHandler.END


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    chat = update.effective_chat
    if chat is not None:
        await send_text(context, chat.id, tr()._("Please send your question as text, or /cancel."))
    return TEXT


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _pending(context, drop=True)
    chat = update.effective_chat
    if chat is not None:
        await send_text(context, chat.id, tr()._("All right: no question was sent."))
    return ConversationHandler.END


async def expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The prompt waited :data:`TIMEOUT` seconds: say so (in the asker's language)."""
    pending = _pending(context, drop=True)
    chat = update.effective_chat
    if pending is None or chat is None:
        return
    t = translator(pending.language)
    await send_text(
        context,
        chat.id,
        t._("The question prompt has expired and nothing was sent. Press ❓ to ask again."),
    )


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``/ask EVENT_ID TEXT`` asks everyone; ``/ask EVENT_ID`` offers the picker."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return ConversationHandler.END
    _pending(context, drop=True)
    t = tr()
    args = context.args or []
    if not args:
        await send_text(context, chat.id, t._("Usage: /ask EVENT_ID [your question]"))
        return ConversationHandler.END
    event = await _event(context, args[0])
    if event is None:
        await send_text(context, chat.id, t._("There is no event with this id."))
        return ConversationHandler.END
    if not _private(update):
        await send_text(context, chat.id, private_hint(t, event.id))
        return ConversationHandler.END
    # The text as written after the event id, line breaks included.
    raw = (message.text or "").split(maxsplit=1)[1].removeprefix(args[0]) if len(args) > 1 else ""
    if not raw.strip():
        await send(context, chat.id, render_picker(event, t))
        return ConversationHandler.END
    await submit(update, context, event, None, raw)
    return ConversationHandler.END


def register(application: AnyApp) -> None:
    text = NEW_MESSAGES & filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False is intended: one prompt per user and chat at a time.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[
                CallbackQueryHandler(on_target, pattern=callbacks.pattern(TARGET_PREFIX))
            ],
            states={
                TEXT: [
                    MessageHandler(text, got_text),
                    MessageHandler(NEW_MESSAGES & ~filters.COMMAND, not_text),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, expired)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CommandHandler("ask", ask_command, filters=NEW_MESSAGES),
            ],
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name="question-ask",
        )
    application.add_handler(conversation)
    application.add_handler(CommandHandler("ask", ask_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_ask, pattern=callbacks.pattern(ASK_PREFIX)))
