"""Helpers for the audience-question tests: a bot with moderators, asking, the cards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from bot.app import build_application
from bot.config import Config
from bot.runtime import running
from storage.questions import Question
from tests.chat_helpers import calm, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.sample_events import round_table

MODERATOR = 8001
"""A MODERATOR_IDS moderator (the admin, ADMIN_ID, moderates too)."""
QA_CHAT = -1009990001
EVENT = "riac-kf-2021"


@asynccontextmanager
async def question_bot(
    api: FakeBotApi, make_config: Callable[..., Config], **overrides: Any
) -> AsyncIterator[BotHarness]:
    """The bot with the seed-like event stored, ``MODERATOR`` as a moderator, and ``ADMIN_ID``
    (an admin, so a moderator too) started in English."""
    settings: dict[str, Any] = {"moderator_ids": frozenset({MODERATOR})}
    settings.update(overrides)
    config = make_config(**settings)
    application = build_application(config)
    async with running(application):
        harness = BotHarness(api=api, app=application, config=config)
        await harness.deps.events.save(round_table(EVENT))
        yield harness


async def ask(
    bot: BotHarness, user: int, text: str, *, event: str = EVENT, **kwargs: Any
) -> Request:
    """``/ask EVENT TEXT`` as ``user``; returns the bot's reply (after a human pause)."""
    await calm(bot.deps.flood, user)
    return await say(bot.api, user, f"/ask {event} {text}", **kwargs)


async def stored(bot: BotHarness, event: str = EVENT) -> list[Question]:
    return await bot.deps.questions.for_event(event)


__all__ = ["ADMIN_ID", "EVENT", "MODERATOR", "QA_CHAT", "ask", "question_bot", "stored"]
