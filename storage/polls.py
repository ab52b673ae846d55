"""Repository for running polls: instances (one native poll per chat), votes, counts, status.

Poll *definitions* (question, options, settings) belong to :mod:`storage.events`; this module
stores what happened to them once sent. Two sources of counts exist per instance:

* per-user votes (``poll_votes``), for non-anonymous polls, from ``poll_answer`` updates;
* option counts (``poll_instance_counts``), for anonymous polls from ``poll`` updates, and for
  every instance from the final ``Poll`` that ``stopPoll`` returned (``final``), which then
  overrides the votes: it is what Telegram holds, including votes a crash lost.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import aiosqlite

from storage.clock import from_db, now_utc, optional_from_db, to_db
from storage.db import Database


@dataclass(frozen=True)
class PollInstance:
    """One native Telegram poll: a poll as sent to one chat, in that chat's language."""

    telegram_poll_id: str
    poll_id: str
    chat_id: int
    message_id: int
    language: str
    chat_type: str = "private"
    closed: bool = False
    final: bool = False


@dataclass(frozen=True)
class InstanceInfo:
    """What validating a vote for an instance needs."""

    telegram_poll_id: str
    poll_id: str
    chat_id: int
    option_count: int
    anonymous: bool
    multiple_answers: bool
    closed: bool
    """The instance was stopped or its poll closed: updates for it are ignored."""


class VoteRecord(NamedTuple):
    """One voter's choice in one instance (a tuple: thousands are made per second)."""

    telegram_poll_id: str
    voter_id: int
    options_mask: int
    """Bit ``i`` set = option ``i`` chosen; 0 = the vote was retracted."""
    update_id: int


class CountsRecord(NamedTuple):
    telegram_poll_id: str
    counts: tuple[int, ...]
    voters: int
    update_id: int


@dataclass(frozen=True)
class InstanceTally:
    telegram_poll_id: str
    counts: tuple[int, ...]
    voters: int


@dataclass(frozen=True)
class PollStatus:
    started_at: datetime | None = None
    closed_at: datetime | None = None
    published_at: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def options_mask(option_ids: Sequence[int]) -> int:
    if len(option_ids) == 1:
        return 1 << option_ids[0]
    mask = 0
    for option in option_ids:
        mask |= 1 << option
    return mask


class PollRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # instances ------------------------------------------------------------------------

    async def record_instance(self, instance: PollInstance) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO poll_instances (telegram_poll_id, poll_id, chat_id,"
                " chat_type, message_id, language, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    instance.telegram_poll_id,
                    instance.poll_id,
                    instance.chat_id,
                    instance.chat_type,
                    instance.message_id,
                    instance.language,
                    to_db(now_utc()),
                ),
            )

    async def instance_info(self, telegram_poll_id: str) -> InstanceInfo | None:
        async with self.db.read(
            "SELECT i.poll_id, i.chat_id, i.closed, p.anonymous, p.multiple_answers,"
            " (SELECT COUNT(DISTINCT o.ordinal) FROM poll_options o WHERE o.poll_id = p.id),"
            " s.closed_at"
            " FROM poll_instances i JOIN polls p ON p.id = i.poll_id"
            " LEFT JOIN poll_status s ON s.poll_id = i.poll_id"
            " WHERE i.telegram_poll_id = ?",
            (telegram_poll_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return InstanceInfo(
            telegram_poll_id=telegram_poll_id,
            poll_id=str(row[0]),
            chat_id=int(row[1]),
            option_count=int(row[5]),
            anonymous=bool(row[3]),
            multiple_answers=bool(row[4]),
            closed=bool(row[2]) or row[6] is not None,
        )

    async def instances(self, poll_id: str, *, open_only: bool = False) -> list[PollInstance]:
        sql = "SELECT * FROM poll_instances WHERE poll_id = ?"
        if open_only:
            sql += " AND closed = 0"
        async with self.db.read(sql + " ORDER BY chat_id, message_id", (poll_id,)) as cur:
            rows = await cur.fetchall()
        return [
            PollInstance(
                telegram_poll_id=str(r["telegram_poll_id"]),
                poll_id=str(r["poll_id"]),
                chat_id=int(r["chat_id"]),
                message_id=int(r["message_id"]),
                language=str(r["language"]),
                chat_type=str(r["chat_type"]),
                closed=bool(r["closed"]),
                final=bool(r["final"]),
            )
            for r in rows
        ]

    async def has_instance(self, poll_id: str, chat_id: int) -> bool:
        async with self.db.read(
            "SELECT 1 FROM poll_instances WHERE poll_id = ? AND chat_id = ? LIMIT 1",
            (poll_id, chat_id),
        ) as cur:
            return await cur.fetchone() is not None

    async def instance_count(self, poll_id: str) -> int:
        async with self.db.read(
            "SELECT COUNT(*) FROM poll_instances WHERE poll_id = ?", (poll_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # votes and counts -----------------------------------------------------------------

    async def apply(self, votes: Sequence[VoteRecord], counts: Sequence[CountsRecord]) -> None:
        """Store a batch of votes and anonymous counts in one transaction.

        Within a key, the record with the highest ``update_id`` wins, whatever order the
        batches arrive in; instances that disappeared are skipped.
        """
        if not votes and not counts:
            return
        voted_at = to_db(now_utc())
        async with self.db.transaction() as conn:
            if votes:
                # One statement over a JSON array rather than executemany: the database
                # thread then holds the GIL once per batch instead of once per row, and the
                # event loop (taking the next updates) is not slowed down by the writes.
                await conn.execute(
                    "INSERT INTO poll_votes (telegram_poll_id, voter_id, options_mask,"
                    " update_id, voted_at) SELECT v.value ->> 0, v.value ->> 1,"
                    " v.value ->> 2, v.value ->> 3, ? FROM json_each(?) AS v WHERE EXISTS"
                    " (SELECT 1 FROM poll_instances i WHERE i.telegram_poll_id = v.value ->> 0)"
                    " ON CONFLICT (telegram_poll_id, voter_id) DO UPDATE SET"
                    " options_mask = excluded.options_mask, update_id = excluded.update_id,"
                    " voted_at = excluded.voted_at"
                    " WHERE excluded.update_id > poll_votes.update_id",
                    (voted_at, json.dumps(votes)),  # NamedTuples encode as arrays
                )
            for record in counts:
                cursor = await conn.execute(
                    "UPDATE poll_instances SET voters = ?, counts_update_id = ?"
                    " WHERE telegram_poll_id = ? AND final = 0 AND counts_update_id < ?",
                    (record.voters, record.update_id, record.telegram_poll_id, record.update_id),
                )
                if cursor.rowcount == 1:
                    await _replace_counts(conn, record.telegram_poll_id, record.counts)

    async def set_final_counts(
        self, telegram_poll_id: str, counts: Sequence[int], voters: int
    ) -> None:
        """The final ``Poll`` of a stopped instance replaces whatever was stored for it."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE poll_instances SET final = 1, closed = 1, voters = ?"
                " WHERE telegram_poll_id = ?",
                (voters, telegram_poll_id),
            )
            if cursor.rowcount == 1:
                await _replace_counts(conn, telegram_poll_id, counts)

    async def mark_instance_closed(self, telegram_poll_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE poll_instances SET closed = 1 WHERE telegram_poll_id = ?",
                (telegram_poll_id,),
            )

    async def tallies(
        self, poll_id: str, option_count: int, *, anonymous: bool
    ) -> list[InstanceTally]:
        """Counts and voters per instance: stored counts for anonymous polls and for stopped
        (final) instances, else computed from the per-user votes."""
        found: list[InstanceTally] = []
        counted: dict[str, list[int]] = defaultdict(lambda: [0] * option_count)
        voters: dict[str, int] = {}
        async with self.db.read(
            "SELECT i.telegram_poll_id, i.voters, c.option_index, c.voter_count"
            " FROM poll_instances i LEFT JOIN poll_instance_counts c"
            " ON c.telegram_poll_id = i.telegram_poll_id"
            " WHERE i.poll_id = ? AND (i.final = 1 OR ?)",
            (poll_id, int(anonymous)),
        ) as cur:
            for row in await cur.fetchall():
                key = str(row[0])
                voters[key] = int(row[1])
                slots = counted[key]
                if row[2] is not None and 0 <= int(row[2]) < option_count:
                    slots[int(row[2])] = int(row[3])
        found.extend(InstanceTally(k, tuple(counted[k]), v) for k, v in sorted(voters.items()))
        if anonymous or option_count == 0:
            return found
        columns = ", ".join("SUM((v.options_mask >> ?) & 1)" for _ in range(option_count))
        async with self.db.read(
            f"SELECT v.telegram_poll_id, SUM(v.options_mask != 0), {columns}"
            " FROM poll_votes v JOIN poll_instances i"
            " ON i.telegram_poll_id = v.telegram_poll_id"
            " WHERE i.poll_id = ? AND i.final = 0 GROUP BY v.telegram_poll_id"
            " ORDER BY v.telegram_poll_id",
            (*range(option_count), poll_id),
        ) as cur:
            for row in await cur.fetchall():
                found.append(
                    InstanceTally(
                        str(row[0]),
                        tuple(int(c or 0) for c in row[2:]),
                        int(row[1] or 0),
                    )
                )
        return found

    async def vote_rows(self, poll_id: str) -> int:
        """How many per-user vote rows (retractions included) a poll has stored."""
        async with self.db.read(
            "SELECT COUNT(*) FROM poll_votes v JOIN poll_instances i"
            " ON i.telegram_poll_id = v.telegram_poll_id WHERE i.poll_id = ?",
            (poll_id,),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # status ---------------------------------------------------------------------------

    async def status(self, poll_id: str) -> PollStatus:
        async with self.db.read(
            "SELECT started_at, closed_at, published_at FROM poll_status WHERE poll_id = ?",
            (poll_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return PollStatus()
        return PollStatus(
            started_at=optional_from_db(row[0]),
            closed_at=optional_from_db(row[1]),
            published_at=optional_from_db(row[2]),
        )

    async def mark_started(self, poll_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO poll_status (poll_id, started_at) VALUES (?, ?)"
                " ON CONFLICT (poll_id) DO UPDATE SET"
                " started_at = COALESCE(started_at, excluded.started_at)",
                (poll_id, to_db(now_utc())),
            )

    async def mark_closed(self, poll_id: str) -> bool:
        """Close a poll; False if it was closed already (so closing happens once)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO poll_status (poll_id, closed_at) VALUES (?, ?)"
                " ON CONFLICT (poll_id) DO UPDATE SET closed_at = excluded.closed_at"
                " WHERE closed_at IS NULL",
                (poll_id, to_db(now_utc())),
            )
        return cursor.rowcount == 1

    async def mark_published(self, poll_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO poll_status (poll_id, published_at) VALUES (?, ?)"
                " ON CONFLICT (poll_id) DO UPDATE SET published_at = excluded.published_at",
                (poll_id, to_db(now_utc())),
            )

    async def set_stop_broadcast(self, poll_id: str, broadcast_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE poll_status SET stop_broadcast_id = ? WHERE poll_id = ?",
                (broadcast_id, poll_id),
            )

    async def unstopped(self) -> list[str]:
        """Closed polls whose instances were never handed to a stop broadcast (the process
        died between closing the poll and starting that broadcast)."""
        async with self.db.read(
            "SELECT s.poll_id FROM poll_status s WHERE s.closed_at IS NOT NULL"
            " AND s.stop_broadcast_id IS NULL AND EXISTS (SELECT 1 FROM poll_instances i"
            " WHERE i.poll_id = s.poll_id AND i.closed = 0) ORDER BY s.poll_id"
        ) as cur:
            return [str(r[0]) for r in await cur.fetchall()]

    async def pending_closings(self) -> list[tuple[str, datetime]]:
        """Polls with a closing time that are not closed yet, soonest first."""
        async with self.db.read(
            "SELECT p.id, p.closes_at FROM polls p LEFT JOIN poll_status s ON s.poll_id = p.id"
            " WHERE p.closes_at IS NOT NULL AND s.closed_at IS NULL ORDER BY p.closes_at"
        ) as cur:
            rows = await cur.fetchall()
        return [(str(r[0]), from_db(r[1])) for r in rows]


async def _replace_counts(
    conn: aiosqlite.Connection, telegram_poll_id: str, counts: Sequence[int]
) -> None:
    await conn.execute(
        "DELETE FROM poll_instance_counts WHERE telegram_poll_id = ?", (telegram_poll_id,)
    )
    await conn.executemany(
        "INSERT INTO poll_instance_counts (telegram_poll_id, option_index, voter_count)"
        " VALUES (?, ?, ?)",
        [(telegram_poll_id, index, count) for index, count in enumerate(counts)],
    )
