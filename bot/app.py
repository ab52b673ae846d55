"""Builds the Application and registers every handler, in order.

Order matters: python-telegram-bot runs the first matching handler of each group, so
specific handlers come before general ones, and the catch-all replies come last.
"""

from __future__ import annotations

from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, Defaults

from bot.config import Config
from bot.deps import AnyApp
from bot.handlers import errors, locale
from bot.runtime import shutdown, startup


def build_application(config: Config) -> AnyApp:
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.api_url)
        .base_file_url(config.file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(True)
        .post_init(startup)
        .post_shutdown(shutdown)
        .build()
    )
    application.bot_data["eventbot.config"] = config
    register_handlers(application)
    return application


def register_handlers(application: AnyApp) -> None:
    # Group -1: pick the language of every update before anything else runs.
    locale.register(application)
    # Group 0, most specific first. Feature modules register their commands, buttons and
    # update types here.
    # Last: replies to unknown commands and free text.
    errors.register(application)

