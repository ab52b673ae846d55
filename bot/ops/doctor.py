"""``eventbot doctor``: checks a deployment and says in plain words what is wrong.

Checks: the token (``getMe`` at ``BOT_API_URL``), the database (opens, schema version, quick
check), the catalogs (load and are complete in every language), the chart font (has the
glyphs of every language's script) and the webhook as Telegram sees it (``getWebhookInfo``)
against the configured mode. Each check prints one ``OK`` or ``FAIL`` line, or ``WARN`` for
what works in a reduced way (charts without texts); the exit code is 1 if any failed. The
token is never printed: every line goes through the same redaction as the logs.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.config import SUPPORTED_LANGUAGES, Config
from bot.i18n import catalog_path
from bot.logging_setup import TokenRedactingFilter
from bot.ops.catalogs import catalog_problems, code_messages
from bot.render.fonts import SCRIPTS, FontSet, languages_of, load_fonts, missing_scripts
from storage.maintenance import DatabaseMissingError, inspect

TIMEOUT_SECONDS = 10.0
RECENT_ERROR = timedelta(hours=1)
"""A webhook delivery error older than this is history, not a current problem."""
SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    warning: bool = False
    """Works, but less well than it should: printed as ``WARN``, not a failure."""

    def line(self) -> str:
        status = "WARN" if self.warning else "OK  " if self.ok else "FAIL"
        return f"{status} {self.name}: {self.detail}"


def check_database(config: Config) -> Check:
    path = config.database_path
    try:
        info = inspect(path)
    except DatabaseMissingError:
        folder = path.parent
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Check(
                "database",
                True,
                f"{path} does not exist yet; `eventbot migrate` or the first "
                "`eventbot run` creates it",
            )
        return Check("database", False, f"{path} does not exist and {folder} is not writable")
    except (sqlite3.Error, OSError) as error:
        return Check("database", False, f"{path} cannot be opened: {error}")
    if info.problems:
        shown = "; ".join(info.problems[:SHOWN_PROBLEMS])
        return Check("database", False, f"{path} is damaged (quick_check: {shown})")
    if info.schema_version > info.latest_version:
        return Check(
            "database",
            False,
            f"{path} has schema version {info.schema_version}, newer than this eventbot "
            f"knows ({info.latest_version}): upgrade eventbot",
        )
    if info.schema_version < info.latest_version:
        return Check(
            "database",
            True,
            f"{path} opens, schema version {info.schema_version} of {info.latest_version}: "
            "`eventbot migrate` (or the next start) applies the rest",
        )
    return Check("database", True, f"{path} opens, schema version {info.schema_version} (latest)")


def check_catalogs() -> list[Check]:
    messages = code_messages()
    checks: list[Check] = []
    for language in SUPPORTED_LANGUAGES:
        problems = catalog_problems(language, messages)
        name = f"catalog {language}"
        if problems:
            more = len(problems) - SHOWN_PROBLEMS
            detail = "; ".join(problems[:SHOWN_PROBLEMS])
            if more > 0:
                detail += f"; and {more} more"
            checks.append(Check(name, False, detail))
        else:
            source = catalog_path(language)
            detail = f"{source} loads, all {len(messages)} messages translated"
            checks.append(Check(name, True, detail))
    return checks


def check_chart_fonts(fonts: FontSet | None = None) -> Check:
    """Whether the results charts can carry their texts in every language (else they are
    numbered only in the languages whose script no font has)."""
    fonts = load_fonts() if fonts is None else fonts
    gaps = missing_scripts(fonts)
    faces = ", ".join(f"{face.name} ({face.path})" for face in fonts.faces)
    if not gaps:
        scripts = ", ".join(SCRIPTS)
        return Check("chart font", True, f"{faces} has {scripts}: charts are labelled")
    languages = languages_of(gaps)
    if fonts.faces:
        found = f"{faces} has no glyphs for {', '.join(gaps)}"
    else:
        packages = " ".join(source.distribution for source in fonts.missing)
        found = f"no chart font is installed (pip install {packages})"
    return Check(
        "chart font",
        True,
        f"{found}: results charts in {', '.join(languages)} are numbered only, "
        "their texts are in the message",
        warning=True,
    )


async def check_webhook(bot: Bot, config: Config) -> Check:
    try:
        info = await bot.get_webhook_info()
    except TelegramError as error:
        return Check("webhook", False, f"getWebhookInfo failed: {error}")
    if config.webhook_url is None:
        if not info.url:
            return Check("webhook", True, "none set: long polling receives the updates")
        return Check(
            "webhook",
            False,
            f"Telegram sends updates to the webhook {info.url}, but WEBHOOK_URL is not set: "
            "in polling mode no updates arrive while that webhook exists (`eventbot run` "
            "removes it at start; if it comes back, another program uses this token)",
        )
    if not info.url:
        return Check(
            "webhook",
            False,
            f"no webhook is set, so Telegram sends nothing to {config.webhook_url}: "
            "`eventbot run` sets it at start; is the bot running?",
        )
    if info.url != config.webhook_url:
        return Check(
            "webhook",
            False,
            f"Telegram sends updates to {info.url}, but WEBHOOK_URL is {config.webhook_url}",
        )
    if info.last_error_date is not None and info.last_error_message:
        when = info.last_error_date
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if datetime.now(UTC) - when < RECENT_ERROR:
            return Check(
                "webhook",
                False,
                f"Telegram could not deliver to {info.url} at {when:%Y-%m-%d %H:%M} UTC: "
                f"{info.last_error_message} ({info.pending_update_count} updates waiting)",
            )
    return Check(
        "webhook",
        True,
        f"Telegram sends updates to {info.url} ({info.pending_update_count} waiting)",
    )


async def check_telegram(config: Config) -> list[Check]:
    """The token check, then (only if Telegram answered) the webhook check."""
    request = HTTPXRequest(connect_timeout=TIMEOUT_SECONDS, read_timeout=TIMEOUT_SECONDS)
    bot = Bot(config.token, base_url=config.api_url, base_file_url=config.file_url, request=request)
    try:
        await bot.initialize()
    except InvalidToken:
        return [
            Check(
                "token",
                False,
                f"the Bot API at {config.api_url} rejects BOT_TOKEN (getMe: unauthorized): "
                "copy the token again from @BotFather",
            )
        ]
    except NetworkError as error:
        return [Check("token", False, f"cannot reach the Bot API at {config.api_url}: {error}")]
    except TelegramError as error:
        return [Check("token", False, f"getMe at {config.api_url} failed: {error}")]
    try:
        me = bot.bot
        token_check = Check("token", True, f"valid: this is @{me.username} (id {me.id})")
        return [token_check, await check_webhook(bot, config)]
    finally:
        await bot.shutdown()


async def run_checks(config: Config) -> list[Check]:
    telegram = await check_telegram(config)
    return [*telegram, check_database(config), *check_catalogs(), check_chart_fonts()]


def cmd_doctor(config: Config) -> int:
    redactor = TokenRedactingFilter([config.token, config.webhook_secret or ""])
    checks = asyncio.run(run_checks(config))
    for check in checks:
        print(redactor.redact(check.line()))
    failed = sum(1 for check in checks if not check.ok)
    warned = sum(1 for check in checks if check.warning)
    summary = "all checks passed" if not failed else f"failed: {failed} of {len(checks)} checks"
    print(summary + (f" ({warned} with a warning)" if warned else ""))
    return 1 if failed else 0
