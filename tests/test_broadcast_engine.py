"""The broadcast engine end to end, through the fake Bot API: faults, audiences, cancel,
explicit targets, scheduling across restarts, reminders, interactive replies meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import Bot

from bot.broadcast import (
    Audience,
    Delivered,
    Recipient,
    Target,
    register_kind,
    start_broadcast,
    start_broadcast_to,
)
from bot.config import Config
from storage.clock import now_utc, to_db
from storage.db import Database
from tests.broadcast_helpers import add_subscribers, copies, fast_bot, sends_to
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi
from tests.sample_events import round_table

LANGS = ("en", "ru", "ko")


def rendered_payload() -> dict[str, Any]:
    return {
        "versions": {
            "en": {"text": "<b>Hello</b> &amp; welcome", "buttons": []},
            "ru": {"text": "<b>Привет</b>", "buttons": [[{"text": "ok", "callback_data": "x"}]]},
        },
        "default": "en",
    }


async def test_every_active_subscriber_gets_exactly_one_copy_under_faults(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        db = bot.deps.db
        chats = await add_subscribers(db, range(1, 301), language=lambda c: LANGS[c % 3])
        blocked = chats[::15]
        for chat in blocked:
            api.block(chat)
        await add_subscribers(db, [-500], chat_type="group")
        api.migrate(-500, -100500)
        await add_subscribers(db, [777])
        api.fail_next(
            "sendMessage", chat_id=777, status=400, description="Bad Request: chat not found"
        )
        api.rate_limit(250, burst=60, retry_after=1)  # the bot sends at 500/s: 429s come
        api.random_errors(0.05, statuses=(500, 502), seed=7)
        api.delay, api.jitter = 0.005, 0.03

        broadcast_id = await start_broadcast(
            bot.deps,
            kind="text",
            payload={"text": "Hello <all>", "entities": []},
            audience=Audience(),
            created_by=ADMIN_ID,
            title="faults",
        )
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=40)

        active = set(chats) - set(blocked)
        got = copies(api, [*chats, 777, -500, -100500])
        assert {c for c, n in got.items() if n != 1} == {*blocked, 777, -500}, got
        assert all(got[c] == 0 for c in (*blocked, 777, -500))
        assert got[-100500] == 1  # the upgraded group got it at its new id
        assert figures.counts == {"sent": len(active) + 1, "blocked": len(blocked), "failed": 1}
        for chat in blocked:
            subscriber = await bot.deps.subscribers.get(chat)
            assert subscriber is not None and not subscriber.active
        migrated = await bot.deps.subscribers.get(-100500)
        assert migrated is not None and migrated.chat_type == "supergroup"
        assert await bot.deps.subscribers.get(-500) is None
        # the faults really happened, and no 403 was ever retried
        assert api.stats.count("sendMessage", 429) > 0
        assert api.stats.count("sendMessage", 500) + api.stats.count("sendMessage", 502) > 0
        assert bot.deps.broadcaster.pacer.pauses >= 1
        for chat in blocked:
            assert [r.status for r in api.calls("sendMessage", chat)].count(403) == 1
        assert sends_to(api, 2)[0].params["text"] == "Hello <all>"  # text sent as is, no HTML


async def test_audience_filters_and_languages(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        db = bot.deps.db
        await add_subscribers(db, [1, 2, 3], language="ru", topics=["researchers"])
        await add_subscribers(db, [4, 5], language="ko", topics=["researchers", "business"])
        await add_subscribers(db, [6], language="ko", topics=["students"])
        await add_subscribers(db, [7], language="en")
        await add_subscribers(db, [-100, -200], language="ru", topics=["researchers"])
        await add_subscribers(db, [8], language="ru", topics=["researchers"])
        await bot.deps.subscribers.deactivate(8)
        engine = bot.deps.broadcaster

        async def send(audience: Audience) -> set[int]:
            api.clear()
            broadcast_id = await start_broadcast(
                engine,
                kind="rendered",
                payload=rendered_payload(),
                audience=audience,
                created_by=ADMIN_ID,
                title="filters",
            )
            await engine.wait_finished(broadcast_id)
            return {chat for chat, n in api.delivered.items() if n and isinstance(chat, int)}

        assert await send(Audience()) == {1, 2, 3, 4, 5, 6, 7, -100, -200}
        assert await send(Audience(languages=frozenset({"ko"}))) == {4, 5, 6}
        assert await send(Audience(topics=frozenset({"researchers"}))) == {
            1,
            2,
            3,
            4,
            5,
            -100,
            -200,
        }
        narrow = Audience(
            languages=frozenset({"ru", "ko"}),
            topics=frozenset({"researchers"}),
            include_groups=False,
        )
        assert await send(narrow) == {1, 2, 3, 4, 5}
        assert await send(Audience(chat_ids=(2, 6, 8, 999))) == {2, 6}
        # each in their language; Korean falls back to the default (English) version
        texts = {chat: sends_to(api, chat)[0].params for chat in (2, 6)}
        assert texts[2]["text"] == "<b>Привет</b>" and texts[2]["reply_markup"]
        assert texts[6]["text"] == "<b>Hello</b> &amp; welcome"
        assert texts[6]["parse_mode"] == "HTML"


async def test_cancel_stops_the_rest(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config, send_rate=60.0) as bot:
        chats = await add_subscribers(bot.deps.db, range(1, 201))
        engine = bot.deps.broadcaster
        broadcast_id = await start_broadcast(
            engine,
            kind="text",
            payload={"text": "x"},
            audience=Audience(),
            created_by=ADMIN_ID,
            title="to cancel",
        )
        await api.wait_until(lambda: sum(api.delivered.values()) >= 20, timeout=10)
        assert await engine.cancel(broadcast_id) == "running"
        figures = await engine.wait_finished(broadcast_id)
        sent_then = sum(api.delivered.values())
        assert figures.get("sent") == sent_then < len(chats)
        assert figures.get("sent") + figures.get("cancelled") == len(chats)
        assert set(figures.counts) <= {"sent", "cancelled"}
        row = await bot.deps.broadcasts.get(broadcast_id)
        assert row is not None and row.state == "cancelled"
        assert await engine.cancel(broadcast_id) is None  # over: nothing to cancel
        # nothing more goes out afterwards (the engine is idle: wait for its scheduler)
        passes = engine.scheduler_passes
        engine.wake_scheduler()
        await api.wait_until(lambda: engine.scheduler_passes > passes, interval=0.05)
        assert sum(api.delivered.values()) == sent_then


async def test_explicit_targets_with_data_and_on_delivered(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    seen: list[tuple[int, int | None, str]] = []

    async def deliver(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
        assert recipient.data is not None
        message = await bot.send_message(
            recipient.chat_id, f"{payload['prefix']} {recipient.data['n']} {recipient.language}"
        )
        return Delivered(message.message_id, message)

    async def on_delivered(recipient: Recipient, delivered: Delivered) -> None:
        assert delivered.message is not None
        seen.append((recipient.chat_id, delivered.message_id, delivered.message.text or ""))

    register_kind("test_targets", deliver, on_delivered)
    async with fast_bot(api, make_config) as bot:
        api.fail_next("sendMessage", chat_id=12, status=502)  # retried, hook runs once
        broadcast_id = await start_broadcast_to(
            bot.deps,
            kind="test_targets",
            payload={"prefix": "poll"},
            targets=[
                Target(11, "ru", data={"n": 1}),
                Target(12, "ko", data={"n": 2}),
                Target(11, "en", data={"n": 3}),  # the same chat again: sent once
                Target(-100300, "en", "supergroup", data={"n": 4}),
            ],
            created_by=None,
            title="targets",
        )
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id)
        assert figures.counts == {"sent": 3}
        assert dict(copies(api, [11, 12, -100300])) == {11: 1, 12: 1, -100300: 1}
        assert sorted(text for _, _, text in seen) == ["poll 1 ru", "poll 2 ko", "poll 4 en"]
        for chat, message_id, _ in seen:
            assert message_id == sends_to(api, chat)[0].result["message_id"]


async def test_scheduled_broadcast_fires_after_a_restart_and_only_once(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await add_subscribers(bot.deps.db, range(1, 31))
        broadcast_id = await start_broadcast(
            bot.deps,
            kind="text",
            payload={"text": "later"},
            audience=Audience(),
            created_by=ADMIN_ID,
            title="scheduled",
            scheduled_at=now_utc() + timedelta(hours=1),
        )
        row = await bot.deps.broadcasts.get(broadcast_id)
        assert row is not None and row.state == "scheduled"
        path = bot.config.database_path
    assert sum(api.delivered.values()) == 0
    # the bot was down while its time came
    db = await Database.open(path)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE broadcasts SET scheduled_at = ? WHERE id = ?",
            (to_db(now_utc() - timedelta(seconds=5)), broadcast_id),
        )
    await db.close()
    async with fast_bot(api, make_config) as bot:
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id)
        assert figures.counts == {"sent": 30}
    assert set(api.delivered.values()) == {1}
    async with fast_bot(api, make_config) as bot:
        engine = bot.deps.broadcaster
        await api.wait_until(lambda: engine.scheduler_passes >= 1, interval=0.05)
        assert await bot.deps.broadcasts.start(broadcast_id, from_states=("scheduled",)) is None
    assert set(api.delivered.values()) == {1} and len(api.delivered) == 30


async def test_event_reminders_are_created_once_and_fire_once(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    starts = now_utc() + timedelta(hours=2)
    event = replace(
        round_table("reminded", starts),
        reminders=(timedelta(hours=2) - timedelta(seconds=1), timedelta(hours=3)),
    )
    async with fast_bot(api, make_config) as bot:
        await add_subscribers(bot.deps.db, [1, 2, 3], language=lambda c: LANGS[c % 3])
        await bot.deps.events.save(event)
        engine = bot.deps.broadcaster
        engine.wake_scheduler(events_changed=True)
        await api.wait_until(lambda: len(api.delivered) == 3, timeout=10)
        assert "⏰ Reminder: the event starts in 2 hours." in sends_to(api, 3)[0].params["text"]
        assert "через 2 часа" in sends_to(api, 1)[0].params["text"]
        assert "2시간 후" in sends_to(api, 2)[0].params["text"]
        assert await engine.sync_reminders() == 0  # idempotent: nothing new
        rows = await bot.deps.broadcasts.recent()
        reminders = [row for row, _ in rows if row.event_id == "reminded"]
        assert len(reminders) == 1 and reminders[0].reminder_offset == 7199
        await engine.wait_finished(reminders[0].id)
    async with fast_bot(api, make_config) as bot:
        engine = bot.deps.broadcaster
        await api.wait_until(lambda: engine.scheduler_passes >= 1, interval=0.05)
        assert await engine.sync_reminders() == 0
    assert set(api.delivered.values()) == {1}


async def test_interactive_replies_while_a_broadcast_runs(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config, send_rate=50.0) as bot:
        await add_subscribers(bot.deps.db, range(1, 301))
        engine = bot.deps.broadcaster
        broadcast_id = await start_broadcast(
            engine,
            kind="text",
            payload={"text": "news"},
            audience=Audience(),
            created_by=ADMIN_ID,
            title="long",
        )
        await api.wait_until(lambda: sum(api.delivered.values()) >= 10, timeout=10)
        api.inject_message(5000, "/help", user_id=5000)
        await api.wait_for_message(5000, timeout=2)
        assert engine.runner(broadcast_id) is not None  # still sending
        assert sum(api.delivered.values()) < 300
        await engine.cancel(broadcast_id)
        await engine.wait_finished(broadcast_id)
