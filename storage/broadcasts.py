"""Repository for broadcasts and their outbox (one row per recipient).

The sender never holds the audience in memory: recipients are copied from ``subscribers`` into
``broadcast_outbox`` by ``INSERT … SELECT`` in chunks of ``QUEUE_CHUNK`` (one transaction each,
so nobody waits for the write lock behind a million rows) while the broadcast is ``queuing``,
which nothing sends; the last chunk's transaction makes it ``running``. Rows are then claimed
in small batches (only while the broadcast is ``running``). Outcomes are written in batches
too, in the same transaction as the next claim, so the write lock is taken a few dozen times
a second however fast the broadcast goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import aiosqlite

from storage.clock import now_utc, optional_from_db, to_db
from storage.db import Database
from storage.subscribers import TOPIC_BITS, topic_bits

UNFINISHED = ("pending", "sending")
FINAL_STATES = ("sent", "blocked", "failed", "cancelled")
CANCELLABLE = ("draft", "scheduled", "queuing", "running")
_INSERT_BATCH = 500
QUEUE_CHUNK = 10_000
"""Recipients queued per transaction: the write lock is held for tens of milliseconds."""
CANCEL_CHUNK = 10_000
"""Pending rows cancelled per transaction."""
_BEFORE_ANY_CHAT = -(2**63)
_CLAIMED = "id, chat_id, chat_type, language, attempts, throttled, data, part"


@dataclass(frozen=True)
class Audience:
    """Which active subscribers get a broadcast. Empty sets mean "no restriction"."""

    languages: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    """Subscribers with at least one of these topics."""
    include_groups: bool = True
    """False: private chats only (no groups, supergroups or channels)."""
    chat_ids: tuple[int, ...] | None = None
    """Only these chats (still only if they are active subscribers)."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "languages": sorted(self.languages),
                "topics": sorted(self.topics),
                "include_groups": self.include_groups,
                "chat_ids": None if self.chat_ids is None else list(self.chat_ids),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text) if text else {}
        chat_ids = data.get("chat_ids")
        return cls(
            languages=frozenset(data.get("languages", ())),
            topics=frozenset(data.get("topics", ())),
            include_groups=bool(data.get("include_groups", True)),
            chat_ids=None if chat_ids is None else tuple(int(c) for c in chat_ids),
        )


EXPLICIT_AUDIENCE = '{"explicit": true}'
"""The ``audience`` of a broadcast whose outbox rows were given as explicit targets."""


@dataclass(frozen=True)
class Target:
    """An explicit recipient (subscribed or not), e.g. one chat where a poll must be stopped."""

    chat_id: int
    language: str
    chat_type: str = "private"
    data: Mapping[str, Any] | None = None
    """JSON-serialisable; handed back to the kind's deliver function as ``Recipient.data``."""


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    kind: str
    payload: dict[str, Any]
    title: str
    audience_json: str
    state: str
    created_by: int | None
    admin_language: str | None
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    progress_chat_id: int | None
    progress_message_id: int | None
    event_id: str | None
    reminder_offset: int | None
    digest_after: int | None = None
    """Seconds after its event's end: the event's automatic digest (its content asks)."""
    messages: int = 0
    """Messages delivered so far (a digest sends several per recipient)."""

    @property
    def explicit(self) -> bool:
        return self.audience_json == EXPLICIT_AUDIENCE

    @property
    def audience(self) -> Audience:
        return Audience() if self.explicit else Audience.from_json(self.audience_json)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    chat_type: str
    language: str
    attempts: int
    throttled: int
    data: str | None
    part: int = 0
    """The message of a multi-part broadcast this row sends now (0-based)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed row. ``state`` ``pending`` puts it back (to retry at
    ``retry_at``); the other states are final. ``advanced``: the row's part was delivered
    and the row moves on to its next part (pending, due at ``retry_at``), its attempts
    counted afresh."""

    outbox_id: int
    state: str
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    throttled: bool = False
    """The attempt was answered 429: it does not count against the error retry limit."""
    delivered: bool = False
    """A message went out (counted in the broadcast's ``messages``)."""
    advanced: bool = False


