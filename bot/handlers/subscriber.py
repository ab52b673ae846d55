"""Subscribing: /start with the language and topics pickers, /language, /topics.

In groups only the chat's administrators change these (``bot/handlers/rights.py``).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.config import SUPPORTED_LANGUAGES
from bot.deps import AnyApp, deps
from bot.handlers.events import show_event_card
from bot.handlers.replies import NEW_MESSAGES, edit, refuse, send, send_text
from bot.handlers.rights import ensure_chat_manager
from bot.i18n import (
    default_language,
    normalize_language,
    set_current_language,
    tr,
    translator,
)
from bot.render.event_card import DEEP_LINK_PREFIX
from bot.render.settings import (
    DONE,
    FLOWS,
    SET_FLOW,
    START_FLOW,
    render_language_picker,
    render_language_set,
    render_summary,
    render_topics_picker,
    render_welcome,
    render_welcome_back,
)
from bot.render.types import Rendered
from storage.models import TOPICS, Subscriber

log = logging.getLogger(__name__)


def stale_button_text() -> str:
    return tr()._("This button is no longer valid.")


async def _subscriber_or_hint(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> Subscriber | None:
    """The chat's subscription, or None after telling the user to /start first."""
    subscriber = await deps(context).subscribers.get(chat_id)
    if subscriber is None:
        await refuse(update, context, tr()._("You are not subscribed yet: send /start first."))
    return subscriber


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Subscribe (or re-activate, keeping the settings), then offer the language picker to
    a new subscriber; ``/start ev_<id>`` also shows that event's card."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or not await ensure_chat_manager(update, context):
        return
    app = deps(context)
    private = chat.type == ChatType.PRIVATE
    guess = normalize_language(user.language_code if user else None) or default_language()
    stored = await app.subscribers.language(chat.id)
    subscriber, created = await app.subscribers.subscribe(
        chat.id,
        language=stored or guess,
        user_id=user.id if private and user is not None else None,
        chat_type=chat.type,
        title=None if private else chat.title,
    )
    app.languages.remember(chat.id, subscriber.language)
    set_current_language(subscriber.language)
    t = translator(subscriber.language)
    log.info("chat %s subscribed (new: %s)", chat.id, created)
    payload = context.args[0] if context.args else ""
    if payload.startswith(DEEP_LINK_PREFIX):
        await show_event_card(
            context, chat.id, payload.removeprefix(DEEP_LINK_PREFIX), user.id if user else None
        )
    if created:
        title = None if private else (chat.title or "")
        await send(context, chat.id, render_welcome(subscriber.language, t, group_title=title))
    elif not payload:
        await send_text(context, chat.id, render_welcome_back(subscriber, t))


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_chat_manager(update, context):
        return
    subscriber = await _subscriber_or_hint(update, context, chat.id)
    if subscriber is not None:
        await send(context, chat.id, render_language_picker(subscriber.language, tr()))


async def topics_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_chat_manager(update, context):
        return
    subscriber = await _subscriber_or_hint(update, context, chat.id)
    if subscriber is not None:
        picker = render_topics_picker(subscriber.topics, tr(), SET_FLOW)
        await send(context, chat.id, picker)


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``lang:<code>:<flow>``: store the language; in the first dialogue go on to topics."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, "lang", (str, str))
    chat = update.effective_chat
    if (
        decoded is None
        or decoded[0] not in SUPPORTED_LANGUAGES
        or decoded[1] not in FLOWS
        or chat is None
        or query.message is None
    ):
        await query.answer(stale_button_text(), show_alert=True)
        return
    language, flow = decoded
    if not await ensure_chat_manager(update, context):
        return
    app = deps(context)
    if not await app.subscribers.set_language(chat.id, language):
        await refuse(update, context, tr()._("You are not subscribed yet: send /start first."))
        return
    app.languages.remember(chat.id, language)
    set_current_language(language)
    t = translator(language)
    confirmation = render_language_set(language, t)
    if flow == START_FLOW:
        subscriber = await app.subscribers.get(chat.id)
        topics = subscriber.topics if subscriber is not None else frozenset()
        picker = render_topics_picker(topics, t, START_FLOW)
        await edit(query, Rendered(f"{confirmation}\n\n{picker.text}", picker.buttons))
    else:
        await edit(query, Rendered("✅ " + confirmation))
    await query.answer()


async def on_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``top:<topic>:<flow>`` toggles a topic (stored at once); ``top:done:<flow>`` ends."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, "top", (str, str))
    chat = update.effective_chat
    if (
        decoded is None
        or (decoded[0] not in TOPICS and decoded[0] != DONE)
        or decoded[1] not in FLOWS
        or chat is None
        or query.message is None
    ):
        await query.answer(stale_button_text(), show_alert=True)
        return
    topic, flow = decoded
    if not await ensure_chat_manager(update, context):
        return
    subscriber = await _subscriber_or_hint(update, context, chat.id)
    if subscriber is None:
        return
    app = deps(context)
    t = tr()
    if topic == DONE:
        await edit(query, Rendered("✅ " + render_summary(subscriber, t)))
    else:
        chosen = subscriber.topics ^ {topic}
        await app.subscribers.set_topics(chat.id, chosen)
        await edit(query, render_topics_picker(chosen, t, flow))
    await query.answer()


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("start", start, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("language", language_command, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("topics", topics_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_language, pattern=callbacks.pattern("lang")))
    application.add_handler(CallbackQueryHandler(on_topic, pattern=callbacks.pattern("top")))
