"""Repository for audience questions: asking, moderation, upvotes, ranked pages, export.

Upvotes are in :mod:`storage.question_votes`; each question's ``upvotes`` column is kept
equal to the number of its votes by triggers (migration 0008), so a ranking is one indexed
query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import aiosqlite

from storage.clock import from_db, now_utc, optional_from_db, to_db
from storage.db import Database

PENDING, APPROVED, REJECTED, ANSWERED = "pending", "approved", "rejected", "answered"
STATUSES = (PENDING, APPROVED, REJECTED, ANSWERED)
ALL_SPEAKERS = "*"
"""Speaker filter: every question (no speaker key is ``*``); ``None`` means the questions to
everyone, any other value one speaker's."""
MAX_ID = 2**63 - 1
"""SQLite's largest integer: ids from button data beyond it name no question."""


def storable_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class Question:
    id: int
    event_id: str
    speaker_key: str | None
    """None: asked to everyone."""
    author_id: int
    author_name: str
    language: str
    text: str
    status: str
    upvotes: int
    asked_at: datetime
    moderated_by: int | None = None
    moderated_at: datetime | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class NewQuestion:
    event_id: str
    speaker_key: str | None
    author_id: int
    author_name: str
    language: str
    text: str
    text_key: str
    """The text folded so that the same question asked twice is recognised."""


class AskOutcome(Enum):
    ASKED = "asked"
    NO_EVENT = "no_event"
    BANNED = "banned"
    DUPLICATE = "duplicate"
    TOO_MANY = "too_many"
    """The author already has ``max_pending`` questions waiting for this event."""


class Action(Enum):
    APPROVE = "approve"
    REJECT = "reject"
    BLOCK = "block"
    """Reject and ban the author from asking more about this event."""
    ANSWER = "answer"


TRANSITIONS: Mapping[Action, tuple[frozenset[str], str]] = {
    Action.APPROVE: (frozenset({PENDING}), APPROVED),
    Action.REJECT: (frozenset({PENDING, APPROVED}), REJECTED),
    Action.BLOCK: (frozenset({PENDING}), REJECTED),
    Action.ANSWER: (frozenset({APPROVED}), ANSWERED),
}
"""Which statuses an action applies to, and the status it leads to."""


@dataclass(frozen=True)
class Page:
    questions: tuple[Question, ...]
    counts: Mapping[str, int]
    """Questions by status (with the speaker filter applied), for every status."""


def _question(row: aiosqlite.Row) -> Question:
    return Question(
        id=int(row["id"]),
        event_id=str(row["event_id"]),
        speaker_key=row["speaker_key"],
        author_id=int(row["author_id"]),
        author_name=str(row["author_name"]),
        language=str(row["language"]),
        text=str(row["text"]),
        status=str(row["status"]),
        upvotes=int(row["upvotes"]),
        asked_at=from_db(row["asked_at"]),
        moderated_by=row["moderated_by"],
        moderated_at=optional_from_db(row["moderated_at"]),
        answered_at=optional_from_db(row["answered_at"]),
    )


def _speaker_clause(speaker: str | None) -> tuple[str, tuple[object, ...]]:
    if speaker == ALL_SPEAKERS:
        return "", ()
    return " AND speaker_key IS ?", (speaker,)


class QuestionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ask(
        self, new: NewQuestion, *, max_pending: int
    ) -> tuple[AskOutcome, Question | None]:
        """Store a question unless the rules refuse it; checked and written in one
        transaction, so two questions sent at once cannot both pass the limit."""
        async with self.db.transaction() as conn:
            checks = await conn.execute_fetchall(
                "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?),"
                " EXISTS (SELECT 1 FROM question_bans WHERE event_id = ? AND user_id = ?),"
                " EXISTS (SELECT 1 FROM questions WHERE event_id = ? AND author_id = ?"
                " AND text_key = ?),"
                " (SELECT COUNT(*) FROM questions WHERE event_id = ? AND author_id = ?"
                " AND status = ?)",
                (
                    new.event_id,
                    new.event_id,
                    new.author_id,
                    new.event_id,
                    new.author_id,
                    new.text_key,
                    new.event_id,
                    new.author_id,
                    PENDING,
                ),
            )
            event, banned, duplicate, waiting = next(iter(checks))
            if not event:
                return AskOutcome.NO_EVENT, None
            if banned:
                return AskOutcome.BANNED, None
            if duplicate:
                return AskOutcome.DUPLICATE, None
            if int(waiting) >= max_pending:
                return AskOutcome.TOO_MANY, None
            rows = await conn.execute_fetchall(
                "INSERT INTO questions (event_id, speaker_key, author_id, author_name, language,"
                " text, text_key, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (
                    new.event_id,
                    new.speaker_key,
                    new.author_id,
                    new.author_name,
                    new.language,
                    new.text,
                    new.text_key,
                    to_db(now_utc()),
                ),
            )
        return AskOutcome.ASKED, _question(next(iter(rows)))

    async def get(self, question_id: int) -> Question | None:
        if not storable_id(question_id):
            return None
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM questions WHERE id = ?", (question_id,)
        )
        return next((_question(row) for row in rows), None)

    async def is_banned(self, event_id: str, user_id: int) -> bool:
        rows = await self.db.conn.execute_fetchall(
            "SELECT 1 FROM question_bans WHERE event_id = ? AND user_id = ?", (event_id, user_id)
        )
        return bool(list(rows))

    async def moderate(
        self, question_id: int, action: Action, expected: str, moderator_id: int
    ) -> tuple[Question | None, bool]:
        """Apply ``action`` if the question is still in status ``expected`` (what the
        moderator saw). Returns the question as it is now and whether this call changed it:
        a second moderator pressing the same button changes nothing."""
        allowed, target = TRANSITIONS[action]
        if not storable_id(question_id):
            return None, False
        now = to_db(now_utc())
        async with self.db.transaction() as conn:
            rows = []
            if expected in allowed:
                rows = list(
                    await conn.execute_fetchall(
                        "UPDATE questions SET status = ?, moderated_by = ?, moderated_at = ?,"
                        " answered_at = CASE WHEN ? = 'answered' THEN ? ELSE answered_at END"
                        " WHERE id = ? AND status = ? RETURNING *",
                        (target, moderator_id, now, target, now, question_id, expected),
                    )
                )
            if rows and action is Action.BLOCK:
                await conn.execute(
                    "INSERT OR IGNORE INTO question_bans (event_id, user_id, banned_by,"
                    " banned_at) VALUES (?, ?, ?, ?)",
                    (rows[0]["event_id"], rows[0]["author_id"], moderator_id, now),
                )
        if rows:
            return _question(rows[0]), True
        return await self.get(question_id), False

    async def page(
        self,
        event_id: str,
        statuses: tuple[str, str],
        *,
        offset: int,
        limit: int,
        speaker: str | None = ALL_SPEAKERS,
        first_speaker: str | None = None,
    ) -> Page:
        """Questions in ``statuses`` — the first status's section before the second's —
        ranked by upvotes, then oldest first (a pending question has none, so a queue is
        oldest first). ``first_speaker`` puts that speaker's questions first within each
        section (the live mode's current speaker)."""
        clause, params = _speaker_clause(speaker)
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM questions WHERE event_id = ? AND status IN (?, ?)"
            + clause
            + " ORDER BY status != ?, coalesce(speaker_key = ?, 0) DESC, upvotes DESC, id"
            " LIMIT ? OFFSET ?",
            (event_id, *statuses, *params, statuses[0], first_speaker, limit, offset),
        )
        return Page(tuple(_question(row) for row in rows), await self.counts(event_id, speaker))

    async def counts(self, event_id: str, speaker: str | None = ALL_SPEAKERS) -> dict[str, int]:
        clause, params = _speaker_clause(speaker)
        rows = await self.db.conn.execute_fetchall(
            "SELECT status, COUNT(*) FROM questions WHERE event_id = ?"
            + clause
            + " GROUP BY status",
            (event_id, *params),
        )
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({str(row[0]): int(row[1]) for row in rows})
        return counts

    async def event_version(self, event_id: str) -> str | None:
        """When the event was last imported (None: not stored): a cached copy of the event
        is current while this is unchanged."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT imported_at FROM events WHERE id = ?", (event_id,)
        )
        return next((str(row[0]) for row in rows), None)

    async def for_event(self, event_id: str) -> list[Question]:
        """Every question of an event, in the order they were asked (the export)."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM questions WHERE event_id = ? ORDER BY id", (event_id,)
        )
        return [_question(row) for row in rows]