@dataclass
class Figures:
    """Outbox rows of one broadcast by state."""

    counts: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    """Messages delivered (for a one-message broadcast, the rows ``sent``)."""

    def get(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.get(state) for state in FINAL_STATES)


@dataclass(frozen=True)
class EventBroadcast:
    """A broadcast made for an event (``broadcasts.event_id``) and its outbox figures."""

    id: int
    kind: str
    reminder: bool
    figures: Figures
    digest: bool = False
    """The event's digest (its payload says ``"digest": true``: before it starts, as the
    ``event`` kind's request; after, as the rendered parts)."""


def _row(row: aiosqlite.Row) -> BroadcastRow:
    return BroadcastRow(
        id=int(row["id"]),
        kind=str(row["kind"]),
        payload=json.loads(row["payload"]),
        title=str(row["title"]),
        audience_json=str(row["audience"]),
        state=str(row["state"]),
        created_by=row["created_by"],
        admin_language=row["admin_language"],
        created_at=datetime.fromisoformat(row["created_at"]),
        scheduled_at=optional_from_db(row["scheduled_at"]),
        started_at=optional_from_db(row["started_at"]),
        finished_at=optional_from_db(row["finished_at"]),
        total=int(row["total"]),
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
        event_id=row["event_id"],
        reminder_offset=row["reminder_offset"],
        digest_after=row["digest_after"],
        messages=int(row["messages"]),
    )


@dataclass(frozen=True)
class _Filter:
    where: str
    """``WHERE`` clause over ``subscribers s``."""
    params: list[object]
    counted: bool
    """Only columns that ``subscriber_counts`` has too (so it can answer counts)."""


