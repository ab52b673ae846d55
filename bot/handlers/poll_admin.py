"""``/poll``: admins write a poll, in one line or in a guided dialogue.

One line: ``/poll Question? | Option 1 | Option 2 [anonymous] [multiple] [hide]
[closes=YYYY-MM-DD HH:MM]``. Without arguments a dialogue asks for the question, then the
options one per message (``/done``), then shows the settings as buttons (``poll:`` callbacks)
until Create or Cancel. ``/cancel`` leaves at any step.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from html import escape

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.deps import AnyApp, deps
from bot.handlers.poll_lifecycle import schedule_closing
from bot.handlers.replies import edit, refuse, send
from bot.handlers.rights import ensure_bot_admin, is_bot_admin
from bot.i18n import tr
from bot.render.poll_admin import DRAFT_PREFIX, problem_text, render_created, render_draft
from bot.render.types import Rendered
from bot.services.poll_commands import (
    MAX_QUESTION,
    DraftError,
    DraftProblem,
    PollDraft,
    check_options,
    parse_closing_time,
    parse_poll_line,
    validate_draft,
)
from storage.clock import now_utc

QUESTION, OPTIONS, SETTINGS, CLOSES = range(4)
DRAFT_KEY = "poll_draft"
TIMEOUT = 900


def _draft(context: ContextTypes.DEFAULT_TYPE) -> PollDraft | None:
    value = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    return value if isinstance(value, PollDraft) else None


def _keep(context: ContextTypes.DEFAULT_TYPE, draft: PollDraft | None) -> None:
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(DRAFT_KEY, None)
    else:
        context.user_data[DRAFT_KEY] = draft


async def _create(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: PollDraft) -> None:
    t = tr()
    poll = await deps(context).polls.create(
        draft.question,
        draft.options,
        t.language,
        anonymous=draft.anonymous,
        multiple_answers=draft.multiple_answers,
        hide_results=draft.hide_results,
        closes_at=draft.closes_at,
    )
    schedule_closing(context.application, poll)
    chat = update.effective_chat
    if chat is not None:
        await send(context, chat.id, render_created(poll, t))


async def poll_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if not await ensure_bot_admin(update, context):
        return ConversationHandler.END
    message = update.effective_message
    if message is None or message.text is None:
        return ConversationHandler.END
    t = tr()
    line = message.text.partition(" ")[2].strip()
    if line:
        try:
            draft = parse_poll_line(line, now_utc())
        except DraftError as error:
            await message.reply_text(
                problem_text(error.problem, t)
                + "\n"
                + t._(
                    "Usage: /poll Question? | Option 1 | Option 2 [anonymous] [multiple] [hide]"
                    " [closes=YYYY-MM-DD HH:MM], or /poll alone to be guided."
                )
            )
            return ConversationHandler.END
        await _create(update, context, draft)
        return ConversationHandler.END
    _keep(context, None)
    await message.reply_text(t._("New poll. Send me the question (or /cancel)."))
    return QUESTION


async def got_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    if message is None or not message.text:
        return QUESTION
    t = tr()
    question = message.text.strip()
    if len(question) > MAX_QUESTION:
        await message.reply_text(problem_text(DraftProblem.QUESTION_TOO_LONG, t))
        return QUESTION
    _keep(context, PollDraft(question=question, options=()))
    await message.reply_text(
        t._("Now send the options, one per message. Send /done after the last one.")
    )
    return OPTIONS


async def got_option(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    draft = _draft(context)
    if message is None or not message.text or draft is None:
        return OPTIONS
    t = tr()
    options = (*draft.options, message.text.strip())
    try:
        check_options(options)
    except DraftError as error:
        await message.reply_text(problem_text(error.problem, t))
        return OPTIONS
    _keep(context, replace(draft, options=options))
    await message.reply_text(
        t._("Option {n} added. Send another one, or /done.").format(n=t.number(len(options)))
    )
    return OPTIONS


async def options_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _draft(context)
    chat = update.effective_chat
    if draft is None or chat is None:
        return ConversationHandler.END
    t = tr()
    try:
        validate_draft(draft)
    except DraftError as error:
        await send(context, chat.id, render_text(problem_text(error.problem, t)))
        return OPTIONS
    await send(context, chat.id, render_draft(draft, t))
    return SETTINGS


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    draft = _draft(context)
    if query is None:
        return SETTINGS
    t = tr()
    decoded = callbacks.decode(query.data, DRAFT_PREFIX, (str,))
    if decoded is None or draft is None or not is_bot_admin(update, context):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return SETTINGS
    (action,) = decoded
    if action == "cancel":
        await query.answer()
        _keep(context, None)
        await edit(query, render_text(t._("The poll was not created.")))
        return ConversationHandler.END
    if action == "create":
        await query.answer()
        _keep(context, None)
        await query.edit_message_reply_markup(None)
        await _create(update, context, draft)
        return ConversationHandler.END
    if action == "closes":
        await query.answer()
        chat = update.effective_chat
        if chat is not None:
            await send(
                context,
                chat.id,
                render_text(
                    t._("Send the closing time as YYYY-MM-DD HH:MM (UTC), or /skip for none.")
                ),
            )
        return CLOSES
    toggles = {
        "anonymous": lambda d: replace(d, anonymous=not d.anonymous),
        "multiple": lambda d: replace(d, multiple_answers=not d.multiple_answers),
        "hide": lambda d: replace(d, hide_results=not d.hide_results),
    }
    toggle = toggles.get(action)
    if toggle is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return SETTINGS
    draft = toggle(draft)
    _keep(context, draft)
    await query.answer()
    await edit(query, render_draft(draft, t))
    return SETTINGS


async def got_closing_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    draft = _draft(context)
    chat = update.effective_chat
    if message is None or draft is None or chat is None:
        return ConversationHandler.END
    t = tr()
    text = (message.text or "").strip()
    if text.split("@", 1)[0] == "/skip":
        draft = replace(draft, closes_at=None)
    else:
        try:
            draft = replace(draft, closes_at=parse_closing_time(text, now_utc()))
        except DraftError as error:
            await message.reply_text(problem_text(error.problem, t))
            return CLOSES
    _keep(context, draft)
    await send(context, chat.id, render_draft(draft, t))
    return SETTINGS


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _keep(context, None)
    chat = update.effective_chat
    if chat is not None:
        await send(context, chat.id, render_text(tr()._("The poll was not created.")))
    return ConversationHandler.END


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ``poll:`` button outside a dialogue (old message, forged data): refuse politely."""
    await refuse(update, context, tr()._("This button is no longer valid."))


def render_text(text: str) -> Rendered:
    return Rendered(escape(text))


def register(application: AnyApp) -> None:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False is intended: the dialogue is per admin and chat, and its
        # buttons belong to the one settings message of that dialogue.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("poll", poll_command)],
            states={
                QUESTION: [MessageHandler(text, got_question)],
                OPTIONS: [
                    CommandHandler("done", options_done),
                    MessageHandler(text, got_option),
                ],
                SETTINGS: [
                    CallbackQueryHandler(settings_button, pattern=callbacks.pattern(DRAFT_PREFIX))
                ],
                CLOSES: [
                    CommandHandler("skip", got_closing_time),
                    MessageHandler(text, got_closing_time),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            conversation_timeout=TIMEOUT,
            name="poll-dialogue",
        )
    application.add_handler(conversation)
    application.add_handler(
        CallbackQueryHandler(stale_button, pattern=callbacks.pattern(DRAFT_PREFIX))
    )
