"""Sending and editing rendered messages, and polite refusals, for every handler."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes, filters

from bot.keyboards import markup
from bot.render.types import Rendered

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NEW_MESSAGES = filters.UpdateType.MESSAGE
"""Commands and text are answered when sent, not again when edited (nor in channel posts)."""


async def send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, rendered: Rendered, *, preview: bool = False
) -> Message:
    return await context.bot.send_message(
        chat_id,
        rendered.text,
        reply_markup=markup(rendered),
        link_preview_options=None if preview else NO_PREVIEW,
    )


async def send_text(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> Message:
    return await send(context, chat_id, Rendered(text))


async def edit(query: CallbackQuery, rendered: Rendered) -> None:
    """Replace the text and buttons of the query's message; an unchanged message is fine."""
    try:
        await query.edit_message_text(
            rendered.text, reply_markup=markup(rendered), link_preview_options=NO_PREVIEW
        )
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def edit_buttons(query: CallbackQuery, rendered: Rendered) -> None:
    """Replace only the buttons of the query's message (its text stays as it is)."""
    try:
        await query.edit_message_reply_markup(reply_markup=markup(rendered))
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Say no: as the answer of a button press, or as a message in the chat."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
        return
    chat = update.effective_chat
    if chat is not None:
        await send_text(context, chat.id, text)


def query_chat_id(query: CallbackQuery) -> int | None:
    """The chat of the message a button belongs to (None for inline-mode messages)."""
    return query.message.chat.id if query.message is not None else None
