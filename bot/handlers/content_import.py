"""Admins import event content by sending the TOML file to the bot as a document.

Same validation as ``eventbot import``; the reply says what was imported, or lists every
problem. Only ``.toml`` documents in private chats reach this handler, so other documents
stay free for other features; what is left gets :func:`accepted_files_text` from the
fallback (``bot/handlers/fallback.py``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.content import MAX_FILE_SIZE, ContentError, Imported, import_files
from bot.deps import AnyApp, deps
from bot.i18n import Translator, tr
from bot.render.split import split_html

log = logging.getLogger(__name__)

CONTENT_DOCUMENT = filters.ChatType.PRIVATE & (
    filters.Document.FileExtension("toml") | filters.Document.MimeType("application/toml")
)


def accepted_files_text(t: Translator) -> str:
    """What an admin can send to import an event (for replies to other files)."""
    return t._(
        "I import events from a TOML file whose name ends in .toml (UTF-8, at most {size} KB),"
        " sent as a file. To send this file to subscribers instead, reply /broadcast to it."
    ).format(size=t.number(MAX_FILE_SIZE // 1024))


def imported_text(t: Translator, item: Imported) -> str:
    """What was imported: title in the reader's language, counts, new or updated."""
    event = item.event
    speakers = len(event.speakers)
    polls = len(event.polls)
    values = {
        "title": html.escape(event.title.get(t.language)),
        "event_id": html.escape(event.id),
        "speakers": t.ngettext("{n} speaker", "{n} speakers", speakers).format(
            n=t.number(speakers)
        ),
        "polls": t.ngettext("{n} poll", "{n} polls", polls).format(n=t.number(polls)),
    }
    if item.created:
        template = t._(
            "New event imported: <b>{title}</b> (<code>{event_id}</code>) — {speakers}, {polls}."
        )
    else:
        template = t._(
            "Event updated: <b>{title}</b> (<code>{event_id}</code>) — {speakers}, {polls}."
        )
    return template.format(**values)


def problems_texts(t: Translator, source: str, problems: Sequence[str]) -> list[str]:
    """The refusal with every problem, split into messages that fit Telegram's limit.

    The wrapper is translated; the problem details stay in English on purpose: they quote
    field names and TOML syntax, and are the same as ``eventbot import`` prints.
    """
    count = len(problems)
    header = t.ngettext(
        "Nothing was imported from {file}: {n} problem. Fix it and send the file again.",
        "Nothing was imported from {file}: {n} problems. Fix them and send the file again.",
        count,
    ).format(file=f"<code>{html.escape(source)}</code>", n=t.number(count))
    lines = "\n".join(f"• {html.escape(problem, quote=False)}" for problem in problems)
    return split_html(f"{header}\n\n{lines}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or message.document is None:
        return
    t = tr()
    app_deps = deps(context)
    if not app_deps.config.is_admin(user.id if user else None):
        await message.reply_text(t._("Sorry, only the bot's admins can import event files."))
        return
    document = message.document
    if document.file_size is not None and document.file_size > MAX_FILE_SIZE:
        await message.reply_text(
            t._("This file is too large for an event file: the limit is {size} KB.").format(
                size=t.number(MAX_FILE_SIZE // 1024)
            )
        )
        return
    try:
        data = await (await document.get_file()).download_as_bytearray()
    except TelegramError as error:
        log.warning("content file %r not downloaded: %s", document.file_name, error)
        await message.reply_text(
            t._("I could not download this file from Telegram. Please send it again.")
        )
        return
    source = document.file_name or "event.toml"
    try:
        imported = await import_files(app_deps.events, [(source, bytes(data))])
    except ContentError as error:
        log.info("content file %r refused: %d problems", source, len(error.problems))
        for text in problems_texts(t, source, error.problems):
            await message.reply_text(text)
        return
    app_deps.broadcaster.wake_scheduler(events_changed=True)
    for item in imported:
        log.info("event %s imported from a document (new: %s)", item.event.id, item.created)
        await message.reply_text(imported_text(t, item))


def register(application: AnyApp) -> None:
    application.add_handler(MessageHandler(CONTENT_DOCUMENT, on_document))
