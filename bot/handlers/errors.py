"""The error handler: log the failure (token redacted by logging) and apologise politely."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.deps import AnyApp
from bot.i18n import tr

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling an update",
        exc_info=context.error,
        extra={"ev_update_id": update_id},
    )
    if not isinstance(update, Update) or isinstance(context.error, Forbidden):
        return
    chat = update.effective_chat
    if chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(tr()._("Something went wrong. Please try again."))
        else:
            await context.bot.send_message(
                chat.id, tr()._("Something went wrong. Please try again.")
            )
    except TelegramError:
        log.warning("could not tell chat %s about the error", chat.id)


def register(application: AnyApp) -> None:
    application.add_error_handler(on_error)
