"""Helpers for the broadcast tests: a bot with fast broadcast settings, subscribers in bulk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from bot.app import build_application
from bot.config import Config
from bot.deps import app_deps
from bot.runtime import running
from storage.clock import now_utc, to_db
from storage.db import Database
from tests.conftest import BotHarness
from tests.fakebot import FakeBotApi

FAST_RATE = 500.0


@asynccontextmanager
async def fast_bot(
    api: FakeBotApi, make_config: Callable[..., Config], **overrides: Any
) -> AsyncIterator[BotHarness]:
    """The real application at ``BROADCAST_RATE=500`` with quick retries and progress."""
    config = make_config(**{"send_rate": FAST_RATE, **overrides})
    application = build_application(config)
    async with running(application):
        engine = app_deps(application).broadcaster
        engine.retry_base = 0.05
        engine.progress_interval = 0.2
        yield BotHarness(api=api, app=application, config=config)


async def add_subscribers(
    db: Database,
    chat_ids: Iterable[int],
    *,
    language: str | Callable[[int], str] = "en",
    topics: Iterable[str] = (),
    chat_type: str | None = None,
) -> list[int]:
    """Active subscribers, inserted in one transaction (hundreds at once)."""
    chats = list(chat_ids)
    stamp = to_db(now_utc())

    def lang(chat: int) -> str:
        return language(chat) if callable(language) else language

    def kind(chat: int) -> str:
        if chat_type is not None:
            return chat_type
        return "private" if chat > 0 else "supergroup"

    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscribers (chat_id, user_id, chat_type, language, active, joined_at)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            [(c, c if c > 0 else None, kind(c), lang(c), stamp) for c in chats],
        )
        await conn.executemany(
            "INSERT INTO subscriber_topics (chat_id, topic) VALUES (?, ?)",
            [(c, topic) for c in chats for topic in topics],
        )
    return chats


def copies(api: FakeBotApi, chats: Iterable[int]) -> dict[int, int]:
    """Successful sends per chat (0 for chats that got nothing)."""
    return {chat: api.delivered[chat] for chat in chats}


def sends_to(api: FakeBotApi, chat_id: int, method: str = "sendMessage") -> list[Any]:
    return [r for r in api.calls(method, chat_id) if r.ok]
