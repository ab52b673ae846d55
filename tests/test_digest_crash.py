"""``kill -9`` in the middle of a digest: the next ``eventbot run`` completes every recipient
with every part exactly once (at most the messages in flight twice), never out of order."""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

import pytest

from bot.broadcast import default_concurrency
from storage.broadcasts import BroadcastRepository
from storage.db import Database
from storage.events import EventRepository
from tests.botprocess import bot_process, terminate, until
from tests.broadcast_helpers import add_subscribers
from tests.chat_helpers import callback_data, message_id
from tests.conftest import ADMIN_ID
from tests.digest_helpers import SEED_PARTS, expected, received, seed_event
from tests.fakebot import FakeBotApi

RECIPIENTS = 150
RATE = 150.0
LANGUAGES = ("en", "ru", "ko")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _language(chat: int) -> str:
    return LANGUAGES[chat % 3]


def _messages(api: FakeBotApi) -> int:
    return sum(api.delivered[chat] for chat in range(1, RECIPIENTS + 1))


def _complete(api: FakeBotApi, wanted: dict[str, list[str]]) -> bool:
    return all(
        set(received(api, chat)) >= set(wanted[_language(chat)])
        for chat in range(1, RECIPIENTS + 1)
    )


async def test_sigkill_mid_digest_and_restart(fake_api: FakeBotApi, tmp_path: Path) -> None:
    api = fake_api
    event = seed_event()
    wanted = {language: expected(event, language) for language in LANGUAGES}
    assert all(len(texts) == SEED_PARTS for texts in wanted.values())
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    await EventRepository(db).save(event)
    await add_subscribers(db, range(1, RECIPIENTS + 1), language=_language)
    await db.close()
    api.delay = 0.02  # answers take a while: requests are in flight when the bot dies
    settings = {"BROADCAST_RATE": str(RATE), "LOG_LEVEL": "INFO"}
    total = RECIPIENTS * SEED_PARTS

    async with bot_process(api, tmp_path, **settings) as bot:
        api.inject_message(ADMIN_ID, f"/digest {event.id}", user_id=ADMIN_ID)
        confirm = await until(
            bot, api.wait_for_message(ADMIN_ID, contains="Send it?", timeout=20)
        )
        go = next(d for d in callback_data(confirm) if d.startswith("bc:go:"))
        api.inject_callback_query(ADMIN_ID, go, message_id=message_id(confirm), user_id=ADMIN_ID)
        await until(bot, api.wait_until(lambda: _messages(api) >= total // 3, timeout=30))
        bot.process.kill()  # SIGKILL: no chance to record anything
        await bot.process.wait()
    at_kill = _messages(api)
    assert at_kill < total, "the digest finished before the kill: nothing was tested"
    started = [chat for chat in range(1, RECIPIENTS + 1) if api.delivered[chat]]
    assert any(api.delivered[chat] < SEED_PARTS for chat in started)  # some mid-way

    async with bot_process(api, tmp_path, **settings) as bot:
        await until(bot, api.wait_until(lambda: _complete(api, wanted), timeout=60))
        await until(
            bot, api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=30)
        )
        await terminate(bot)

    duplicates = 0
    for chat in range(1, RECIPIENTS + 1):
        texts = received(api, chat)
        order = [wanted[_language(chat)].index(text) for text in texts]
        steps = [b - a for a, b in pairwise(order)]
        assert order[0] == 0 and set(steps) <= {0, 1}, (chat, order)  # in order, none skipped
        assert order[-1] == SEED_PARTS - 1
        duplicates += steps.count(0)
    assert duplicates <= default_concurrency(RATE), duplicates
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    try:
        repo = BroadcastRepository(db)
        done = [row for row, _ in await repo.recent() if row.state == "done"]
        assert len(done) == 1
        figures = await repo.figures(done[0].id)
        assert figures.counts == {"sent": RECIPIENTS}
        assert figures.messages == total  # a re-sent part is recorded once
    finally:
        await db.close()
