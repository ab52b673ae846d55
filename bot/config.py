"""Configuration read from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storage.location import path_problem

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ru", "ko")
DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_SEND_RATE = 25.0
"""Below Telegram's ~30 messages/s for a bot (``FloodLimit.MESSAGES_PER_SECOND``)."""


class ConfigError(Exception):
    """A missing or invalid setting; the message names the variable."""


@dataclass(frozen=True)
class Config:
    token: str = field(repr=False)
    admin_ids: frozenset[int] = frozenset()
    database_path: Path = Path("eventbot.sqlite3")
    api_url: str = DEFAULT_API_URL
    file_url: str = DEFAULT_FILE_URL
    default_language: str = "en"
    log_level: str = "INFO"
    log_format: str = "text"
    send_rate: float = DEFAULT_SEND_RATE
    """Messages per second for the whole bot: replies and broadcasts draw from it."""
    paid_broadcast: bool = False
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    moderator_ids: frozenset[int] = frozenset()
    """Moderate audience questions, besides the admins (who always may)."""
    qa_chat_id: int | None = None
    """A group where new audience questions are posted for the moderators sitting there."""

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    def is_moderator(self, user_id: int | None) -> bool:
        """Admins and ``MODERATOR_IDS``: they moderate audience questions."""
        return self.is_admin(user_id) or (user_id is not None and user_id in self.moderator_ids)

    def is_trusted(self, user_id: int | None) -> bool:
        """Never throttled by the flood guard: admins and moderators."""
        return self.is_moderator(user_id)


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a minimal ``.env`` file: ``KEY=value`` lines, ``#`` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _admin_ids(raw: str, name: str = "ADMIN_IDS") -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"{name}: {part!r} is not a Telegram user id (expected integers "
                "separated by commas)"
            ) from None
    return frozenset(ids)


def _chat_id(name: str, raw: str) -> int | None:
    if not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(
            f"{name}: {raw.strip()!r} is not a Telegram chat id (a group's id is negative, "
            "e.g. -1001234567890)"
        ) from None


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a number") from None
    if not value > 0:
        raise ConfigError(f"{name}: must be greater than 0, got {raw!r}")
    return value


def _send_rate(env: Mapping[str, str]) -> float:
    """``SEND_RATE``, or its older name ``BROADCAST_RATE`` (``SEND_RATE`` wins)."""
    for name in ("SEND_RATE", "BROADCAST_RATE"):
        raw = env.get(name, "").strip()
        if raw:
            return _positive_float(name, raw)
    return DEFAULT_SEND_RATE


def _flag(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected 1/0, true/false or yes/no, got {raw!r}")


def _url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name}: expected an http:// or https:// URL, got {raw!r}")
    return raw


def load_config(
    environ: Mapping[str, str] | None = None,
    dotenv: Path | None = Path(".env"),
    *,
    require_token: bool = True,
) -> Config:
    """Build a :class:`Config`; real environment variables win over ``.env`` entries.

    ``require_token=False`` is for maintenance commands that never talk to Telegram
    (``migrate``, ``backup``, ``health``): the token is then neither required nor checked.
    """
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)

    token = env.get("BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError("BOT_TOKEN is not set: put the token from @BotFather in BOT_TOKEN")
    if require_token and (":" not in token or any(c.isspace() for c in token)):
        raise ConfigError("BOT_TOKEN does not look like a bot token (expected '<id>:<secret>')")

    language = env.get("DEFAULT_LANGUAGE", "en").strip().lower() or "en"
    if language not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            f"DEFAULT_LANGUAGE: {language!r} is not supported; use one of "
            + ", ".join(SUPPORTED_LANGUAGES)
        )
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: {level!r} is not one of {', '.join(LOG_LEVELS)}")
    log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT: {log_format!r} is not 'text' or 'json'")

    database_path = Path(env.get("DATABASE_PATH", "").strip() or "eventbot.sqlite3")
    # Checked here, without writing anything, so that every command refuses a bad path alike.
    database_problem = path_problem(database_path)
    if database_problem is not None:
        raise ConfigError(f"DATABASE_PATH: {database_problem}")
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_url is not None:
        _url("WEBHOOK_URL", webhook_url)
        if webhook_secret is None:
            raise ConfigError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    if webhook_secret is not None and not all(
        c.isalnum() or c in "_-" for c in webhook_secret
    ):
        raise ConfigError("WEBHOOK_SECRET: only letters, digits, '_' and '-' are allowed")
    port_raw = (env.get("PORT") or env.get("WEBHOOK_PORT") or "8443").strip()
    try:
        port = int(port_raw)
    except ValueError:
        raise ConfigError(f"PORT: {port_raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"PORT: {port} is not between 1 and 65535")

    return Config(
        token=token,
        admin_ids=_admin_ids(env.get("ADMIN_IDS", "")),
        database_path=database_path,
        api_url=_url("BOT_API_URL", env.get("BOT_API_URL", "").strip() or DEFAULT_API_URL),
        file_url=_url(
            "BOT_API_FILE_URL", env.get("BOT_API_FILE_URL", "").strip() or DEFAULT_FILE_URL
        ),
        default_language=language,
        log_level=level,
        log_format=log_format,
        send_rate=_send_rate(env),
        paid_broadcast=_flag("PAID_BROADCAST", env.get("PAID_BROADCAST", "0")),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "0.0.0.0",
        webhook_port=port,
        moderator_ids=_admin_ids(env.get("MODERATOR_IDS", ""), "MODERATOR_IDS"),
        qa_chat_id=_chat_id("QA_CHAT_ID", env.get("QA_CHAT_ID", "")),
    )
