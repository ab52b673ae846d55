"""Builds the Application and registers every handler, in order.

Order matters: python-telegram-bot runs the first matching handler of each group, so
specific handlers come before general ones, and the catch-all replies come last.
"""

from __future__ import annotations

from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, Defaults

from bot.broadcast.budget import SendBudget
from bot.config import Config
from bot.deps import AnyApp
from bot.handlers import (
    account,
    broadcast,
    channels,
    content_import,
    errors,
    events,
    fallback,
    flood,
    follow,
    inline,
    live,
    locale,
    membership,
    poll_admin,
    poll_lifecycle,
    polls,
    question_ask,
    question_board,
    question_moderation,
    ratings,
    stats,
    subscriber,
    trace,
)
from bot.runtime import shutdown, startup, stop_work
from bot.transport import AiohttpRequest


def build_application(config: Config) -> AnyApp:
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.api_url)
        .base_file_url(config.file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Every call but getUpdates on aiohttp: a quarter of httpx's CPU per request, which
        # broadcasts at 1000 msg/s need (bench/broadcast.py). Long polling stays on httpx.
        .request(AiohttpRequest(connection_pool_size=256))
        # One send budget for every message the bot sends, replies first (bot/broadcast).
        .rate_limiter(SendBudget(config.send_rate, paid=config.paid_broadcast))
        .concurrent_updates(True)
        .post_init(startup)
        .post_stop(stop_work)
        .post_shutdown(shutdown)
        .build()
    )
    application.bot_data["eventbot.config"] = config
    register_handlers(application)
    return application


def register_handlers(application: AnyApp) -> None:
    # Group -3: one log line per update (ids and command only, no text).
    trace.register(application)
    # Group -2: a chat sending faster than a person reads is ignored for a moment.
    flood.register(application)
    # Group -1: pick the language of every update before anything else runs.
    locale.register(application)
    # Group 0, most specific first. Feature modules register their commands, buttons and
    # update types here.
    polls.register(application)  # votes (poll_answer, poll: the hot path, first), /results
    poll_admin.register(application)  # /poll and its dialogue (before any free-text handler)
    content_import.register(application)  # .toml documents from admins (private chats)
    membership.register(application)  # bot added/removed (my_chat_member), group migrations
    channels.register(application)  # /addchannel, /removechannel (admins)
    subscriber.register(application)  # /start, /language, /topics and their pickers
    account.register(application)  # /stop, /forget
    events.register(application)  # /events and the event card's buttons
    stats.register(application)  # /stats (admins)
    broadcast.register(application)  # /announce, /broadcast, /schedule, /broadcasts, bc: buttons
    fallback.register_help(application)  # /help
    inline.register(application)  # inline mode: sharing event cards
    poll_lifecycle.register(application)  # /startpoll, /closepoll, /publish_results
    ratings.register(application)  # /rate, the rate: buttons, prompts after events
    follow.register(application)  # /follow, /unfollow, the card's flw: button
    live.register(application)  # /live (admins), the live: control buttons, live messages
    # Audience questions: /ask and its prompt (before the free-text fallback), /questions,
    # qa:/qt: asking, ql:/qv: the board and its 👍, qm:/qq: moderation.
    question_ask.register(application)
    question_board.register(application)
    question_moderation.register(application)
    # Last: replies to unknown commands and free text.
    fallback.register(application)
    errors.register(application)

