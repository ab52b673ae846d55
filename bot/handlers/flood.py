"""Group -2: a chat that sends faster than a person reads is ignored for a moment.

Past a short burst (:mod:`bot.services.flood`: 3 a second, 20 a minute) the bot drops that
chat's messages without replying, with at most one "please wait" notice a minute. Button
presses are not counted and still answered: they mostly edit a message in place, and what
they do send keeps the chat's pace in the send budget (bot/broadcast/budget.py). In groups
only commands count (people talk there). Admins and moderators are trusted and never
throttled here: their replies still draw from the send budget and keep Telegram's per-chat
pace.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.deps import AnyApp, deps
from bot.handlers.locale import choose_language
from bot.i18n import tr

log = logging.getLogger(__name__)


def flood_key(update: Update) -> int | None:
    """What an update counts against (None: it is not throttled)."""
    chat, message = update.effective_chat, update.message
    if chat is None or message is None or update.effective_user is None:
        return None
    if chat.type != ChatType.PRIVATE and not (message.text or "").startswith("/"):
        return None
    return chat.id


async def guard(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update):
        return
    key = flood_key(update)
    if key is None:
        return
    services = deps(context)
    user = update.effective_user
    if user is None or services.config.is_trusted(user.id) or services.flood.admit(key):
        return
    log.debug("flood: update from %s dropped", key)
    if services.flood.notice_due(key):
        await choose_language(update, context)
        await context.bot.send_message(
            key, tr()._("Too many requests at once. Please wait a moment, then try again.")
        )
    raise ApplicationHandlerStop


def register(application: AnyApp) -> None:
    application.add_handler(TypeHandler(object, guard, block=True), group=-2)
