"""kill -9 under a stream of votes, then closing: the results equal what Telegram holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.config import Config
from tests.botprocess import bot_process
from tests.chat_helpers import confirm_draft, say
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi
from tests.poll_helpers import held, instances_recorded, poll_bot, seed_poll, subscribe, until

GROUPS = [-100_600_000_001 - i for i in range(20)]
VOTERS_PER_GROUP = 200


async def test_kill_9_under_votes_then_closing_reconciles(
    fake_api: FakeBotApi, make_config: Callable[..., Config], tmp_path: Path
) -> None:
    api = fake_api
    poll = seed_poll()
    async with poll_bot(api, make_config) as bot:
        assert bot.config.database_path == tmp_path / "eventbot.sqlite3"
        await bot.deps.events.save_poll(poll, "en")
        await subscribe(bot, [(g, "en", "supergroup") for g in GROUPS])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals groups=yes")
        instance_of = await instances_recorded(bot, poll.id, len(GROUPS))
    poll_ids = [instance_of[g] for g in GROUPS]

    # A stream of votes (some changed later) for the bot running as a real process...
    total = 0
    for member in range(VOTERS_PER_GROUP):
        for n, poll_id in enumerate(poll_ids):
            api.inject_poll_answer(poll_id, 100_000 + member, [(member + n) % 4])
            total += 1
    for member in range(0, VOTERS_PER_GROUP, 5):
        api.inject_poll_answer(poll_ids[member % len(poll_ids)], 100_000 + member, [3])
        total += 1
    async with bot_process(api, tmp_path, LOG_LEVEL="WARNING") as running_bot:
        # ... killed with SIGKILL once it has taken about half of them
        await api.wait_until(
            lambda: len(api.pending_updates) <= total // 2, timeout=30, interval=0.005
        )
        running_bot.process.kill()
        await running_bot.process.wait()
    # Votes it fetched but never handled: Telegram counted them, no update will come again.
    for n, poll_id in enumerate(poll_ids[:5]):
        api.poll(poll_id).vote(900_000 + n, [2])

    async with poll_bot(api, make_config) as bot:
        # the rest of the stream reaches the restarted bot
        await api.wait_until(lambda: not api.pending_updates, timeout=20)
        before = await bot.deps.polls.results(poll)
        assert before.counts != held(api, poll_ids)[0], "some votes were lost"

        await say(api, ADMIN_ID, "/closepoll us-goals", contains="stopping it in 20 chats")
        repo = bot.deps.polls.repo

        async def all_final() -> bool:
            return all(i.final for i in await repo.instances(poll.id))

        await until(all_final, 20, "every instance stopped")
        results = await bot.deps.polls.results(poll)
        assert (results.counts, results.voters) == held(api, poll_ids)
        assert results.voters == len(GROUPS) * VOTERS_PER_GROUP + 5
        assert results.closed
