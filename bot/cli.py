"""The ``eventbot`` command: ``run`` the bot, ``import`` event content, and maintenance."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from telegram import Update

from bot.config import Config, ConfigError, load_config
from bot.logging_setup import setup_logging

EXIT_CONFIG = 2

log = logging.getLogger("bot.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventbot",
        description="Telegram bot for expert events: announcements, speakers, polls, ratings.",
        epilog="Configuration comes from environment variables and an optional .env file; "
        "see README.md.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "run", help="run the bot (long polling, or a webhook if WEBHOOK_URL is set)"
    )
    return parser


def _config() -> Config:
    try:
        return load_config()
    except ConfigError as error:
        print(f"eventbot: configuration error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def cmd_run() -> int:
    config = _config()
    setup_logging(config.log_level, [config.token, config.webhook_secret or ""], config.log_format)
    from bot.app import build_application

    application = build_application(config)
    log.info("starting eventbot with long polling")
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return cmd_run()
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
