"""Storage for a million subscribers: trigger-kept counts and topic masks, the reading
connections, bulk seeding, chunked queueing and cancelling (issue 8 §2)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import aiosqlite
import pytest

import storage.broadcasts
import storage.subscribers
from storage.broadcasts import Audience, BroadcastRepository, Outcome, Target
from storage.db import Database, migrations
from storage.privacy import forget_chat
from storage.subscribers import NewSubscriber, SubscriberRepository

ALL = ("business", "researchers", "students")


async def _open(tmp_path: Path) -> Database:
    return await Database.open(tmp_path / "eventbot.sqlite3")


async def _rows(db: Database, sql: str) -> list[aiosqlite.Row]:
    async with db.read(sql) as cursor:
        return list(await cursor.fetchall())


async def _bits(db: Database) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in await _rows(db, "SELECT topic, bit FROM topic_bits")}


Truth = tuple[str, str, bool, frozenset[str]]


async def _truth(db: Database) -> dict[int, Truth]:
    """chat -> (language, chat type, active, topics), from the tables themselves."""
    topics: dict[int, set[str]] = {}
    for row in await _rows(db, "SELECT chat_id, topic FROM subscriber_topics"):
        topics.setdefault(int(row[0]), set()).add(str(row[1]))
    rows = await _rows(db, "SELECT chat_id, language, chat_type, active FROM subscribers")
    return {
        int(r[0]): (str(r[1]), str(r[2]), bool(r[3]), frozenset(topics.get(int(r[0]), ())))
        for r in rows
    }


def _selected(audience: Audience, subscriber: Truth) -> bool:
    language, kind, active, topics = subscriber
    return (
        active
        and (not audience.languages or language in audience.languages)
        and (not audience.topics or bool(topics & audience.topics))
        and (audience.include_groups or kind == "private")
    )


AUDIENCES = [
    Audience(),
    Audience(languages=frozenset({"ru", "ko"})),
    Audience(topics=frozenset({"researchers"})),
    Audience(topics=frozenset({"business", "a-new-topic"}), include_groups=False),
    Audience(languages=frozenset({"en"}), topics=frozenset({"never-stored"})),
    Audience(chat_ids=(3, 4, -100999, 77)),
]


async def _check_counts(db: Database) -> None:
    """Every count the bot shows equals what the tables say."""
    truth = await _truth(db)
    subscribers = SubscriberRepository(db)
    by_language: dict[tuple[str, bool], int] = {}
    by_topic: dict[tuple[str, bool], int] = {}
    for language, _, active, topics in truth.values():
        by_language[(language, active)] = by_language.get((language, active), 0) + 1
        for topic in topics:
            by_topic[(topic, active)] = by_topic.get((topic, active), 0) + 1
    assert await subscribers.counts() == sorted(
        ((lang, active, n) for (lang, active), n in by_language.items()),
        key=lambda r: (r[0], not r[1]),
    )
    assert await subscribers.topic_counts() == sorted(
        ((topic, active, n) for (topic, active), n in by_topic.items()),
        key=lambda r: (r[0], not r[1]),
    )
    broadcasts = BroadcastRepository(db)
    for audience in AUDIENCES:
        expected: dict[str, int] = {}
        for chat, subscriber in truth.items():
            if audience.chat_ids is not None and chat not in audience.chat_ids:
                continue
            if _selected(audience, subscriber):
                expected[subscriber[0]] = expected.get(subscriber[0], 0) + 1
        assert await broadcasts.audience_counts(audience) == expected, audience
    # and the masks themselves
    bits = await _bits(db)
    for chat, mask in await _rows(db, "SELECT chat_id, topic_mask FROM subscribers"):
        assert mask == sum(1 << bits[t] for t in truth[int(chat)][3]), chat


@pytest.mark.parametrize("bits_left", [True, False])
async def test_counts_and_masks_follow_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bits_left: bool
) -> None:
    if not bits_left:  # as if every bit were taken: counts come from the rows themselves
        monkeypatch.setattr(storage.subscribers, "TOPIC_BITS", 3)
        monkeypatch.setattr(storage.broadcasts, "TOPIC_BITS", 3)
    db = await _open(tmp_path)
    try:
        subscribers = SubscriberRepository(db)
        added = await subscribers.add_many(
            [
                NewSubscriber(1, "en", user_id=1, topics=("business",)),
                NewSubscriber(2, "ru", user_id=2, topics=("business", "students")),
                NewSubscriber(-100123, "ko", "supergroup", title="A group"),
                NewSubscriber(4, "en", user_id=4, topics=ALL),
            ],
            batch=3,
        )
        assert added == 4
        await _check_counts(db)
        await subscribers.subscribe(3, language="ko")
        await subscribers.set_topics(3, ["researchers", "students"])
        await subscribers.set_topics(2, ["researchers"])
        await subscribers.set_language(1, "ru")
        await subscribers.deactivate(2)
        await _check_counts(db)
        await subscribers.migrate_chat(-100123, -100999)
        await subscribers.set_topics(-100999, ["business"])
        await subscribers.set_topics(3, ["a-new-topic", "students"])  # gets the next bit
        await _check_counts(db)
        await forget_chat(db, 1, 1)
        await subscribers.subscribe(2, language="en")  # back: active again, keeps topics
        await subscribers.set_topics(4, [])
        await _check_counts(db)
        assert (await _bits(db))["a-new-topic"] == 3
    finally:
        await db.close()


async def test_add_many_keeps_chats_already_stored(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        subscribers = SubscriberRepository(db)
        await subscribers.subscribe(5, language="ko")
        await subscribers.set_topics(5, ["students"])
        added = await subscribers.add_many(
            NewSubscriber(chat, "en", topics=("business",)) for chat in range(1, 8)
        )
        assert added == 6
        kept = await subscribers.get(5)
        assert kept is not None and (kept.language, kept.topics) == ("ko", frozenset({"students"}))
        assert await subscribers.add_many([NewSubscriber(5, "ru")]) == 0
        await _check_counts(db)
    finally:
        await db.close()


async def test_migration_fills_masks_and_counts_from_existing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
    )
    for version, name, sql in migrations()[:4]:
        raw.executescript(sql)
        raw.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (version, name))
    stamp = "2024-01-01T00:00:00.000000+00:00"
    raw.executemany(
        "INSERT INTO subscribers (chat_id, chat_type, language, active, joined_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (1, "private", "en", 1, stamp),
            (2, "private", "ru", 0, stamp),
            (-5, "group", "ko", 1, stamp),
        ],
    )
    raw.executemany(
        "INSERT INTO subscriber_topics (chat_id, topic) VALUES (?, ?)",
        [(1, "students"), (1, "zz-legacy"), (2, "business"), (-5, "students")],
    )
    raw.commit()
    raw.close()
    db = await Database.open(path)
    try:
        assert await _bits(db) == {"business": 0, "researchers": 1, "students": 2, "zz-legacy": 3}
        await _check_counts(db)
    finally:
        await db.close()


# reading connections -------------------------------------------------------------------------


async def test_reads_see_committed_state_while_a_write_is_open(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        subscribers = SubscriberRepository(db)
        await subscribers.subscribe(1, language="en")
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO subscribers (chat_id, language, joined_at) VALUES (2, 'en', 'x')"
            )
            async with asyncio.timeout(5):  # not queued behind the open transaction
                assert await subscribers.counts() == [("en", True, 1)]
        assert await subscribers.counts() == [("en", True, 2)]
    finally:
        await db.close()


async def test_a_slow_read_holds_up_no_other(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        await SubscriberRepository(db).subscribe(1, language="en")

        async def slow() -> int:
            async with db.read(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
                " WHERE x < 5000000) SELECT COUNT(*) FROM c"
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            return int(row[0])

        long_read = asyncio.create_task(slow())
        await asyncio.sleep(0.05)  # it has started
        assert await SubscriberRepository(db).language(1) == "en"
        assert not long_read.done()
        assert await long_read == 5_000_000
    finally:
        await db.close()


# queueing and cancelling ---------------------------------------------------------------------


def _pause_after(
    db: Database, commits: int, paused: asyncio.Event, resume: asyncio.Event
) -> Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]]:
    """``db.transaction`` that, after its ``commits``-th commit, waits for ``resume``."""
    real = db.transaction
    done = 0

    @asynccontextmanager
    async def transaction() -> AsyncIterator[aiosqlite.Connection]:
        nonlocal done
        async with real() as conn:
            yield conn
        done += 1
        if done == commits:
            paused.set()
            await resume.wait()

    return transaction


async def _subscribers(db: Database, count: int) -> None:
    await SubscriberRepository(db).add_many(
        NewSubscriber(chat, ("en", "ru", "ko")[chat % 3]) for chat in range(1, count + 1)
    )


async def _draft(repo: BroadcastRepository, audience: Audience | None = None) -> int:
    return await repo.create(
        kind="text",
        payload={"text": "x"},
        title="t",
        audience=audience or Audience(),
        state="draft",
        created_by=None,
    )


async def test_queueing_in_chunks_is_invisible_until_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.broadcasts, "QUEUE_CHUNK", 10)
    db = await _open(tmp_path)
    try:
        await _subscribers(db, 95)
        repo = BroadcastRepository(db)
        broadcast_id = await _draft(repo, Audience(languages=frozenset({"en", "ru"})))
        paused, resume = asyncio.Event(), asyncio.Event()
        # commits: 1 = the switch to queuing, then one per chunk
        monkeypatch.setattr(db, "transaction", _pause_after(db, 4, paused, resume))
        starting = asyncio.create_task(repo.start(broadcast_id, from_states=("draft",)))
        async with asyncio.timeout(5):
            await paused.wait()
        row = await repo.get(broadcast_id)
        assert row is not None and (row.state, row.total) == ("queuing", 0)
        assert (await repo.figures(broadcast_id)).counts == {"pending": 30}
        assert await repo.record_and_claim(broadcast_id, [], 50) == []  # nothing goes out
        assert await repo.start(broadcast_id, from_states=("draft",)) is None  # fires once
        resume.set()
        assert await starting == 63  # 95 chats, two languages in three
        row = await repo.get(broadcast_id)
        assert row is not None and (row.state, row.total) == ("running", 63)
        chats = [chat for chat, _, _ in await repo.outbox(broadcast_id)]
        assert chats == [c for c in range(1, 96) if c % 3 != 2]  # each once, in order
        assert len(await repo.record_and_claim(broadcast_id, [], 50)) == 50
    finally:
        await db.close()


async def test_queueing_goes_on_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a crash leaves (some chunks committed, the broadcast still queuing) is finished
    by ``queue`` without a duplicate or a gap."""
    monkeypatch.setattr(storage.broadcasts, "QUEUE_CHUNK", 7)
    db = await _open(tmp_path)
    try:
        await _subscribers(db, 50)
        repo = BroadcastRepository(db)
        broadcast_id = await _draft(repo)
        paused, resume = asyncio.Event(), asyncio.Event()
        monkeypatch.setattr(db, "transaction", _pause_after(db, 3, paused, resume))
        starting = asyncio.create_task(repo.start(broadcast_id, from_states=("draft",)))
        async with asyncio.timeout(5):
            await paused.wait()
        starting.cancel()  # the process "dies" between two chunks
        with pytest.raises(asyncio.CancelledError):
            await starting
        monkeypatch.undo()
        assert (await repo.figures(broadcast_id)).counts == {"pending": 14}
        assert await repo.queue(broadcast_id) == 50
        assert [chat for chat, _, _ in await repo.outbox(broadcast_id)] == list(range(1, 51))
        assert await repo.queue(broadcast_id) is None  # running now: nothing more to queue
    finally:
        await db.close()


