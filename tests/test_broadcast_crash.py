"""``kill -9`` in the middle of a broadcast: the next ``eventbot run`` resumes it by itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.broadcast import default_concurrency
from storage.broadcasts import BroadcastRepository
from storage.db import Database
from tests.botprocess import bot_process, terminate, until
from tests.broadcast_helpers import add_subscribers
from tests.chat_helpers import callback_data, message_id
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi

RECIPIENTS = 300
RATE = 150.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _reached(api: FakeBotApi) -> int:
    return sum(1 for chat in range(1, RECIPIENTS + 1) if api.delivered[chat])


async def test_sigkill_mid_broadcast_and_restart(fake_api: FakeBotApi, tmp_path: Path) -> None:
    api = fake_api
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    await add_subscribers(db, range(1, RECIPIENTS + 1))
    await db.close()
    api.delay = 0.02  # answers take a while: requests are in flight when the bot dies
    settings = {"BROADCAST_RATE": str(RATE), "LOG_LEVEL": "INFO"}

    async with bot_process(api, tmp_path, **settings) as bot:
        api.inject_message(ADMIN_ID, "/broadcast Crash-safe news", user_id=ADMIN_ID)
        confirm = await until(
            bot, api.wait_for_message(ADMIN_ID, contains="Send it?", timeout=20)
        )
        go = next(d for d in callback_data(confirm) if d.startswith("bc:go:"))
        api.inject_callback_query(ADMIN_ID, go, message_id=message_id(confirm), user_id=ADMIN_ID)
        await until(bot, api.wait_until(lambda: _reached(api) >= RECIPIENTS // 3, timeout=20))
        bot.process.kill()  # SIGKILL: no chance to record anything
        await bot.process.wait()
    at_kill = _reached(api)
    assert at_kill < RECIPIENTS, "the broadcast finished before the kill: nothing was tested"

    async with bot_process(api, tmp_path, **settings) as bot:
        await until(bot, api.wait_until(lambda: _reached(api) == RECIPIENTS, timeout=30))
        await until(
            bot, api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=15)
        )
        await terminate(bot)

    copies = [api.delivered[chat] for chat in range(1, RECIPIENTS + 1)]
    duplicates = sum(n - 1 for n in copies)
    assert min(copies) == 1  # nobody missed
    assert max(copies) <= 2
    assert duplicates <= default_concurrency(RATE), duplicates
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    try:
        repo = BroadcastRepository(db)
        rows = await repo.recent()
        done = [row for row, figures in rows if row.state == "done"]
        assert len(done) == 1
        assert (await repo.figures(done[0].id)).counts == {"sent": RECIPIENTS}
    finally:
        await db.close()
