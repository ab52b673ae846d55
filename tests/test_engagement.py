"""Engagement records: cheap to make (buffered, written in batches), exact when read,
forgotten on request; the figures of one event from SQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.engagement import Engagement, EngagementBuffer
from storage.broadcasts import BroadcastRepository
from storage.db import Database, migrations
from storage.engagement import EngagementFigures, EngagementRecord, EngagementRepository, Tally
from storage.privacy import forget_chat

MOMENT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "engagement.sqlite3")
    yield database
    await database.close()


class CountingRepository(EngagementRepository):
    """The real repository, counting its write transactions."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.transactions = 0

    async def add_many(self, records: Sequence[EngagementRecord]) -> None:
        self.transactions += 1
        await super().add_many(records)


async def test_ten_thousand_recordings_are_a_handful_of_writes(db: Database) -> None:
    repo = CountingRepository(db)
    engagement = Engagement(
        repo, EngagementBuffer(repo.add_many, max_pending=1000, max_delay=60)
    )
    for n in range(10_000):
        # no await: recording never waits for the database
        engagement.speaker_read("ev", f"s{n % 7}", n % 500, source="card")
    figures = await engagement.figures("ev")  # flushes first: exact
    assert repo.transactions <= 11, repo.transactions
    assert engagement.buffer.stored == 10_000 and engagement.buffer.pending == 0
    assert await repo.count() == 10_000
    assert figures.readers == 500
    assert figures.speakers == {f"s{i}": 500 for i in range(7)}  # every pair occurs


async def test_figures_of_one_event(db: Database) -> None:
    repo = EngagementRepository(db)
    engagement = Engagement(repo)
    for user in (1, 2, 2, 3):
        engagement.card_opened("ev", user)
    engagement.card_opened("other", 1)
    engagement.speaker_read("ev", "kim", 1)
    engagement.speaker_read("ev", "kim", 1, source="digest")  # same person elsewhere
    engagement.speaker_read("ev", "lee", 2, source="live")
    engagement.language_switched("ev", 1, "ru")
    engagement.language_switched("ev", 1, "ru")
    engagement.language_switched("ev", 2, "ko")
    engagement.calendar_downloaded("ev", 3)
    assert await engagement.figures("ev") == EngagementFigures(
        opens=Tally(people=3, times=4),
        readers=2,
        speakers={"kim": 1, "lee": 1},
        languages={"ru": 2, "ko": 1},
        calendar=Tally(1, 1),
    )
    assert await engagement.figures("nothing") == EngagementFigures()


async def test_an_unknown_source_is_refused(db: Database) -> None:
    engagement = Engagement(EngagementRepository(db))
    with pytest.raises(ValueError, match="unknown source"):
        engagement.speaker_read("ev", "kim", 1, source="newsletter")
    assert engagement.buffer.pending == 0


async def test_a_failed_write_keeps_the_records_in_order() -> None:
    written: list[list[int]] = []

    async def sink(records: list[EngagementRecord]) -> None:
        if not written:
            written.append([])
            raise OSError("disk full")
        written.append([r.user_id for r in records])

    buffer = EngagementBuffer(sink, max_pending=100, max_delay=60)
    buffer.add(EngagementRecord("ev", "open", 1, MOMENT))
    with pytest.raises(OSError):
        await buffer.flush()
    buffer.add(EngagementRecord("ev", "open", 2, MOMENT))
    await buffer.close()
    assert written == [[], [1, 2]] and buffer.pending == 0 and buffer.writes == 1


async def test_forgetting_a_user_drops_stored_and_pending_rows(db: Database) -> None:
    engagement = Engagement(EngagementRepository(db))
    for user in (7, 8):
        engagement.card_opened("ev", user)
        engagement.calendar_downloaded("ev", user)
    await engagement.flush()
    engagement.speaker_read("ev", "kim", 7)  # still pending
    engagement.speaker_read("ev", "kim", 8)
    await engagement.forget_user(7)
    await forget_chat(db, 7, 7)
    await engagement.close()
    figures = await engagement.figures("ev")
    assert figures.opens == Tally(1, 1) and figures.calendar == Tally(1, 1)
    assert figures.speakers == {"kim": 1}
    assert await engagement.repo.count() == 3


async def test_live_followers_come_from_the_hook(db: Database) -> None:
    engagement = Engagement(EngagementRepository(db))
    assert await engagement.followers("ev") is None

    async def count(event_id: str) -> int:
        return len(event_id)

    engagement.live_followers = count
    assert await engagement.followers("ev") == 2


async def test_migration_links_older_broadcasts_that_name_their_event(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
    )
    for version, name, sql in migrations()[:5]:
        raw.executescript(sql)
        raw.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (version, name))
    stamp = "2024-01-01T00:00:00.000+00:00"
    raw.executemany(
        "INSERT INTO broadcasts (id, kind, payload, title, state, created_at, started_at)"
        " VALUES (?, ?, ?, 't', ?, ?, ?)",
        [
            (1, "event", json.dumps({"event_id": "ev", "reminder": None}), "scheduled", stamp,
             None),
            (2, "rating_prompt", json.dumps({"event_id": "ev"}), "done", stamp, stamp),
            (3, "rendered", json.dumps({"versions": {}, "default": "en"}), "done", stamp, stamp),
            (4, "text", json.dumps({"text": "event_id", "entities": []}), "done", stamp, stamp),
        ],
    )
    raw.executemany(
        "INSERT INTO broadcast_outbox (broadcast_id, chat_id, language, state)"
        " VALUES (2, ?, 'en', ?)",
        [(1, "sent"), (2, "sent"), (3, "blocked")],
    )
    raw.commit()
    raw.close()
    db = await Database.open(path)
    try:
        async with db.read("SELECT id, event_id FROM broadcasts ORDER BY id") as cur:
            linked = {int(r[0]): r[1] for r in await cur.fetchall()}
        assert linked == {1: "ev", 2: "ev", 3: None, 4: None}
        [prompt] = await BroadcastRepository(db).of_event("ev")  # 1 has not started
        assert (prompt.id, prompt.kind, prompt.reminder) == (2, "rating_prompt", False)
        assert prompt.figures.counts == {"sent": 2, "blocked": 1}
    finally:
        await db.close()