async def test_cancel_while_queuing_stops_it_and_cancels_what_was_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.broadcasts, "QUEUE_CHUNK", 10)
    monkeypatch.setattr(storage.broadcasts, "CANCEL_CHUNK", 4)
    db = await _open(tmp_path)
    try:
        await _subscribers(db, 60)
        repo = BroadcastRepository(db)
        broadcast_id = await _draft(repo)
        paused, resume = asyncio.Event(), asyncio.Event()
        monkeypatch.setattr(db, "transaction", _pause_after(db, 3, paused, resume))
        starting = asyncio.create_task(repo.start(broadcast_id, from_states=("draft",)))
        async with asyncio.timeout(5):
            await paused.wait()
        cancelling = asyncio.create_task(repo.cancel(broadcast_id))
        await asyncio.sleep(0)
        resume.set()
        assert await cancelling == "queuing"
        assert await starting is None  # the queueing saw the cancel and stopped
        assert await repo.cancel_pending(broadcast_id) == 20
        row = await repo.get(broadcast_id)
        assert row is not None and row.state == "cancelled"
        assert (await repo.figures(broadcast_id)).counts == {"cancelled": 20}
    finally:
        await db.close()


async def test_a_cancelled_broadcast_claims_nothing_and_its_rows_are_tidied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.broadcasts, "CANCEL_CHUNK", 3)
    db = await _open(tmp_path)
    try:
        repo = BroadcastRepository(db)
        broadcast_id, total = await repo.create_for_targets(
            kind="text",
            payload={"text": "x"},
            title="t",
            targets=[Target(chat, "en") for chat in range(1, 11)],
            created_by=None,
        )
        assert total == 10
        claimed = await repo.record_and_claim(broadcast_id, [], 2)
        assert await repo.cancel(broadcast_id) == "running"
        # the two rows in flight are still recorded; nothing more is claimed
        sent = [Outcome(row.id, "sent", message_id=1) for row in claimed]
        assert await repo.record_and_claim(broadcast_id, sent, 5) == []
        assert await repo.has_pending(broadcast_id)
        # a crash before the pending rows were marked: the next start tidies them
        assert await repo.tidy_cancelled() == 8
        assert await repo.tidy_cancelled() == 0
        assert (await repo.figures(broadcast_id)).counts == {"sent": 2, "cancelled": 8}
        assert await repo.cancel(broadcast_id) is None
    finally:
        await db.close()


async def test_forget_cancels_only_that_chats_pending_messages(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        await _subscribers(db, 3)
        repo = BroadcastRepository(db)
        broadcast_id = await _draft(repo)
        assert await repo.start(broadcast_id, from_states=("draft",)) == 3
        await forget_chat(db, 2, 2)
        assert await repo.outbox(broadcast_id) == [
            (1, "pending", 0),
            (2, "cancelled", 0),
            (3, "pending", 0),
        ]
    finally:
        await db.close()
