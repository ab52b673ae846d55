"""Digests that are not sent at once: ``/schedule EVENT_ID TIME digest`` (surviving a restart)
and the automatic digest an event file asks for (``digest = "2h"``), parsed and synced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import Config
from bot.content import ContentError, parse_event
from storage.clock import now_utc, to_db
from storage.db import Database
from storage.models import Localized
from tests.broadcast_helpers import add_subscribers, fast_bot
from tests.chat_helpers import callback_data, message_id, press, say
from tests.conftest import ADMIN_ID
from tests.digest_helpers import expected, received, short_event
from tests.fakebot import FakeBotApi

LANGS = ("en", "ru", "ko")


async def test_a_scheduled_digest_survives_a_restart_and_shows_the_event_as_it_is_then(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = short_event("later")
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await add_subscribers(bot.deps.db, [1, 2, 3], language=lambda c: LANGS[c % 3])
        confirm = await say(
            api, ADMIN_ID, "/schedule later +2h digest lang=ru,ko", contains="Send it?",
            user_id=ADMIN_ID,
        )
        text = confirm.params["text"]
        assert "Digest: Short &lt;round&gt; table" in text and "Sending time: " in text
        assert "Recipients: 2 subscribers" in text  # lang=ru,ko: chats 1 and 2
        assert "the first 2 of the 4 messages" in text
        go = next(d for d in callback_data(confirm) if d.startswith("bc:go:"))
        broadcast_id = int(go.rsplit(":", 1)[1])
        await press(api, ADMIN_ID, message_id(confirm), go, user_id=ADMIN_ID)
        await api.wait_for(
            lambda r: r.method == "editMessageText" and "Scheduled: #" in r.params["text"]
        )
        row = await bot.deps.broadcasts.get(broadcast_id)
        assert row is not None and row.state == "scheduled" and row.payload["digest"] is True
        assert sum(api.delivered[c] for c in (1, 2, 3)) == 0
        # the content changes before the digest goes out
        first = event.speakers[0]
        changed = replace(
            event,
            speakers=(
                replace(first, summary=Localized({"en": ("A new point.",)}, "en")),
                *event.speakers[1:],
            ),
        )
        await bot.deps.events.save(changed)
        path = bot.config.database_path
    db = await Database.open(path)  # the bot was down while its time came
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE broadcasts SET scheduled_at = ? WHERE id = ?",
            (to_db(now_utc() - timedelta(seconds=5)), broadcast_id),
        )
    await db.close()
    async with fast_bot(api, make_config) as bot:
        figures = await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=20)
        assert figures.counts == {"sent": 2} and figures.messages == 8
        for chat in (1, 2):
            assert received(api, chat) == expected(changed, LANGS[chat % 3])
        assert "A new point." in received(api, 1)[1]
        assert received(api, 3) == []  # en: filtered out
        report = await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=10)
        assert "2 of 2 recipients got every message." in report.params["text"]


async def test_the_automatic_digest_goes_out_once_after_the_end(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    ended = now_utc() - timedelta(hours=1)
    event = replace(
        short_event("auto"),
        starts_at=ended - timedelta(hours=2),
        ends_at=ended,
        digest_after=timedelta(hours=1, seconds=1),  # due a second from now
    )
    async with fast_bot(api, make_config) as bot:
        await add_subscribers(bot.deps.db, [1, 2, 3], language=lambda c: LANGS[c % 3])
        await bot.deps.events.save(event)
        stored = await bot.deps.events.get("auto")
        assert stored is not None and stored.digest_after == timedelta(hours=1, seconds=1)
        engine = bot.deps.broadcaster
        engine.wake_scheduler(events_changed=True)
        await api.wait_until(lambda: all(api.delivered[c] == 4 for c in (1, 2, 3)), timeout=15)
        for chat in (1, 2, 3):
            assert received(api, chat) == expected(event, LANGS[chat % 3])
        digests = [row for row, _ in await bot.deps.broadcasts.recent() if row.event_id == "auto"]
        assert len(digests) == 1 and digests[0].digest_after == 3601
        await engine.wait_finished(digests[0].id, timeout=10)
        assert await engine.sync_reminders() == 0  # it fired: never again
        listing = await say(
            api, ADMIN_ID, "/broadcasts", contains="Recent broadcasts", user_id=ADMIN_ID
        )
        assert "Digest: Short &lt;round&gt; table" in listing.params["text"]
        assert "12 messages delivered" in listing.params["text"]
    async with fast_bot(api, make_config) as bot:
        engine = bot.deps.broadcaster
        await api.wait_until(lambda: engine.scheduler_passes >= 1, interval=0.05)
        assert await engine.sync_reminders() == 0
    assert [api.delivered[c] for c in (1, 2, 3)] == [4, 4, 4]


async def test_automatic_digests_follow_the_content(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    ends = now_utc() + timedelta(days=1)
    event = replace(
        short_event("follow"),
        starts_at=ends - timedelta(hours=2),
        ends_at=ends,
        digest_after=timedelta(hours=2),
    )
    async with fast_bot(fake_api, make_config) as bot:
        engine = bot.deps.broadcaster
        # the scheduler's own first sync (at start) is over: the next one is a minute away
        await fake_api.wait_until(lambda: engine.scheduler_passes >= 1, interval=0.05)
        await bot.deps.events.save(event)
        assert await engine.sync_reminders() == 1
        assert await engine.sync_reminders() == 0  # idempotent

        async def digests() -> list[tuple[str, str]]:
            rows = await bot.deps.broadcasts.recent()
            return [
                (row.state, to_db(row.scheduled_at)) for row, _ in rows
                if row.digest_after is not None and row.scheduled_at is not None
            ]

        assert await digests() == [("scheduled", to_db(ends + timedelta(hours=2)))]
        await bot.deps.events.save(replace(event, digest_after=timedelta(minutes=30)))
        assert await engine.sync_reminders() == 0
        assert await digests() == [("scheduled", to_db(ends + timedelta(minutes=30)))]
        await bot.deps.events.save(replace(event, digest_after=None))
        assert await engine.sync_reminders() == 0
        assert await digests() == []


CONTENT = """\
id = "digest-me"
default_language = "en"
timezone = "Europe/Moscow"
start = 2030-05-01T15:00:00
end = 2030-05-01T17:00:00
title = "Round table"
digest = "{digest}"

[[speakers]]
id = "alice"
name = "Alice"
summary = ["One point."]
"""


@pytest.mark.parametrize(
    ("digest", "after"),
    [("2h", timedelta(hours=2)), ("30m", timedelta(minutes=30)), ("0m", timedelta(0)),
     ("30d", timedelta(days=30))],
)
def test_the_digest_field(digest: str, after: timedelta) -> None:
    event = parse_event(CONTENT.format(digest=digest), "event.toml")
    assert event.digest_after == after


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"2x"', "digest: '2x' is not a time after the end such as 2h, 30m or 1d"),
        ('"in 2h"', "digest: 'in 2h' is not a time after the end such as 2h, 30m or 1d"),
        ('"31d"', "digest: '31d' is too late: a digest goes out at most 30 days after the end"),
        ("2", "digest: expected a string"),
    ],
)
def test_a_bad_digest_field_is_refused(value: str, problem: str) -> None:
    text = CONTENT.replace('"{digest}"', value)
    with pytest.raises(ContentError) as caught:
        parse_event(text, "event.toml")
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("event.toml:7: " + problem)


def test_without_the_field_there_is_no_automatic_digest() -> None:
    text = CONTENT.replace('digest = "{digest}"\n', "")
    assert parse_event(text, "event.toml").digest_after is None
