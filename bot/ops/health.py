"""``eventbot health``: the cheap liveness check behind the Docker ``HEALTHCHECK``.

Healthy means: the database file opens and answers a query, and, in webhook mode, the
webhook server answers HTTP on its port (any status: Telegram's POSTs are what it serves,
a GET gets 405). In polling mode nothing listens on a port, so only the database is checked.
"""

from __future__ import annotations

import http.client
import sqlite3

from bot.config import Config
from bot.webhook import local_address, webhook_path
from storage.maintenance import DatabaseMissingError, probe

TIMEOUT_SECONDS = 3.0


def database_problem(config: Config) -> str | None:
    try:
        version = probe(config.database_path)
    except (DatabaseMissingError, sqlite3.Error, OSError) as error:
        return f"database {config.database_path} is not reachable: {error}"
    if version == 0:
        return f"database {config.database_path} has no schema yet (the bot has not started)"
    return None


def webhook_problem(config: Config) -> str | None:
    """None when the webhook server answers HTTP on WEBHOOK_LISTEN:PORT."""
    host = local_address(config.webhook_listen)
    path = "/" + webhook_path(config.webhook_url or "")
    connection = http.client.HTTPConnection(host, config.webhook_port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", path)
        connection.getresponse().read()
    except (OSError, http.client.HTTPException) as error:
        return f"webhook server on {host}:{config.webhook_port} does not answer: {error}"
    finally:
        connection.close()
    return None


def health_problems(config: Config) -> list[str]:
    problems: list[str] = []
    database = database_problem(config)
    if database:
        problems.append(database)
    if config.webhook_url is not None:
        webhook = webhook_problem(config)
        if webhook:
            problems.append(webhook)
    return problems


def cmd_health(config: Config) -> int:
    """Print ``healthy`` (exit 0) or each problem (exit 1)."""
    problems = health_problems(config)
    for problem in problems:
        print(f"unhealthy: {problem}")
    if not problems:
        print("healthy")
    return 1 if problems else 0
