"""/stats for the bot's admins: subscribers by language and topic, active and inactive;
``/stats EVENT_ID``: what the audience did with one event, and a readers-per-speaker chart."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot.deps import AnyApp, deps
from bot.handlers.replies import NEW_MESSAGES, send_text
from bot.handlers.rights import ensure_bot_admin
from bot.i18n import tr
from bot.render.stats import render_stats
from bot.render.stats_event import render_event_stats, render_readers_chart
from bot.services.event_stats import event_stats


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = list(context.args or [])
    if len(args) > 1:
        await send_text(context, chat.id, t._("Usage: /stats, or /stats EVENT_ID for one event"))
        return
    if args:
        await _event_stats(context, chat.id, args[0])
        return
    subscribers = deps(context).subscribers
    text = render_stats(await subscribers.counts(), await subscribers.topic_counts(), t)
    await send_text(context, chat.id, text)


async def _event_stats(context: ContextTypes.DEFAULT_TYPE, chat_id: int, event_id: str) -> None:
    t = tr()
    app = deps(context)
    event = await app.events.get(event_id)
    if event is None:
        await send_text(context, chat_id, t._("There is no event with this id."))
        return
    figures = await event_stats(
        event,
        broadcasts=app.broadcasts,
        engagement=app.engagement,
        polls=app.polls,
        ratings=app.ratings,
    )
    await send_text(context, chat_id, render_event_stats(figures, t))
    if event.speakers:
        png = await asyncio.to_thread(render_readers_chart, figures, t)
        await context.bot.send_photo(chat_id, png)


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("stats", stats, filters=NEW_MESSAGES))
