"""The command menu (the "/" button): per language for everyone, with admin commands for
each admin's own chat. Set once at start-up; a failure is logged and start-up goes on."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.config import SUPPORTED_LANGUAGES, Config
from bot.i18n import translator
from bot.render.commands import commands

log = logging.getLogger(__name__)


class _Unreachable(Exception):
    """The Bot API did not answer: trying the other menus would only delay start-up."""


async def _set(
    bot: Bot,
    pairs: list[tuple[str, str]],
    scope: BotCommandScopeDefault | BotCommandScopeChat,
    language: str | None,
) -> bool:
    try:
        await bot.set_my_commands(
            [BotCommand(command, description) for command, description in pairs],
            scope=scope,
            language_code=language,
        )
    except TelegramError as error:
        log.warning(
            "could not set the command menu (scope %s, language %s): %s",
            scope.type,
            language or "default",
            error,
        )
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            raise _Unreachable from error
        return False
    return True


async def set_command_menus(bot: Bot, config: Config) -> int:
    """Call setMyCommands for the default scope (without a language, in DEFAULT_LANGUAGE,
    and for each supported ``language_code``) and for each admin's private chat (with the
    admin commands). Returns how many calls succeeded; never raises for Telegram errors."""
    languages: list[str | None] = [None, *SUPPORTED_LANGUAGES]
    done = 0
    try:
        for language in languages:
            t = translator(language or config.default_language)
            done += await _set(bot, commands(t), BotCommandScopeDefault(), language)
        for admin_id in sorted(config.admin_ids):
            scope = BotCommandScopeChat(admin_id)
            for language in languages:
                t = translator(language or config.default_language)
                if not await _set(bot, commands(t, admin=True), scope, language):
                    break  # e.g. the admin has not started the bot yet: "chat not found"
                done += 1
    except _Unreachable:
        log.warning("the Bot API is unreachable; command menus are left as they were")
    return done
