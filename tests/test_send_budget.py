"""One send budget for the whole bot, end to end against the fake's strict flood control
(sliding windows, a flood window after each violation): replies go before broadcasts, a bot
configured above the real limit settles below it, one chat cannot flood itself."""

from __future__ import annotations

from collections.abc import Callable

from bot.broadcast import Audience, start_broadcast
from bot.config import Config
from tests.broadcast_helpers import add_subscribers, copies, fast_bot
from tests.chat_helpers import calm, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request, most_in_window

HELP = "Subscribe to event announcements"
WAIT = "Too many requests at once"


def most_in_any_second(requests: list[Request]) -> int:
    return most_in_window(sorted(r.time for r in requests))


async def _broadcast(bot: BotHarness, title: str) -> int:
    return await start_broadcast(
        bot.deps,
        kind="text",
        payload={"text": f"{title}: the round table starts at 10:00", "entities": []},
        audience=Audience(),
        created_by=ADMIN_ID,
        title=title,
    )


async def test_replies_go_first_during_a_broadcast_and_nothing_is_refused(
    bot: BotHarness,
) -> None:
    """Default rate (25/s), server limit 30/s: a broadcast to 600 runs; 20 people send /help
    at the same moment. Every one is answered within 3 s, the broadcast reaches everyone once,
    and the server never answers 429."""
    api = bot.api
    api.rate_limit(30, strict=True, per_chat_per_second=1, per_group_per_minute=20)
    api.delay, api.jitter = 0.02, 0.01
    chats = await add_subscribers(bot.deps.db, range(1, 601))
    broadcast_id = await _broadcast(bot, "budget")
    await api.wait_until(lambda: api.stats.count("sendMessage", 200) >= 50, timeout=10)

    users = range(5001, 5021)
    asked_at = api.requests[-1].time
    for user in users:
        api.inject_message(user, "/help")

    def answered(user: int) -> list[Request]:
        return [r for r in api.sent_messages(user) if HELP in r.params["text"]]

    await api.wait_until(lambda: all(answered(u) for u in users), timeout=10)
    latest = max(answered(u)[0].time for u in users)
    assert latest - asked_at <= 3.0, latest - asked_at
    figures = await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=60)
    assert figures.counts == {"sent": 600}
    assert set(copies(api, chats).values()) == {1}
    assert api.stats.count(status=429) == 0
    assert most_in_any_second(api.calls("sendMessage")) <= 30


async def test_configured_above_the_real_limit_it_settles_just_below_it(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    """SEND_RATE=200 against a server that takes 100/s: the first 429 pauses everything and
    lowers the rate to just below what the server took; no further 429 after that episode."""
    api = fake_api
    async with fast_bot(api, make_config, send_rate=200.0) as bot:
        api.rate_limit(100, strict=True, escalate=True)
        api.delay, api.jitter = 0.02, 0.005
        chats = await add_subscribers(bot.deps.db, range(1, 901))
        broadcast_id = await _broadcast(bot, "above")
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=60)
        assert figures.counts == {"sent": 900}
        assert set(copies(api, chats).values()) == {1}
        refused = [r for r in api.calls("sendMessage") if r.status == 429]
        assert 0 < len(refused) < 900 * 0.03
        assert max(r.time for r in refused) - min(r.time for r in refused) < 1.5
        pacer = bot.deps.broadcaster.pacer
        assert pacer.cuts == 1
        assert 90.0 <= pacer.rate < 100.0


async def test_at_the_limit_a_strict_server_refuses_nothing(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config, send_rate=100.0) as bot:
        api.rate_limit(100, strict=True, per_chat_per_second=1)
        # 5 ms of network jitter: the rest of the pacer's 30 ms margin is for the event loop
        # of this one process, which runs the bot and the fake server together
        api.delay, api.jitter = 0.02, 0.005
        chats = await add_subscribers(bot.deps.db, range(1, 401))
        broadcast_id = await _broadcast(bot, "limit")
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=30)
        assert figures.counts == {"sent": 400}
        assert set(copies(api, chats).values()) == {1}
        assert api.stats.count(status=429) == 0
        sends = api.calls("sendMessage")
        assert most_in_any_second(sends) <= 100
        elapsed = max(r.time for r in sends) - min(r.time for r in sends)
        assert 400 / elapsed >= 90  # close to the limit, not far below it


async def test_one_chat_cannot_make_the_bot_flood_it(bot: BotHarness) -> None:
    api = bot.api
    api.rate_limit(30, strict=True, per_chat_per_second=3)
    flooder, other = 4001, 4002
    for _ in range(40):
        api.inject_message(flooder, "/help")
    reply = await say(api, other, "/help", contains=HELP)  # someone else: answered at once
    assert reply.ok
    flood = bot.deps.flood
    await api.wait_until(lambda: flood.refused == 37, timeout=10, interval=0.05)
    await api.wait_until(lambda: len(api.sent_texts(flooder)) >= 4, timeout=10)
    # what the flooder got: a short burst of replies and one notice, nothing more
    texts = api.sent_texts(flooder)
    assert sum(HELP in t for t in texts) == 3
    assert sum(WAIT in t for t in texts) == 1
    assert len(texts) == 4
    # a second later, another burst: three more are answered, the rest dropped, and no
    # second notice within the minute
    await calm(flood, flooder)
    for _ in range(5):
        api.inject_message(flooder, "/help")
    await api.wait_until(lambda: flood.refused == 39, timeout=10, interval=0.05)
    await api.wait_until(lambda: len(api.sent_texts(flooder)) >= 7, timeout=10)
    await say(api, other, "/events")
    texts = api.sent_texts(flooder)
    assert (sum(HELP in t for t in texts), sum(WAIT in t for t in texts)) == (6, 1)
    assert api.stats.count(status=429) == 0


async def test_admins_are_not_throttled_but_keep_the_chats_pace(bot: BotHarness) -> None:
    api = bot.api
    api.rate_limit(30, strict=True, per_chat_per_second=3)
    for _ in range(6):
        api.inject_message(ADMIN_ID, "/help")
    await api.wait_until(lambda: len(api.sent_texts(ADMIN_ID)) == 6, timeout=10)
    replies = sorted(r.time for r in api.sent_messages(ADMIN_ID))
    assert replies[3] - replies[0] >= 0.9  # three at once, then one a second
    assert not any(WAIT in t for t in api.sent_texts(ADMIN_ID))
    assert api.stats.count(status=429) == 0
