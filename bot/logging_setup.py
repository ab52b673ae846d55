"""Logging that never prints the bot token.

httpx logs every request URL at INFO and python-telegram-bot logs its API URL at DEBUG; both
contain the token. A filter on the root handler rewrites any record that holds it, and the
chatty transport loggers are raised to WARNING.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

REDACTED = "<redacted>"


class TokenRedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = self.redact(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key.startswith("ev_") and isinstance(value, str):
                record.__dict__[key] = self.redact(value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the ``ev_*`` fields passed in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key.startswith("ev_"):
                payload[key[3:]] = value
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(
            f"{key[3:]}={value}" for key, value in record.__dict__.items() if key.startswith("ev_")
        )
        return f"{line} {fields}" if fields else line


def setup_logging(level: str, secrets: list[str], fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TokenRedactingFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiosqlite logs every query twice at DEBUG, from its connections' threads (one writer,
    # up to three readers): thousands of lines a second while a broadcast runs.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
