"""Sending and editing rendered messages, and polite refusals, for every handler."""

from __future__ import annotations

import json
import logging

from telegram import Bot, CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes, filters

from bot.keyboards import markup, markup_json
from bot.render.types import Rendered
from bot.transport import AiohttpRequest

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_NO_PREVIEW_JSON = json.dumps({"is_disabled": True})
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


async def edit_in_place(bot: Bot, chat_id: int, message_id: int, rendered: Rendered) -> None:
    """:func:`edit` by ids, for messages edited at a high rate (a board's 👍 counts): with the
    application's aiohttp transport it skips building a ``Message`` from the answer, most of
    python-telegram-bot's CPU cost per edit. An unchanged message is fine."""
    request = bot.request
    try:
        if not isinstance(request, AiohttpRequest):
            await bot.edit_message_text(
                rendered.text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup(rendered),
                link_preview_options=NO_PREVIEW,
            )
            return
        params: dict[str, object] = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": rendered.text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": _NO_PREVIEW_JSON,
        }
        keyboard = markup_json(rendered)
        if keyboard is not None:
            params["reply_markup"] = keyboard
        await request.post_json(f"{bot.base_url}/editMessageText", params)
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
