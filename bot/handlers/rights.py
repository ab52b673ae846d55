"""Who may do what: chat administrators manage a group's subscription, ADMIN_IDS run the bot,
moderators (ADMIN_IDS and MODERATOR_IDS) moderate audience questions.

A refused user gets a polite answer and nothing changes.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.deps import deps
from bot.handlers.replies import refuse
from bot.i18n import tr

log = logging.getLogger(__name__)

MANAGING_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


async def can_manage_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True in a private chat; in a group, True for its creator and administrators.

    An administrator writing anonymously ("on behalf of the group") arrives with the group
    itself as ``sender_chat``, which only administrators can do.
    """
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and update.callback_query is None:
        return message.sender_chat.id == chat.id
    if user is None or chat.type == ChatType.CHANNEL:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("could not check the rights of user %s in chat %s: %s", user.id, chat.id, error)
        return False
    return member.status in MANAGING_STATUSES


async def ensure_chat_manager(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """:func:`can_manage_chat`, refusing politely when it is False."""
    if await can_manage_chat(update, context):
        return True
    await refuse(
        update,
        context,
        tr()._("Only this group's administrators can change its subscription settings."),
    )
    return False


def is_bot_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return deps(context).config.is_admin(user.id if user is not None else None)


def is_moderator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return deps(context).config.is_moderator(user.id if user is not None else None)


async def ensure_bot_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """For admin commands: True for ADMIN_IDS; anyone else is refused and nothing happens."""
    if is_bot_admin(update, context):
        return True
    user = update.effective_user
    log.info("refused an admin command to user %s", user.id if user else None)
    await refuse(update, context, tr()._("Sorry, this command is for the bot's administrators."))
    return False
