"""Channels as broadcast targets: ``/addchannel @name [lang=xx]`` and ``/removechannel``.

Only the bot's admins may use them. A channel is registered only once the bot has checked,
with ``getChat`` and ``getChatMember``, that it is a channel and that the bot is an
administrator there with the right to post; it is then stored as a subscriber of type
``channel`` and receives announcements and broadcasts like any other subscriber.
"""

from __future__ import annotations

import html
import logging
import re

from telegram import ChatMemberAdministrator, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import CommandHandler, ContextTypes

from bot.config import SUPPORTED_LANGUAGES
from bot.deps import AnyApp, deps
from bot.handlers.rights import ensure_bot_admin
from bot.i18n import LANGUAGE_NAMES, Translator, tr

log = logging.getLogger(__name__)

_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")
_LINK = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z][A-Za-z0-9_]{3,31})/?$")
_CHAT_ID = re.compile(r"^-100[0-9]{5,15}$")


def parse_channel(text: str) -> int | str | None:
    """``@name``, ``name``, ``https://t.me/name`` or a ``-100…`` id → a ``chat_id`` argument."""
    if _CHAT_ID.match(text):
        return int(text)
    match = _USERNAME.match(text) or _LINK.match(text)
    return f"@{match.group(1)}" if match else None


def parse_add_arguments(args: list[str]) -> tuple[int | str | None, str | None, str | None]:
    """``(channel, language, problem)``: the channel reference, the ``lang=`` language if
    given, and the offending argument if any is not understood."""
    channel: int | str | None = None
    language: str | None = None
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key.lower() in ("lang", "language"):
            if value.lower() not in SUPPORTED_LANGUAGES:
                return None, None, arg
            language = value.lower()
        elif channel is None and (parsed := parse_channel(arg)) is not None:
            channel = parsed
        else:
            return None, None, arg
    return channel, language, None


def _name(channel: int | str) -> str:
    return html.escape(str(channel))


def _usage_add(t: Translator) -> str:
    return t._(
        "Usage: /addchannel @channel [lang=en|ru|ko]. First add me to the channel as an "
        "administrator who can post messages."
    )


async def add_channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    channel, language, problem = parse_add_arguments(list(context.args or []))
    if problem is not None or channel is None:
        await message.reply_text(_usage_add(t))
        return
    bot = context.bot
    try:
        chat = await bot.get_chat(channel)
        member = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden):
        await message.reply_text(
            t._(
                "I can't find {channel}. Check the name, and add me to the channel as an "
                "administrator first."
            ).format(channel=_name(channel))
        )
        return
    title = html.escape(chat.title or str(channel))
    if chat.type != ChatType.CHANNEL:
        await message.reply_text(t._("{channel} is not a channel.").format(channel=title))
        return
    if not isinstance(member, ChatMemberAdministrator):
        await message.reply_text(
            t._(
                "I am not an administrator of {channel}. Add me as an administrator who can "
                "post messages, then try again."
            ).format(channel=title)
        )
        return
    if not member.can_post_messages:
        await message.reply_text(
            t._(
                "I am an administrator of {channel} but may not post messages there. Give me "
                "the right to post messages, then try again."
            ).format(channel=title)
        )
        return
    service = deps(context)
    chosen = language or service.config.default_language
    subscriber, created = await service.subscribers.subscribe(
        chat.id, language=chosen, chat_type=ChatType.CHANNEL, title=chat.title
    )
    if language is not None and subscriber.language != language:
        await service.subscribers.set_language(chat.id, language)
    else:
        chosen = subscriber.language
    log.info(
        "channel %s registered (%s)",
        chat.id,
        "new" if created else "again",
        extra={"ev_chat_id": chat.id, "ev_update_id": update.update_id},
    )
    await message.reply_text(
        t._(
            "Channel {channel} connected: announcements will be posted there in {language}."
        ).format(channel=f"<b>{title}</b>", language=LANGUAGE_NAMES[chosen])
    )


async def remove_channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = list(context.args or [])
    channel = parse_channel(args[0]) if len(args) == 1 else None
    if channel is None:
        await message.reply_text(
            t._("Usage: /removechannel @channel (or the channel's numeric id).")
        )
        return
    chat_id: int
    if isinstance(channel, int):
        chat_id = channel
    else:
        try:
            chat_id = (await context.bot.get_chat(channel)).id
        except (BadRequest, Forbidden):
            chat_id = 0
    subscribers = deps(context).subscribers
    known = await subscribers.get(chat_id) if chat_id else None
    if known is None or known.chat_type != ChatType.CHANNEL:
        await message.reply_text(
            t._("{channel} is not a connected channel.").format(channel=_name(channel))
        )
        return
    await subscribers.deactivate(chat_id)
    log.info(
        "channel %s removed",
        chat_id,
        extra={"ev_chat_id": chat_id, "ev_update_id": update.update_id},
    )
    title = html.escape(known.title or str(channel))
    await message.reply_text(
        t._("Channel {channel} disconnected: nothing more will be posted there.").format(
            channel=f"<b>{title}</b>"
        )
    )


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("addchannel", add_channel))
    application.add_handler(CommandHandler("removechannel", remove_channel))
