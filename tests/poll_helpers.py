"""Helpers for the poll and rating tests: a fast-broadcasting bot, subscribers, waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.config import Config
from bot.content.parser import parse_event
from bot.runtime import running
from storage.models import PollDef
from tests.conftest import BotHarness
from tests.fakebot import FakeBotApi

SEED = Path(__file__).resolve().parent.parent / "examples" / "riac-kf-2021.toml"
LANGUAGES = ("en", "ru", "ko")


def seed_poll(**changes: Any) -> PollDef:
    """The seed article's poll ("us-goals"), on its own (no event)."""
    poll = parse_event(SEED.read_bytes(), SEED.name).polls[0]
    return replace(poll, event_id=None, **changes)


@asynccontextmanager
async def poll_bot(
    api: FakeBotApi, make_config: Callable[..., Config], **overrides: Any
) -> AsyncIterator[BotHarness]:
    """The bot, broadcasting fast (hundreds of chats in a test)."""
    config = make_config(send_rate=1000.0, **overrides)
    application = build_application(config)
    async with running(application):
        yield BotHarness(api=api, app=application, config=config)


async def subscribe(bot: BotHarness, chats: Iterable[tuple[int, str, str]]) -> None:
    """``(chat_id, language, chat_type)`` subscribers."""
    for chat_id, language, chat_type in chats:
        await bot.deps.subscribers.subscribe(
            chat_id, language=language, user_id=chat_id if chat_id > 0 else None,
            chat_type=chat_type, title=None if chat_id > 0 else f"Group {chat_id}",
        )


async def until(
    condition: Callable[[], Awaitable[bool]], timeout: float = 15.0, what: str = "condition"
) -> None:
    """Wait until an async condition holds (checked every 20 ms), or fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def votes_handled(bot: BotHarness, n: int, timeout: float = 15.0) -> None:
    async def done() -> bool:
        return bot.deps.votes.handled >= n

    await until(done, timeout, f"{n} votes handled (at {bot.deps.votes.handled})")


async def instances_recorded(
    bot: BotHarness, poll_id: str, n: int, timeout: float = 20.0
) -> dict[int, str]:
    """Wait until ``n`` instances of a poll are stored; returns chat id -> Telegram poll id."""

    async def done() -> bool:
        return await bot.deps.polls.repo.instance_count(poll_id) >= n

    await until(done, timeout, f"{n} instances of {poll_id}")
    return {i.chat_id: i.telegram_poll_id for i in await bot.deps.polls.repo.instances(poll_id)}


def held(api: FakeBotApi, telegram_poll_ids: Sequence[str]) -> tuple[tuple[int, ...], int]:
    """What Telegram (the fake server) holds: summed counts and voters over instances."""
    states = [api.poll(t) for t in telegram_poll_ids]
    width = len(states[0].options)
    counts = tuple(sum(s.counts[i] for s in states) for i in range(width))
    return counts, sum(s.total_voter_count for s in states)
