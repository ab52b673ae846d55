"""The bot's own membership: added to or removed from a chat, and groups becoming supergroups.

- ``my_chat_member``: the bot was removed or banned from a group, supergroup or channel, or
  a user blocked it in a private chat (status "kicked") → the subscription becomes inactive
  (its settings are kept; ``/start`` by a chat admin resumes it). Restricted so that it cannot
  post, or a channel admin without the right to post, counts as removed. Added to a group →
  a short greeting saying how to subscribe (not if it is subscribed already, as a supergroup
  whose subscription moved from its old group is).
- ``migrate_to_chat_id`` / ``migrate_from_chat_id``: a group upgraded to a supergroup gets a
  new chat id; the subscription (and its topics, by ``ON UPDATE CASCADE``) moves to it. Both
  service messages arrive; the second finds nothing left to move.
"""

from __future__ import annotations

import logging

from telegram import (
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, ContextTypes, MessageHandler, filters

from bot.deps import AnyApp, deps
from bot.i18n import tr

log = logging.getLogger(__name__)

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


def can_post(member: ChatMember, chat_type: str) -> bool:
    """Whether the bot, with this membership, can send messages to the chat."""
    if member.status in GONE:
        return False
    if chat_type == ChatType.CHANNEL:
        return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)
    if isinstance(member, ChatMemberRestricted):
        return member.is_member and member.can_send_messages
    return True


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    old, new = change.old_chat_member, change.new_chat_member
    fields = {"ev_chat_id": chat.id, "ev_update_id": update.update_id}
    if not can_post(new, chat.type):
        if await deps(context).subscribers.deactivate(chat.id):
            log.info(
                "subscription of %s chat ended: bot is %s there",
                chat.type,
                new.status,
                extra=fields,
            )
        return
    if chat.type in GROUPS and old.status in GONE:
        log.info("bot added to a %s", chat.type, extra=fields)
        current = await deps(context).subscribers.get(chat.id)
        if current is not None and current.active:
            return  # e.g. a supergroup whose subscription already moved from its old group
        try:
            await context.bot.send_message(
                chat.id,
                tr()._(
                    "Hello! I announce expert events: speakers' summaries, polls and ratings. "
                    "A group administrator can subscribe this group with /start."
                ),
            )
        except TelegramError as error:
            log.warning("could not greet the group: %s", error, extra=fields)


async def on_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old_id, new_id = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old_id, new_id = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await deps(context).subscribers.migrate_chat(old_id, new_id):
        log.info(
            "group %s became supergroup %s: subscription moved",
            old_id,
            new_id,
            extra={"ev_chat_id": new_id, "ev_update_id": update.update_id},
        )


def register(application: AnyApp) -> None:
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
