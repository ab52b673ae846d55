"""Start-up and shut-down around the Application, shared by ``eventbot run`` and the tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import Updater

from bot import live_delivery
from bot.broadcast.budget import SendBudget
from bot.config import Config
from bot.deps import DEPS_KEY, AnyApp, app_deps, build_deps
from bot.handlers import poll_lifecycle
from bot.handlers.menu import set_command_menus
from bot.i18n import set_default_language
from storage.db import Database

log = logging.getLogger(__name__)


async def startup(application: AnyApp) -> None:
    """Open the database (migrating it), build the dependencies, resume pending work."""
    config = application.bot_data["eventbot.config"]
    assert isinstance(config, Config)
    set_default_language(config.default_language)
    db = await Database.open(config.database_path)
    budget = application.bot.rate_limiter
    application.bot_data[DEPS_KEY] = build_deps(
        config, db, budget if isinstance(budget, SendBudget) else None
    )
    log.info("database ready at %s", config.database_path)
    await set_command_menus(application.bot, config)
    # Resume running broadcasts, start the scheduler (reminders, /schedule).
    await app_deps(application).broadcaster.start(application.bot)
    # Poll closing times (jobs rebuilt from the database) and interrupted closings.
    await poll_lifecycle.resume(application)
    # Live messages whose next part a restart interrupted.
    await live_delivery.resume(application)


async def stop_work(application: AnyApp) -> None:
    """After updates stop, before the bot's HTTP client closes: let broadcast requests in
    flight finish and record them (what is left resumes at the next start)."""
    if DEPS_KEY in application.bot_data:
        await live_delivery.stop(application)
        await app_deps(application).broadcaster.stop()


async def shutdown(application: AnyApp) -> None:
    if DEPS_KEY in application.bot_data:
        await app_deps(application).broadcaster.stop()
        await app_deps(application).votes.close()  # write the votes still buffered
        await app_deps(application).engagement.close()  # and the engagement records
        await app_deps(application).upvotes.close()  # and the 👍 presses in flight
        await app_deps(application).db.close()
        del application.bot_data[DEPS_KEY]


@asynccontextmanager
async def running(application: AnyApp, *, poll_timeout: int = 1) -> AsyncIterator[AnyApp]:
    """Run the bot with long polling inside the current event loop, as ``run_polling`` does.

    Used by the tests, which need the bot and the fake Bot API in one loop.
    """
    async with _serving(
        application,
        lambda updater: updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        ),
    ):
        yield application


@asynccontextmanager
async def running_webhook(
    application: AnyApp,
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret_token: str | None,
) -> AsyncIterator[AnyApp]:
    """Like :func:`running`, with python-telegram-bot's webhook server, as ``run_webhook``."""
    async with _serving(
        application,
        lambda updater: updater.start_webhook(
            listen=listen,
            port=port,
            url_path=url_path,
            webhook_url=webhook_url,
            secret_token=secret_token,
            allowed_updates=Update.ALL_TYPES,
        ),
    ):
        yield application


@asynccontextmanager
async def _serving(
    application: AnyApp, start_updater: Callable[[Updater], Awaitable[object]]
) -> AsyncIterator[AnyApp]:
    """Start and stop in ``run_polling``/``run_webhook``'s order, around any updater mode."""
    await application.initialize()
    await startup(application)
    assert application.updater is not None
    await start_updater(application.updater)
    await application.start()
    try:
        yield application
    finally:
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await stop_work(application)
        await application.shutdown()
        await shutdown(application)
