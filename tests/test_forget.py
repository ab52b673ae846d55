"""/forget deletes the user's votes and ratings too, and nothing of anyone else's."""

from __future__ import annotations

from storage.polls import PollInstance, PollRepository, VoteRecord
from tests.chat_helpers import message_id, press, say
from tests.conftest import BotHarness
from tests.poll_helpers import seed_poll
from tests.sample_events import round_table

USER = 1001
OTHER = 1002


async def _count(bot: BotHarness, sql: str, *params: object) -> int:
    async with bot.deps.db.conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_forget_deletes_votes_and_ratings(bot: BotHarness) -> None:
    event = round_table()
    await bot.deps.events.save(event)
    poll = seed_poll()
    await bot.deps.events.save_poll(poll, "en")
    polls = PollRepository(bot.deps.db)
    for chat_id, telegram_poll_id in ((USER, "tp-user"), (OTHER, "tp-other")):
        await polls.record_instance(
            PollInstance(telegram_poll_id, poll.id, chat_id, 1, "en")
        )
    await polls.apply(
        [VoteRecord("tp-user", USER, 0b1, 1), VoteRecord("tp-other", OTHER, 0b10, 2)], []
    )
    await bot.deps.ratings.rate(event.id, USER, 5)
    await bot.deps.ratings.rate(event.id, OTHER, 3)

    await say(bot.api, USER, "/start", language_code="en")
    question = await say(bot.api, USER, "/forget")
    await press(bot.api, USER, message_id(question), "fgt:yes")
    await bot.api.wait_until(lambda: bool(bot.api.calls("editMessageText", USER)))

    assert await bot.deps.subscribers.get(USER) is None
    assert await _count(bot, "SELECT COUNT(*) FROM poll_votes WHERE voter_id = ?", USER) == 0
    assert await _count(bot, "SELECT COUNT(*) FROM event_ratings WHERE user_id = ?", USER) == 0
    assert await _count(bot, "SELECT COUNT(*) FROM poll_votes WHERE voter_id = ?", OTHER) == 1
    summary = await bot.deps.ratings.summary(event.id)
    assert (summary.votes, summary.average) == (1, 3.0)
