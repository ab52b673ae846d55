"""``kill -9`` while a broadcast's recipients are being queued (or while a cancel marks its
rows): nothing is sent meanwhile, and the next start finishes the job (issue 8 §2)."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Config
from storage.broadcasts import Audience, BroadcastRepository, Target
from storage.db import Database
from tests.broadcast_helpers import add_subscribers, fast_bot
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 300
CHUNK = 40

# Queues a draft with chunks of CHUNK and SIGKILLs itself inside the transaction of the third
# chunk, after its INSERT and before its COMMIT (transaction 1 is the switch to queuing).
DYING_QUEUER = """
import asyncio, os, signal, sys
from contextlib import asynccontextmanager

import storage.broadcasts as broadcasts
from storage.db import Database

broadcasts.QUEUE_CHUNK = int(sys.argv[3])


async def main(path, broadcast_id):
    db = await Database.open(path)
    real = db.transaction
    begun = 0

    @asynccontextmanager
    async def transaction():
        nonlocal begun
        async with real() as conn:
            yield conn
            begun += 1
            if begun == 4:
                os.kill(os.getpid(), signal.SIGKILL)

    db.transaction = transaction
    await broadcasts.BroadcastRepository(db).start(broadcast_id, from_states=("draft",))


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


async def test_sigkill_while_queuing_then_restart(
    fake_api: FakeBotApi, make_config: Callable[..., Config], tmp_path: Path
) -> None:
    path = tmp_path / "eventbot.sqlite3"  # make_config's database
    db = await Database.open(path)
    await add_subscribers(db, range(1, RECIPIENTS + 1))
    repo = BroadcastRepository(db)
    broadcast_id = await repo.create(
        kind="text",
        payload={"text": "Queued news"},
        title="queued",
        audience=Audience(),
        state="draft",
        created_by=ADMIN_ID,
    )
    await db.close()

    queuer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DYING_QUEUER, str(path), str(broadcast_id), str(CHUNK), cwd=ROOT
    )
    async with asyncio.timeout(60):
        assert await queuer.wait() == -signal.SIGKILL

    db = await Database.open(path)
    try:
        repo = BroadcastRepository(db)
        row = await repo.get(broadcast_id)
        assert row is not None and (row.state, row.total) == ("queuing", 0)
        # two chunks committed; the third died with its transaction
        assert (await repo.figures(broadcast_id)).counts == {"pending": 2 * CHUNK}
        assert await repo.record_and_claim(broadcast_id, [], 10) == []
    finally:
        await db.close()

    async with fast_bot(fake_api, make_config) as bot:
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=30)
        row = await bot.deps.broadcasts.get(broadcast_id)
        assert row is not None and (row.state, row.total) == ("done", RECIPIENTS)
    assert figures.counts == {"sent": RECIPIENTS}
    assert [fake_api.delivered[chat] for chat in range(1, RECIPIENTS + 1)] == [1] * RECIPIENTS


async def test_a_cancel_cut_short_is_finished_at_start(
    fake_api: FakeBotApi, make_config: Callable[..., Config], tmp_path: Path
) -> None:
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    repo = BroadcastRepository(db)
    broadcast_id, _ = await repo.create_for_targets(
        kind="text",
        payload={"text": "x"},
        title="cut short",
        targets=[Target(chat, "en") for chat in range(1, 51)],
        created_by=ADMIN_ID,
    )
    assert await repo.cancel(broadcast_id) == "running"  # and then the process died
    await db.close()

    async with fast_bot(fake_api, make_config) as bot:
        figures = bot.deps.broadcasts.figures

        async def tidied() -> bool:
            return (await figures(broadcast_id)).counts == {"cancelled": 50}

        async with asyncio.timeout(10):
            while not await tidied():
                await asyncio.sleep(0.02)
    assert sum(fake_api.delivered.values()) == 0
