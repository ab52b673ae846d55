"""Repository for the live mode: follows, live sessions and what each session sent.

Read API for other features: :meth:`LiveRepository.current_speaker` (the key of the speaker
now speaking at an event that is live) and :meth:`LiveRepository.open_session`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.clock import from_db, now_utc, optional_from_db, to_db
from storage.db import Database

END = "end"
"""The action of the End live button."""


@dataclass(frozen=True)
class Follower:
    chat_id: int
    chat_type: str
    language: str
    """The subscriber's current language if the chat is subscribed, else the one it had when
    it followed."""


@dataclass(frozen=True)
class LiveSession:
    id: int
    event_id: str
    started_by: int | None
    started_at: datetime
    ended_at: datetime | None
    current_speaker: str | None
    """Key of the speaker last announced as speaking (None before the first)."""

    @property
    def open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class LiveSend:
    session_id: int
    action: str
    recipients: int
    payloads: tuple[Mapping[str, Any], ...]
    """The parts of the message, in order ("rendered" payloads)."""
    broadcasts: tuple[int, ...]
    """The broadcasts started so far, one per part."""

    @property
    def complete(self) -> bool:
        return len(self.broadcasts) >= len(self.payloads)


def say_action(speaker_key: str) -> str:
    return f"say:{speaker_key}"


def summary_action(speaker_key: str) -> str:
    return f"sum:{speaker_key}"


class LiveRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # follows ------------------------------------------------------------------------------

    async def follow(self, event_id: str, chat_id: int, chat_type: str, language: str) -> None:
        """Follow (again: a follow deactivated by a 403 becomes active)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO live_follows (event_id, chat_id, chat_type, language, active,"
                " followed_at) VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (event_id, chat_id)"
                " DO UPDATE SET chat_type = excluded.chat_type, language = excluded.language,"
                " active = 1, followed_at = excluded.followed_at",
                (event_id, chat_id, chat_type, language, to_db(now_utc())),
            )

    async def unfollow(self, event_id: str, chat_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM live_follows WHERE event_id = ? AND chat_id = ?",
                (event_id, chat_id),
            )
        return cursor.rowcount == 1

    async def is_following(self, event_id: str, chat_id: int) -> bool:
        async with self.db.read(
            "SELECT 1 FROM live_follows WHERE event_id = ? AND chat_id = ? AND active = 1",
            (event_id, chat_id),
        ) as cur:
            return await cur.fetchone() is not None

    async def deactivate(self, chat_id: int) -> int:
        """The chat blocked the bot (or removed it): its follows stop until it follows again."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE live_follows SET active = 0 WHERE chat_id = ? AND active = 1", (chat_id,)
            )
        return cursor.rowcount

    async def followers(self, event_id: str) -> list[Follower]:
        async with self.db.read(
            "SELECT f.chat_id, f.chat_type, COALESCE(s.language, f.language)"
            " FROM live_follows f LEFT JOIN subscribers s ON s.chat_id = f.chat_id"
            " WHERE f.event_id = ? AND f.active = 1 ORDER BY f.chat_id",
            (event_id,),
        ) as cur:
            return [Follower(int(r[0]), str(r[1]), str(r[2])) for r in await cur.fetchall()]

    async def follower_count(self, event_id: str) -> int:
        async with self.db.read(
            "SELECT COUNT(*) FROM live_follows WHERE event_id = ? AND active = 1", (event_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # sessions -----------------------------------------------------------------------------

    async def start(self, event_id: str, started_by: int | None) -> tuple[LiveSession, bool]:
        """The event's open session, started now if there is none; ``(session, started)``."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO live_sessions (event_id, started_by, started_at)"
                " VALUES (?, ?, ?)",
                (event_id, started_by, to_db(now_utc())),
            )
            started = cursor.rowcount == 1
            async with conn.execute(
                "SELECT * FROM live_sessions WHERE event_id = ? AND ended_at IS NULL",
                (event_id,),
            ) as cur:
                row = await cur.fetchone()
        assert row is not None
        return _session(row), started

    async def session(self, session_id: int) -> LiveSession | None:
        async with self.db.read("SELECT * FROM live_sessions WHERE id = ?", (session_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else _session(row)

    async def open_session(self, event_id: str) -> LiveSession | None:
        """The event's session if it is live now."""
        async with self.db.read(
            "SELECT * FROM live_sessions WHERE event_id = ? AND ended_at IS NULL", (event_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _session(row)

    async def current_speaker(self, event_id: str) -> str | None:
        """Key of the speaker now speaking, if the event is live and one was announced."""
        session = await self.open_session(event_id)
        return None if session is None else session.current_speaker

    async def set_current_speaker(self, session_id: int, speaker_key: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE live_sessions SET current_speaker = ? WHERE id = ? AND ended_at IS NULL",
                (speaker_key, session_id),
            )

    # sends --------------------------------------------------------------------------------

    async def claim(
        self,
        session_id: int,
        action: str,
        sent_by: int | None,
        payloads: Sequence[Mapping[str, Any]],
    ) -> bool:
        """Record that ``action`` is being sent, once: False if it was already (or the session
        is over). For :data:`END` the session ends in the same transaction."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO live_sends (session_id, action, sent_by, sent_at,"
                " payloads) SELECT id, ?, ?, ?, ? FROM live_sessions"
                " WHERE id = ? AND ended_at IS NULL",
                (action, sent_by, to_db(now_utc()), json.dumps(list(payloads)), session_id),
            )
            claimed = cursor.rowcount == 1
            if claimed and action == END:
                await conn.execute(
                    "UPDATE live_sessions SET ended_at = ? WHERE id = ?",
                    (to_db(now_utc()), session_id),
                )
        return claimed

    async def release(self, session_id: int, action: str) -> None:
        """Undo a claim that sent nothing (nobody followed), so the button works later."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM live_sends WHERE session_id = ? AND action = ? AND action != ?",
                (session_id, action, END),
            )

    async def record_part(
        self, session_id: int, action: str, broadcast_id: int, recipients: int | None = None
    ) -> None:
        """A part's broadcast started (``recipients``: of the first part, the total)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE live_sends SET broadcasts = json_insert(broadcasts, '$[#]', ?),"
                " recipients = COALESCE(?, recipients) WHERE session_id = ? AND action = ?",
                (broadcast_id, recipients, session_id, action),
            )

    async def drop_parts(self, session_id: int, action: str) -> None:
        """The parts not started yet will not be (cancelled, or nobody left to read them)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE live_sends SET payloads = (SELECT json_group_array(json(p.value))"
                " FROM json_each(live_sends.payloads) p"
                " WHERE p.key < json_array_length(live_sends.broadcasts))"
                " WHERE session_id = ? AND action = ?",
                (session_id, action),
            )

    async def sent_actions(self, session_id: int) -> set[str]:
        async with self.db.read(
            "SELECT action FROM live_sends WHERE session_id = ?", (session_id,)
        ) as cur:
            return {str(r[0]) for r in await cur.fetchall()}

    async def get_send(self, session_id: int, action: str) -> LiveSend | None:
        async with self.db.read(
            "SELECT * FROM live_sends WHERE session_id = ? AND action = ?", (session_id, action)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _send(row)

    async def unfinished_sends(self) -> list[LiveSend]:
        """Sends with parts still to start (a restart came between two parts)."""
        async with self.db.read(
            "SELECT * FROM live_sends WHERE json_array_length(broadcasts) BETWEEN 1"
            " AND json_array_length(payloads) - 1 ORDER BY sent_at"
        ) as cur:
            return [_send(row) for row in await cur.fetchall()]


def _session(row: aiosqlite.Row) -> LiveSession:
    return LiveSession(
        id=int(row["id"]),
        event_id=str(row["event_id"]),
        started_by=None if row["started_by"] is None else int(row["started_by"]),
        started_at=from_db(row["started_at"]),
        ended_at=optional_from_db(row["ended_at"]),
        current_speaker=row["current_speaker"],
    )


def _send(row: aiosqlite.Row) -> LiveSend:
    return LiveSend(
        session_id=int(row["session_id"]),
        action=str(row["action"]),
        recipients=int(row["recipients"]),
        payloads=tuple(json.loads(row["payloads"])),
        broadcasts=tuple(int(b) for b in json.loads(row["broadcasts"])),
    )
