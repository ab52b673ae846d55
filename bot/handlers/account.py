"""/stop (unsubscribe, keep the settings) and /forget (delete everything, after a confirmation)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.deps import AnyApp, deps
from bot.handlers.replies import NEW_MESSAGES, edit, send, send_text
from bot.handlers.rights import ensure_chat_manager
from bot.i18n import tr
from bot.render.types import Button, Rendered
from storage.privacy import forget_chat

log = logging.getLogger(__name__)

CONFIRM = "yes"
CANCEL = "no"


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_chat_manager(update, context):
        return
    t = tr()
    if await deps(context).subscribers.deactivate(chat.id):
        log.info("chat %s unsubscribed", chat.id)
        text = t._(
            "You have unsubscribed and will get no more announcements. Your settings are kept: "
            "send /start to come back, or /forget to delete them."
        )
    else:
        text = t._("You are not subscribed. Send /start to subscribe.")
    await send_text(context, chat.id, text)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask first: deleting cannot be undone."""
    chat = update.effective_chat
    if chat is None or not await ensure_chat_manager(update, context):
        return
    t = tr()
    question = Rendered(
        t._(
            "Delete everything I store about this chat (subscription, language, topics)? "
            "This cannot be undone."
        ),
        (
            (
                Button("🗑 " + t._("Yes, delete"), callback_data=callbacks.encode("fgt", CONFIRM)),
                Button(t._("Cancel"), callback_data=callbacks.encode("fgt", CANCEL)),
            ),
        ),
    )
    await send(context, chat.id, question)


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``fgt:yes`` deletes and confirms; ``fgt:no`` keeps everything."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, "fgt", (str,))
    chat = update.effective_chat
    if decoded is None or decoded[0] not in (CONFIRM, CANCEL) or chat is None:
        await query.answer(tr()._("This button is no longer valid."), show_alert=True)
        return
    if not await ensure_chat_manager(update, context):
        return
    t = tr()
    if decoded[0] == CANCEL:
        await edit(query, Rendered(t._("Nothing was deleted.")))
        await query.answer()
        return
    app = deps(context)
    user = update.effective_user
    # Votes wait in a write buffer: flush it so none is written back after the deletion.
    await app.votes.flush()
    await app.upvotes.flush()
    forgotten_user = user.id if user is not None and user.id == chat.id else None
    if forgotten_user is not None:
        await app.engagement.forget_user(forgotten_user)  # the same for engagement records
    await forget_chat(app.db, chat.id, forgotten_user)
    app.languages.forget(chat.id)
    log.info("chat %s forgotten", chat.id)
    await edit(
        query,
        Rendered(
            t._(
                "Done: everything I stored about this chat is deleted. "
                "Send /start if you want to subscribe again."
            )
        ),
    )
    await query.answer()


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("stop", stop, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("forget", forget, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_forget, pattern=callbacks.pattern("fgt")))
