"""Webhook mode: python-telegram-bot's built-in web server instead of long polling.

Telegram POSTs each update to ``WEBHOOK_URL`` with the header
``X-Telegram-Bot-Api-Secret-Token: WEBHOOK_SECRET``; the server listens on
``WEBHOOK_LISTEN:PORT`` (usually behind a TLS-terminating reverse proxy) at the path of
``WEBHOOK_URL``, and answers 403 to a request without the right secret, which is then not
processed.
"""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

from telegram import Update

from bot.config import Config, ConfigError
from bot.deps import AnyApp


def webhook_path(webhook_url: str) -> str:
    """The path the local server listens on: the path of the public URL, without slashes.

    A reverse proxy that forwards ``https://bot.example.org/telegram`` to
    ``http://127.0.0.1:8443/telegram`` therefore needs no rewriting.
    """
    return urlsplit(webhook_url).path.strip("/")


def local_address(listen: str) -> str:
    """Where a process on the same machine reaches a server listening on ``listen``."""
    if listen in ("", "0.0.0.0"):
        return "127.0.0.1"
    if listen == "::":
        return "::1"
    return listen


def require_webhook_server() -> None:
    """python-telegram-bot's webhook server needs its ``webhooks`` extra (tornado)."""
    if importlib.util.find_spec("tornado") is None:
        raise ConfigError(
            "WEBHOOK_URL is set, but the webhook server is not installed: "
            "pip install 'python-telegram-bot[webhooks]'"
        )


def run_webhook(application: AnyApp, config: Config) -> None:
    """Serve updates through the webhook until SIGINT/SIGTERM (blocking, like run_polling)."""
    assert config.webhook_url is not None
    application.run_webhook(
        listen=config.webhook_listen,
        port=config.webhook_port,
        url_path=webhook_path(config.webhook_url),
        webhook_url=config.webhook_url,
        secret_token=config.webhook_secret,
        allowed_updates=Update.ALL_TYPES,
    )
