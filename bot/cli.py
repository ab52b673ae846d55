"""The ``eventbot`` command: ``run`` the bot, ``import`` event content, and maintenance."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram import Update

from bot.config import Config, ConfigError, load_config
from bot.logging_setup import setup_logging
from storage.location import DatabasePathError

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
    importer = commands.add_parser(
        "import",
        help="validate event content files (TOML) and store them; nothing is written if any "
        "file has a problem",
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="event content file (.toml)")
    commands.add_parser("migrate", help="apply pending database migrations, then exit")
    backup = commands.add_parser(
        "backup", help="copy the database consistently (safe while the bot runs)"
    )
    backup.add_argument("path", metavar="PATH", help="file (or folder) to write the copy to")
    commands.add_parser(
        "doctor", help="check token, database, catalogs and webhook; say what is wrong"
    )
    commands.add_parser(
        "health", help="exit 0 if the database answers (and the webhook port, in webhook mode)"
    )
    export = commands.add_parser(
        "export-questions", help="write an event's audience questions as CSV (UTF-8)"
    )
    export.add_argument("event_id", metavar="EVENT_ID", help="the event's id")
    export.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    return parser


def _config(*, require_token: bool = True) -> Config:
    try:
        return load_config(require_token=require_token)
    except ConfigError as error:
        print(f"eventbot: configuration error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def cmd_run() -> int:
    config = _config()
    setup_logging(config.log_level, [config.token, config.webhook_secret or ""], config.log_format)
    from bot.app import build_application

    application = build_application(config)
    if config.webhook_url is not None:
        from bot.webhook import require_webhook_server, run_webhook

        try:
            require_webhook_server()
        except ConfigError as error:
            print(f"eventbot: configuration error: {error}", file=sys.stderr)
            return EXIT_CONFIG
        log.info("starting eventbot with a webhook at %s", config.webhook_url)
        run_webhook(application, config)
    else:
        log.info("starting eventbot with long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    log.info("eventbot stopped")
    return 0


def cmd_import(files: Sequence[str]) -> int:
    """Needs only DATABASE_PATH: importing never talks to Telegram."""
    config = _config(require_token=False)
    from bot.content.command import run_import

    return asyncio.run(run_import(files, config.database_path))


def cmd_maintenance(command: str, path: str | None) -> int:
    """migrate / backup / health need only DATABASE_PATH (and the webhook settings)."""
    config = _config(require_token=False)
    if command == "migrate":
        from bot.ops.migrate import cmd_migrate

        return cmd_migrate(config)
    if command == "backup":
        from bot.ops.backup import cmd_backup

        assert path is not None
        return cmd_backup(config, Path(path))
    from bot.ops.health import cmd_health

    return cmd_health(config)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except DatabasePathError as error:
        # load_config foresees the usual bad DATABASE_PATH; this is what opening it found.
        print(f"eventbot: configuration error: DATABASE_PATH: {error}", file=sys.stderr)
        return EXIT_CONFIG


def _command(args: argparse.Namespace) -> int:
    if args.command == "run":
        return cmd_run()
    if args.command == "import":
        return cmd_import(args.files)
    if args.command in ("migrate", "backup", "health"):
        return cmd_maintenance(args.command, getattr(args, "path", None))
    if args.command == "export-questions":
        from bot.ops.export_questions import cmd_export_questions

        return cmd_export_questions(_config(require_token=False), args.event_id, args.out)
    if args.command == "doctor":
        from bot.ops.doctor import cmd_doctor

        return cmd_doctor(_config())
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
