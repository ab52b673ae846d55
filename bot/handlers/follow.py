"""Following an event live: the card's Follow live / Unfollow live button, ``/follow`` and
``/unfollow``.

Following is an explicit wish, so it needs no subscription: a chat that follows gets the
event's live messages (bot/handlers/live.py) whether it is subscribed or not. A follow is
the chat's, like a subscription: in a group only its administrators change it. A channel
post's button cannot tell whose wish it is, so it is refused with a hint.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.config import SUPPORTED_LANGUAGES
from bot.deps import AnyApp, deps
from bot.handlers.replies import NEW_MESSAGES, edit_buttons, refuse, send_text
from bot.handlers.rights import ensure_chat_manager
from bot.i18n import Translator, tr, translator
from bot.live_delivery import live_repo
from bot.render.event_card import FOLLOW_PREFIX, card_buttons
from bot.render.types import Rendered
from storage.models import Event

log = logging.getLogger(__name__)


async def is_following(context: ContextTypes.DEFAULT_TYPE, event_id: str, chat_id: int) -> bool:
    """For the card: does this chat follow the event live?"""
    return await live_repo(context.application).is_following(event_id, chat_id)


def confirmation(t: Translator, following: bool) -> str:
    """Plain text (a callback answer, or a line of a message once escaped)."""
    if following:
        return t._("You follow this event live: its live messages will come to this chat.")
    return t._("You no longer follow this event live.")


async def set_following(
    update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event, follow: bool
) -> bool:
    """Follow or unfollow for the update's chat; False (after a polite refusal) if it may
    not: a channel, or a group member who is no administrator."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.CHANNEL:
        await refuse(update, context, tr()._("Open the bot to follow this event live."))
        return False
    if not await ensure_chat_manager(update, context):
        return False
    repo = live_repo(context.application)
    if follow:
        await repo.follow(event.id, chat.id, chat.type, tr().language)
    else:
        await repo.unfollow(event.id, chat.id)
    log.info("chat %s %s event %s", chat.id, "follows" if follow else "unfollowed", event.id)
    return True


async def _command(update: Update, context: ContextTypes.DEFAULT_TYPE, follow: bool) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    t = tr()
    if not context.args:
        usage = t._("Usage: /follow EVENT_ID") if follow else t._("Usage: /unfollow EVENT_ID")
        await send_text(context, chat.id, escape(usage))
        return
    event = await deps(context).events.get(context.args[0])
    if event is None:
        await send_text(context, chat.id, escape(t._("There is no event with this id.")))
        return
    if await set_following(update, context, event, follow):
        title = escape(event.title.get(t.language))
        await send_text(context, chat.id, f"<b>{title}</b>\n" + escape(confirmation(t, follow)))


async def follow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _command(update, context, True)


async def unfollow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _command(update, context, False)


async def on_follow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``flw:<id>:<lang>:<1|0>``: follow (1) or unfollow (0), then the card's buttons show
    the new state (its text stays: it may be a reminder)."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, FOLLOW_PREFIX, (str, str, int))
    if decoded is None or decoded[1] not in SUPPORTED_LANGUAGES or decoded[2] not in (0, 1):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    event_id, language, wanted = decoded
    event = await deps(context).events.get(event_id)
    if event is None:
        await query.answer(t._("Sorry, I could not find this event."), show_alert=True)
        return
    follow = wanted == 1
    if not await set_following(update, context, event, follow):
        return
    if query.message is not None:
        buttons = card_buttons(event, translator(language), following=follow)
        await edit_buttons(query, Rendered("", buttons))
    await query.answer(confirmation(t, follow))


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("follow", follow_command, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("unfollow", unfollow_command, filters=NEW_MESSAGES))
    application.add_handler(
        CallbackQueryHandler(on_follow_button, pattern=callbacks.pattern(FOLLOW_PREFIX))
    )
