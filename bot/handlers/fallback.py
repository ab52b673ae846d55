"""/help, and the last resort of group 0: short replies to unknown commands, free text and
files or media nothing else took (in private chats: admins are told what can be imported or
broadcast, anyone else what the bot does).

Registered after every other handler of group 0, so it only sees what nothing else took. In
groups it stays quiet unless a command is addressed to this bot by name.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, ContextTypes, MessageHandler, filters

from bot.deps import AnyApp
from bot.handlers.content_import import accepted_files_text
from bot.handlers.replies import NEW_MESSAGES, send_text
from bot.handlers.rights import is_bot_admin
from bot.i18n import tr
from bot.render.commands import render_help


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await send_text(context, chat.id, render_help(tr(), admin=is_bot_admin(update, context)))


def _addressed_to_me(text: str, username: str) -> bool:
    """Whether ``/command@name`` names this bot (plain ``/command`` in a group may be another
    bot's)."""
    command = text.split(maxsplit=1)[0] if text else ""
    _, _, target = command.partition("@")
    return bool(target) and target.lower() == username.lower()


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    if chat.type != ChatType.PRIVATE and not _addressed_to_me(
        message.text or "", context.bot.username
    ):
        return
    await send_text(
        context, chat.id, tr()._("I don't know this command. Send /help to see what I can do.")
    )


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await send_text(
        context,
        chat.id,
        tr()._(
            "I understand commands only. Send /events to see the events or /help for "
            "everything I can do."
        ),
    )


async def other_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document that is no event file, a photo or other media, in a private chat."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    t = tr()
    if not is_bot_admin(update, context):
        text = t._(
            "I can't do anything with files or media. Send /events to see the events or "
            "/help for everything I can do."
        )
    elif message.document is None:
        text = t._(
            "Photos and other media are not imported: events come as a .toml file. To send "
            "this to subscribers, reply /broadcast to it (filters such as lang=ru work too)."
        )
    else:
        name = message.document.file_name
        if name:
            first = t._("“{name}” is not an event file: nothing was imported.").format(
                name=escape(name)
            )
        else:
            first = t._("This file has no name, so it is not an event file: nothing was imported.")
        text = first + "\n" + accepted_files_text(t)
    await message.reply_text(text)


def register_help(application: AnyApp) -> None:
    application.add_handler(CommandHandler("help", help_command, filters=NEW_MESSAGES))


def register(application: AnyApp) -> None:
    """The catch-alls; call after every other handler of group 0."""
    application.add_handler(MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(
            NEW_MESSAGES
            & filters.ChatType.PRIVATE
            & ~filters.COMMAND
            & (filters.TEXT | filters.Sticker.ALL),
            free_text,
        )
    )
    application.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.ChatType.PRIVATE & ~filters.COMMAND & filters.ATTACHMENT,
            other_file,
        )
    )
