"""Repository for subscribers and their topics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

import aiosqlite

from storage.clock import from_db, now_utc, optional_from_db, to_db
from storage.db import Database
from storage.models import Subscriber

TOPIC_BITS = 63
"""Topics that get a bit in ``subscribers.topic_mask`` (migration 0005): all while fewer
than this many different topics were ever stored."""


async def topic_bits(db: Database) -> dict[str, int]:
    """Topic -> its bit in ``subscribers.topic_mask``. While fewer than ``TOPIC_BITS`` are
    listed, every stored topic is (a topic missing from the list is nobody's)."""
    async with db.read("SELECT topic, bit FROM topic_bits") as cursor:
        return {str(r[0]): int(r[1]) for r in await cursor.fetchall()}


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    """One chat for :meth:`SubscriberRepository.add_many` (bulk import, benchmark seeding)."""

    chat_id: int
    language: str
    chat_type: str = "private"
    user_id: int | None = None
    title: str | None = None
    topics: tuple[str, ...] = ()


class SubscriberRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_many(self, subscribers: Iterable[NewSubscriber], *, batch: int = 20_000) -> int:
        """Store many new active subscribers with their topics, ``batch`` chats per
        transaction (so other writers get the lock in between). Chats already stored are
        left exactly as they are. Returns how many were added."""
        assert batch > 0
        stamp = to_db(now_utc())
        bits = await topic_bits(self.db)  # masks set at once: the topic triggers skip them
        added = 0
        chats = iter(subscribers)
        while chunk := list(islice(chats, batch)):
            async with self.db.transaction() as conn:
                async with conn.execute(
                    "SELECT chat_id FROM subscribers WHERE chat_id IN"
                    " (SELECT value FROM json_each(?))",
                    (json.dumps([s.chat_id for s in chunk]),),
                ) as cursor:
                    known = {int(r[0]) for r in await cursor.fetchall()}
                fresh = {s.chat_id: s for s in chunk if s.chat_id not in known}
                await conn.executemany(
                    "INSERT INTO subscribers (chat_id, user_id, chat_type, title, language,"
                    " active, joined_at, topic_mask) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                    [
                        (
                            s.chat_id,
                            s.user_id,
                            s.chat_type,
                            s.title,
                            s.language,
                            stamp,
                            sum({1 << bits[t] for t in s.topics if t in bits}),
                        )
                        for s in fresh.values()
                    ],
                )
                await conn.executemany(
                    "INSERT OR IGNORE INTO subscriber_topics (chat_id, topic) VALUES (?, ?)",
                    [(s.chat_id, topic) for s in fresh.values() for topic in s.topics],
                )
            added += len(fresh)
        return added

    async def get(self, chat_id: int) -> Subscriber | None:
        async with self.db.read(
            "SELECT * FROM subscribers WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return _subscriber(row, await self._topics(chat_id))

    async def language(self, chat_id: int) -> str | None:
        async with self.db.read(
            "SELECT language FROM subscribers WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def subscribe(
        self,
        chat_id: int,
        *,
        language: str,
        user_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
    ) -> tuple[Subscriber, bool]:
        """Create or re-activate a subscription; returns it and whether it was new.

        An existing subscriber keeps their language and topics.
        """
        now = to_db(now_utc())
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO subscribers (chat_id, user_id, chat_type, title, language, active,"
                " joined_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (chat_id) DO NOTHING",
                (chat_id, user_id, chat_type, title, language, now),
            )
            created = cursor.rowcount == 1
            if not created:
                await conn.execute(
                    "UPDATE subscribers SET active = 1, left_at = NULL,"
                    " joined_at = CASE WHEN active = 1 THEN joined_at ELSE ? END,"
                    " chat_type = ?, title = COALESCE(?, title) WHERE chat_id = ?",
                    (now, chat_type, title, chat_id),
                )
        subscriber = await self.get(chat_id)
        assert subscriber is not None
        return subscriber, created

    async def set_language(self, chat_id: int, language: str) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE subscribers SET language = ? WHERE chat_id = ?", (language, chat_id)
            )
        return cursor.rowcount == 1

    async def set_topics(self, chat_id: int, topics: Iterable[str]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM subscriber_topics WHERE chat_id = ?", (chat_id,))
            await conn.executemany(
                "INSERT INTO subscriber_topics (chat_id, topic) VALUES (?, ?)",
                [(chat_id, topic) for topic in sorted(set(topics))],
            )

    async def deactivate(self, chat_id: int) -> bool:
        """Mark a chat inactive (``/stop``, or the user blocked the bot); data is kept."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE subscribers SET active = 0, left_at = ? WHERE chat_id = ? AND active = 1",
                (to_db(now_utc()), chat_id),
            )
        return cursor.rowcount == 1

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: move the subscription to the new chat id."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE OR IGNORE subscribers SET chat_id = ?, chat_type = 'supergroup'"
                " WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
        return cursor.rowcount == 1

    async def counts(self) -> list[tuple[str, bool, int]]:
        """``(language, active, count)`` rows (from ``subscriber_counts``: no scan)."""
        async with self.db.read(
            "SELECT language, active, SUM(subscribers) FROM subscriber_counts"
            " GROUP BY language, active HAVING SUM(subscribers) > 0"
            " ORDER BY language, active DESC"
        ) as cursor:
            rows = await cursor.fetchall()
        return [(str(r[0]), bool(r[1]), int(r[2])) for r in rows]

    async def topic_counts(self) -> list[tuple[str, bool, int]]:
        """``(topic, active, count)`` rows (from ``subscriber_counts`` and the topic bits,
        unless some topic may have no bit)."""
        bits = await topic_bits(self.db)
        if len(bits) >= TOPIC_BITS:
            async with self.db.read(
                "SELECT t.topic, s.active, COUNT(*) FROM subscriber_topics t"
                " JOIN subscribers s ON s.chat_id = t.chat_id GROUP BY t.topic, s.active"
            ) as cursor:
                rows = await cursor.fetchall()
            found = [(str(r[0]), bool(r[1]), int(r[2])) for r in rows]
        else:
            async with self.db.read(
                "SELECT active, topic_mask, SUM(subscribers) FROM subscriber_counts"
                " WHERE topic_mask != 0 GROUP BY active, topic_mask"
            ) as cursor:
                rows = await cursor.fetchall()
            tally: dict[tuple[str, bool], int] = {}
            for active, mask, count in rows:
                for topic, bit in bits.items():
                    if int(mask) >> bit & 1:
                        key = (topic, bool(active))
                        tally[key] = tally.get(key, 0) + int(count)
            found = [(topic, active, n) for (topic, active), n in tally.items() if n > 0]
        return sorted(found, key=lambda r: (r[0], not r[1]))

    async def _topics(self, chat_id: int) -> frozenset[str]:
        async with self.db.read(
            "SELECT topic FROM subscriber_topics WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return frozenset(str(r[0]) for r in rows)


def _subscriber(row: aiosqlite.Row, topics: frozenset[str]) -> Subscriber:
    return Subscriber(
        chat_id=int(row["chat_id"]),
        user_id=None if row["user_id"] is None else int(row["user_id"]),
        chat_type=str(row["chat_type"]),
        language=str(row["language"]),
        topics=topics,
        active=bool(row["active"]),
        joined_at=from_db(row["joined_at"]),
        left_at=optional_from_db(row["left_at"]),
        title=row["title"],
    )
