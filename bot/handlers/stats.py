"""/stats for the bot's admins: subscribers by language and topic, active and inactive."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot.deps import AnyApp, deps
from bot.handlers.replies import NEW_MESSAGES, send_text
from bot.handlers.rights import ensure_bot_admin
from bot.i18n import tr
from bot.render.stats import render_stats


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    subscribers = deps(context).subscribers
    text = render_stats(await subscribers.counts(), await subscribers.topic_counts(), tr())
    await send_text(context, chat.id, text)


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("stats", stats, filters=NEW_MESSAGES))