def _audience_filter(audience: Audience, bits: Mapping[str, int]) -> _Filter:
    """The audience as SQL; ``bits`` are the topic bits (``topic_bits``)."""
    clauses = ["s.active = 1"]
    params: list[object] = []
    counted = True
    if audience.languages:
        clauses.append("s.language IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(audience.languages)))
    if audience.topics and (len(bits) < TOPIC_BITS or all(t in bits for t in audience.topics)):
        # A topic without a bit is nobody's (while bits are left): mask 0 selects no one.
        clauses.append("(s.topic_mask & ?) != 0")
        params.append(sum(1 << bits[topic] for topic in audience.topics if topic in bits))
    elif audience.topics:
        clauses.append(
            "EXISTS (SELECT 1 FROM subscriber_topics t WHERE t.chat_id = s.chat_id"
            " AND t.topic IN (SELECT value FROM json_each(?)))"
        )
        params.append(json.dumps(sorted(audience.topics)))
        counted = False
    if not audience.include_groups:
        clauses.append("s.chat_type = 'private'")
    if audience.chat_ids is not None:
        clauses.append("s.chat_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(audience.chat_ids)))
        counted = False
    return _Filter(" AND ".join(clauses), params, counted)


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # creating ------------------------------------------------------------------------------

    async def create(
        self,
        *,
        kind: str,
        payload: Mapping[str, Any],
        title: str,
        audience: Audience,
        state: str,
        created_by: int | None,
        admin_language: str | None = None,
        scheduled_at: datetime | None = None,
        progress_chat_id: int | None = None,
        event_id: str | None = None,
    ) -> int:
        """A broadcast without recipients yet: a ``draft`` or a ``scheduled`` one.
        ``event_id``: the event it is about (its figures are that event's deliveries)."""
        assert state in ("draft", "scheduled")
        async with self.db.transaction() as conn:
            return await _insert(
                conn,
                kind=kind,
                payload=payload,
                title=title,
                audience_json=audience.to_json(),
                state=state,
                created_by=created_by,
                admin_language=admin_language,
                scheduled_at=scheduled_at,
                progress_chat_id=progress_chat_id,
                event_id=event_id,
            )

    async def create_for_targets(
        self,
        *,
        kind: str,
        payload: Mapping[str, Any],
        title: str,
        targets: Iterable[Target],
        created_by: int | None,
        scheduled_at: datetime | None = None,
        admin_language: str | None = None,
        progress_chat_id: int | None = None,
        event_id: str | None = None,
    ) -> tuple[int, int]:
        """A broadcast to explicit targets, with its outbox, in one transaction: ``running``
        (or ``scheduled``). Duplicate chats are kept once. Returns ``(id, recipients)``."""
        now = to_db(now_utc())
        async with self.db.transaction() as conn:
            broadcast_id = await _insert(
                conn,
                kind=kind,
                payload=payload,
                title=title,
                audience_json=EXPLICIT_AUDIENCE,
                state="scheduled" if scheduled_at is not None else "running",
                created_by=created_by,
                admin_language=admin_language,
                scheduled_at=scheduled_at,
                progress_chat_id=progress_chat_id,
                event_id=event_id,
            )
            batch: list[tuple[object, ...]] = []
            for target in targets:
                data = None if target.data is None else json.dumps(dict(target.data))
                batch.append(
                    (broadcast_id, target.chat_id, target.chat_type, target.language, data)
                )
                if len(batch) >= _INSERT_BATCH:
                    await _insert_targets(conn, batch)
                    batch = []
            if batch:
                await _insert_targets(conn, batch)
            total = await _count_rows(conn, broadcast_id)
            await conn.execute(
                "UPDATE broadcasts SET total = ?, started_at = CASE WHEN state = 'running'"
                " THEN ? END WHERE id = ?",
                (total, now, broadcast_id),
            )
        return broadcast_id, total

    async def start(
        self,
        broadcast_id: int,
        *,
        from_states: Sequence[str],
        kind: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> int | None:
        """Move a broadcast from one of ``from_states`` to ``running``, choosing its
        recipients now (unless they were given as targets).

        Recipients chosen among the subscribers are queued by :meth:`queue` while the
        broadcast is ``queuing``, and the transaction that queues the last of them makes it
        ``running``: it is sent to all of them or to nobody. ``kind``/``payload`` replace the
        stored ones (an ``event`` broadcast is rendered when it starts). Returns the number of
        recipients, or None if the broadcast was not in one of ``from_states`` (already
        started, cancelled…) or was cancelled while queuing: a broadcast fires once.
        """
        now = to_db(now_utc())
        stored_payload = None if payload is None else json.dumps(dict(payload), ensure_ascii=False)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT state, audience FROM broadcasts WHERE id = ?", (broadcast_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None or row["state"] not in from_states:
                return None
            if row["audience"] == EXPLICIT_AUDIENCE:  # the outbox is there already
                total = await _count_rows(conn, broadcast_id)
                await conn.execute(
                    "UPDATE broadcasts SET state = 'running', started_at = ?, total = ?,"
                    " kind = COALESCE(?, kind), payload = COALESCE(?, payload) WHERE id = ?",
                    (now, total, kind, stored_payload, broadcast_id),
                )
                return total
            await conn.execute(
                "UPDATE broadcasts SET state = 'queuing', kind = COALESCE(?, kind),"
                " payload = COALESCE(?, payload) WHERE id = ?",
                (kind, stored_payload, broadcast_id),
            )
        return await self.queue(broadcast_id)

    async def queue(self, broadcast_id: int) -> int | None:
        """Queue the recipients of a ``queuing`` broadcast, ``QUEUE_CHUNK`` per transaction,
        in chat id order after the last chat already queued (so after a crash it goes on
        where it stopped); the transaction of the last chunk makes it ``running``. Returns the
        number of recipients, or None if it is not (or no longer) ``queuing``."""
        bits = await topic_bits(self.db)
        while True:
            async with self.db.transaction() as conn:
                async with conn.execute(
                    "SELECT state, audience FROM broadcasts WHERE id = ?", (broadcast_id,)
                ) as cur:
                    row = await cur.fetchone()
                if row is None or row["state"] != "queuing":
                    return None
                if row["audience"] == EXPLICIT_AUDIENCE:  # (never queuing: its rows exist)
                    found = _Filter("0", [], False)
                else:
                    found = _audience_filter(Audience.from_json(row["audience"]), bits)
                # NOT INDEXED: walk the table in chat id order from the last chat queued.
                cursor = await conn.execute(
                    "INSERT INTO broadcast_outbox (broadcast_id, chat_id, chat_type, language)"
                    " SELECT ?, s.chat_id, s.chat_type, s.language FROM subscribers s NOT INDEXED"
                    " WHERE s.chat_id > COALESCE((SELECT MAX(o.chat_id) FROM broadcast_outbox o"
                    " WHERE o.broadcast_id = ?), ?)"
                    f" AND {found.where} ORDER BY s.chat_id LIMIT ?",
                    (broadcast_id, broadcast_id, _BEFORE_ANY_CHAT, *found.params, QUEUE_CHUNK),
                )
                if cursor.rowcount < QUEUE_CHUNK:  # that was the last chunk
                    total = await _count_rows(conn, broadcast_id)
                    await conn.execute(
                        "UPDATE broadcasts SET state = 'running', started_at = ?, total = ?"
                        " WHERE id = ?",
                        (to_db(now_utc()), total, broadcast_id),
                    )
                    return total

    async def schedule_draft(self, broadcast_id: int) -> bool:
        """A confirmed draft that has a sending time becomes ``scheduled``."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET state = 'scheduled' WHERE id = ? AND state = 'draft'"
                " AND scheduled_at IS NOT NULL",
                (broadcast_id,),
            )
        return cursor.rowcount == 1

    async def audience_counts(self, audience: Audience) -> dict[str, int]:
        """How many active subscribers the audience selects, by language: from
        ``subscriber_counts`` (a few dozen rows) unless it names chats or a topic that may
        have no bit, which need the subscribers themselves."""
        found = _audience_filter(audience, await topic_bits(self.db))
        table, count = "subscribers s", "COUNT(*)"
        if found.counted:
            table, count = "subscriber_counts s", "SUM(s.subscribers)"  # same column names
        async with self.db.read(
            f"SELECT s.language, {count} FROM {table} WHERE {found.where}"
            f" GROUP BY s.language HAVING {count} > 0",
            found.params,
        ) as cur:
            rows = await cur.fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    # reading -------------------------------------------------------------------------------

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        async with self.db.read(
            "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _row(row)

    async def in_state(self, state: str) -> list[BroadcastRow]:
        async with self.db.read(
            "SELECT * FROM broadcasts WHERE state = ? ORDER BY id", (state,)
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def due(self, now: datetime) -> list[BroadcastRow]:
        """Scheduled broadcasts whose time has come, oldest first."""
        async with self.db.read(
            "SELECT * FROM broadcasts WHERE state = 'scheduled' AND scheduled_at <= ?"
            " ORDER BY scheduled_at, id",
            (to_db(now),),
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def next_scheduled_at(self) -> datetime | None:
        async with self.db.read(
            "SELECT MIN(scheduled_at) FROM broadcasts WHERE state = 'scheduled'"
        ) as cur:
            row = await cur.fetchone()
        return optional_from_db(row[0] if row else None)

    async def recent(self, limit: int = 10) -> list[tuple[BroadcastRow, Figures]]:
        """The latest broadcasts (drafts left out) with their outbox figures."""
        async with self.db.read(
            "SELECT * FROM broadcasts WHERE state != 'draft' ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            rows = [_row(r) for r in await cur.fetchall()]
        return [(row, await self.figures(row.id)) for row in rows]

    async def figures(self, broadcast_id: int) -> Figures:
        async with self.db.read(
            "SELECT state, COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        ) as cur:
            rows = await cur.fetchall()
        async with self.db.read(
            "SELECT messages FROM broadcasts WHERE id = ?", (broadcast_id,)
        ) as cur:
            messages = await cur.fetchone()
        return Figures({str(r[0]): int(r[1]) for r in rows}, int(messages[0]) if messages else 0)

    async def language_counts(self, broadcast_id: int) -> dict[str, int]:
        """Recipients by language (how many messages a digest sends depends on it)."""
        async with self.db.read(
            "SELECT language, COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ?"
            " GROUP BY language",
            (broadcast_id,),
        ) as cur:
            return {str(r[0]): int(r[1]) for r in await cur.fetchall()}

    async def of_event(self, event_id: str) -> list[EventBroadcast]:
        """The broadcasts made for an event that started sending, with their figures, oldest
        first (the ``broadcasts_event`` index, then each one's outbox rows)."""
        async with self.db.read(
            "SELECT b.id, b.kind, b.reminder_offset, o.state, COUNT(o.id),"
            " COALESCE(json_extract(b.payload, '$.digest'), 0) FROM broadcasts b"
            " LEFT JOIN broadcast_outbox o ON o.broadcast_id = b.id"
            " WHERE b.event_id = ? AND b.started_at IS NOT NULL"
            " GROUP BY b.id, o.state ORDER BY b.id",
            (event_id,),
        ) as cur:
            rows = await cur.fetchall()
        found: dict[int, EventBroadcast] = {}
        for row in rows:
            broadcast_id = int(row[0])
            if broadcast_id not in found:
                found[broadcast_id] = EventBroadcast(
                    broadcast_id, str(row[1]), row[2] is not None, Figures(), bool(row[5])
                )
            if row[3] is not None:
                found[broadcast_id].figures.counts[str(row[3])] = int(row[4])
        return list(found.values())

    async def outbox(self, broadcast_id: int) -> list[tuple[int, str, int]]:
        """``(chat_id, state, attempts)`` of every recipient (for tests and diagnostics)."""
        async with self.db.read(
            "SELECT chat_id, state, attempts FROM broadcast_outbox WHERE broadcast_id = ?"
            " ORDER BY id",
            (broadcast_id,),
        ) as cur:
            return [(int(r[0]), str(r[1]), int(r[2])) for r in await cur.fetchall()]

    async def next_retry_at(self, broadcast_id: int) -> datetime | None:
        """The earliest ``retry_at`` among pending rows (None if none waits)."""
        async with self.db.read(
            "SELECT MIN(retry_at) FROM broadcast_outbox WHERE broadcast_id = ?"
            " AND state = 'pending' AND retry_at IS NOT NULL",
            (broadcast_id,),
        ) as cur:
            row = await cur.fetchone()
        return optional_from_db(row[0] if row else None)

    async def has_pending(self, broadcast_id: int) -> bool:
        """Whether rows remain to be sent (now or at their ``retry_at``)."""
        async with self.db.read(
            "SELECT 1 FROM broadcast_outbox INDEXED BY broadcast_outbox_state"
            " WHERE broadcast_id = ? AND state = 'pending' LIMIT 1",
            (broadcast_id,),
        ) as cur:
            return await cur.fetchone() is not None

    # sending -------------------------------------------------------------------------------

    async def reset_sending(self, broadcast_id: int) -> int:
        """Rows left ``sending`` by a process that died go back to ``pending`` (resent)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcast_outbox SET state = 'pending' WHERE broadcast_id = ?"
                " AND state = 'sending'",
                (broadcast_id,),
            )
        return cursor.rowcount

    async def record_and_claim(
        self, broadcast_id: int, outcomes: Sequence[Outcome], limit: int
    ) -> list[OutboxRow]:
        """Store ``outcomes`` and claim up to ``limit`` pending rows due now (marking them
        ``sending`` and counting the attempt), in one transaction.

        Rows waiting for a ``retry_at`` that has come (retries, a digest's next parts) go
        first, oldest due first, then fresh rows in id order: each from its own partial
        index, so a claim reads only the rows it takes.

        Once the broadcast is cancelled, an outcome that would put its row back to pending
        (a retry, a digest's next part) cancels it instead: :meth:`cancel_pending` may have
        marked the pending rows already."""
        now = now_utc()
        stamp = to_db(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT state FROM broadcasts WHERE id = ?", (broadcast_id,)
            ) as cur:
                state = await cur.fetchone()
            if state is not None and state[0] == "cancelled":
                outcomes = [
                    replace(o, state="cancelled", retry_at=None) if o.state == "pending" else o
                    for o in outcomes
                ]
            if outcomes:
                await conn.executemany(
                    "UPDATE broadcast_outbox SET state = ?, message_id = ?, error = ?,"
                    " retry_at = ?, done_at = ?, part = part + ?,"
                    " throttled = CASE WHEN ? THEN 0 ELSE throttled + ? END,"
                    " attempts = CASE WHEN ? THEN 0 ELSE attempts END"
                    " WHERE id = ? AND state = 'sending'",  # (not if /forget cancelled it)
                    [
                        (
                            o.state,
                            o.message_id,
                            o.error,
                            None if o.retry_at is None else to_db(o.retry_at),
                            None if o.state == "pending" else stamp,
                            int(o.advanced),
                            int(o.advanced),
                            int(o.throttled),
                            int(o.advanced),
                            o.outbox_id,
                        )
                        for o in outcomes
                    ],
                )
                delivered = sum(1 for o in outcomes if o.delivered)
                if delivered:
                    await conn.execute(
                        "UPDATE broadcasts SET messages = messages + ? WHERE id = ?",
                        (delivered, broadcast_id),
                    )
            if limit <= 0:
                return []
            if state is None or state[0] != "running":  # e.g. cancelled: nothing more goes out
                return []
            async with conn.execute(
                f"SELECT {_CLAIMED} FROM broadcast_outbox INDEXED BY broadcast_outbox_retry"
                " WHERE broadcast_id = ? AND state = 'pending' AND retry_at IS NOT NULL"
                " AND retry_at <= ? ORDER BY retry_at LIMIT ?",
                (broadcast_id, stamp, limit),
            ) as cur:
                rows = list(await cur.fetchall())
            if len(rows) < limit:
                async with conn.execute(
                    f"SELECT {_CLAIMED} FROM broadcast_outbox INDEXED BY broadcast_outbox_queue"
                    " WHERE broadcast_id = ? AND state = 'pending' AND retry_at IS NULL"
                    " ORDER BY id LIMIT ?",
                    (broadcast_id, limit - len(rows)),
                ) as cur:
                    rows += await cur.fetchall()
            if not rows:
                return []
            ids = [int(r[0]) for r in rows]
            await conn.execute(
                "UPDATE broadcast_outbox SET state = 'sending', attempts = attempts + 1"
                " WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        return [
            OutboxRow(
                int(r[0]), int(r[1]), str(r[2]), str(r[3]), int(r[4]) + 1, int(r[5]), r[6],
                int(r[7]),
            )
            for r in rows
        ]

    async def move_recipient(self, outbox_id: int, new_chat_id: int) -> bool:
        """Point a row at a migrated chat; False if that chat already has its own row."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE OR IGNORE broadcast_outbox SET chat_id = ?, chat_type = 'supergroup'"
                " WHERE id = ?",
                (new_chat_id, outbox_id),
            )
        return cursor.rowcount == 1

    async def finish(self, broadcast_id: int, state: str = "done") -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ?"
                " AND state = 'running'",
                (state, to_db(now_utc()), broadcast_id),
            )
        return cursor.rowcount == 1

    async def cancel(self, broadcast_id: int) -> str | None:
        """Cancel a draft, scheduled, queuing or running broadcast: from this transaction on
        none of its rows is claimed (rows being sent finish as they will); then
        :meth:`cancel_pending` marks the others. Returns the state it was in, or None if it
        could not be cancelled (unknown or already over)."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT state FROM broadcasts WHERE id = ?", (broadcast_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is None or row[0] not in CANCELLABLE:
                return None
            await conn.execute(
                "UPDATE broadcasts SET state = 'cancelled', finished_at = ? WHERE id = ?",
                (to_db(now_utc()), broadcast_id),
            )
        return str(row[0])

    async def cancel_pending(self, broadcast_id: int) -> int:
        """The pending rows of a cancelled broadcast become ``cancelled``, ``CANCEL_CHUNK``
        per transaction; returns how many."""
        async with self.db.read(
            "SELECT state, finished_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None or row[0] != "cancelled":
            return 0
        stamp = str(row[1]) if row[1] is not None else to_db(now_utc())
        cancelled = 0
        while True:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    "UPDATE broadcast_outbox SET state = 'cancelled', done_at = ? WHERE id IN"
                    " (SELECT id FROM broadcast_outbox INDEXED BY broadcast_outbox_state"
                    " WHERE broadcast_id = ? AND state = 'pending' ORDER BY id LIMIT ?)",
                    (stamp, broadcast_id, CANCEL_CHUNK),
                )
            cancelled += cursor.rowcount
            if cursor.rowcount < CANCEL_CHUNK:
                return cancelled

    async def tidy_cancelled(self) -> int:
        """:meth:`cancel_pending` for every cancelled broadcast that still has pending rows
        (a crash came first); returns how many rows."""
        async with self.db.read(
            "SELECT b.id FROM broadcasts b WHERE b.state = 'cancelled'"
            " AND EXISTS (SELECT 1 FROM broadcast_outbox o INDEXED BY broadcast_outbox_state"
            " WHERE o.broadcast_id = b.id AND o.state = 'pending')"
        ) as cur:
            rows = await cur.fetchall()
        return sum([await self.cancel_pending(int(row[0])) for row in rows])

    async def set_progress_message(
        self, broadcast_id: int, chat_id: int, message_id: int | None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
                (chat_id, message_id, broadcast_id),
            )

    # reminders -----------------------------------------------------------------------------

    async def sync_reminders(
        self,
        event_id: str,
        title: str,
        reminders: Mapping[int, datetime],
        now: datetime,
    ) -> int:
        """Make the scheduled reminders of an event match ``reminders`` (offset in seconds →
        firing time): new future ones are created, waiting ones follow a moved start, ones
        removed from the content are dropped. Reminders that already fired (or that an admin
        cancelled) are left alone, so each fires at most once. Returns how many were added."""
        added = 0
        async with self.db.transaction() as conn:
            for offset, fire_at in sorted(reminders.items()):
                if fire_at <= now:
                    continue
                cursor = await conn.execute(
                    "INSERT INTO broadcasts (kind, payload, title, audience, state, created_at,"
                    " scheduled_at, event_id, reminder_offset)"
                    " VALUES ('event', ?, ?, ?, 'scheduled', ?, ?, ?, ?)"
                    " ON CONFLICT (event_id, reminder_offset) WHERE reminder_offset IS NOT NULL"
                    " DO NOTHING",
                    (
                        json.dumps({"event_id": event_id, "reminder": offset}),
                        title,
                        Audience().to_json(),
                        to_db(now),
                        to_db(fire_at),
                        event_id,
                        offset,
                    ),
                )
                if cursor.rowcount == 1:
                    added += 1
                else:
                    await conn.execute(
                        "UPDATE broadcasts SET scheduled_at = ?, title = ? WHERE event_id = ?"
                        " AND reminder_offset = ? AND state = 'scheduled'",
                        (to_db(fire_at), title, event_id, offset),
                    )
            await conn.execute(
                "DELETE FROM broadcasts WHERE event_id = ? AND reminder_offset IS NOT NULL"
                " AND state = 'scheduled'"
                " AND reminder_offset NOT IN (SELECT value FROM json_each(?))",
                (event_id, json.dumps(sorted(reminders))),
            )
        return added


async def _insert(
    conn: aiosqlite.Connection,
    *,
    kind: str,
    payload: Mapping[str, Any],
    title: str,
    audience_json: str,
    state: str,
    created_by: int | None,
    admin_language: str | None,
    scheduled_at: datetime | None,
    progress_chat_id: int | None,
    event_id: str | None = None,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO broadcasts (kind, payload, title, audience, state, created_by,"
        " admin_language, created_at, scheduled_at, progress_chat_id, event_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            kind,
            json.dumps(dict(payload), ensure_ascii=False),
            title,
            audience_json,
            state,
            created_by,
            admin_language,
            to_db(now_utc()),
            None if scheduled_at is None else to_db(scheduled_at),
            progress_chat_id,
            event_id,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def _insert_targets(conn: aiosqlite.Connection, rows: list[tuple[object, ...]]) -> None:
    await conn.executemany(
        "INSERT OR IGNORE INTO broadcast_outbox (broadcast_id, chat_id, chat_type, language, data)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )


async def _count_rows(conn: aiosqlite.Connection, broadcast_id: int) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ?", (broadcast_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
