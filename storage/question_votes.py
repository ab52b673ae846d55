"""Upvotes of audience questions: one per user and question, toggled by a 👍 press.

Votes are rows of ``question_votes``; triggers (migration 0008) keep each question's
``upvotes`` equal to their number inside the transaction that adds or removes one, so the
counts are exact however many presses arrive at once. Presses are applied in batches (see
``bot/services/upvotes.py``): a burst costs a few transactions, not one per press.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from storage.clock import now_utc, to_db
from storage.db import Database
from storage.questions import ANSWERED, APPROVED, storable_id


class VoteOutcome(Enum):
    ON = "on"
    OFF = "off"
    OWN = "own"
    ANSWERED = "answered"
    CLOSED = "closed"
    """Pending or rejected: not open for votes."""
    UNKNOWN = "unknown"
    """No such question, or one of another event."""


@dataclass(frozen=True)
class Press:
    event_id: str
    question_id: int
    user_id: int


@dataclass(frozen=True)
class Pressed:
    outcome: VoteOutcome
    upvotes: int
    """The question's count once the press is stored (0 for UNKNOWN)."""


class QuestionVoteRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def toggle_votes(self, presses: Sequence[Press]) -> list[Pressed]:
        """Apply a batch of 👍 presses in one transaction, in order: each adds the user's vote
        or, if there is one, removes it. Only approved questions of the press's event take
        votes, and not from their author. One result per press; the counts are those after
        the whole batch."""
        if not presses:
            return []
        ids = sorted({press.question_id for press in presses if storable_id(press.question_id)})
        async with self.db.transaction() as conn:
            found = {
                int(row[0]): (str(row[1]), str(row[2]), int(row[3]))
                for row in await conn.execute_fetchall(
                    "SELECT id, event_id, status, author_id FROM questions"
                    " WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(ids),),
                )
            }
            pairs = sorted({(p.question_id, p.user_id) for p in presses if p.question_id in found})
            state = {
                (int(row[0]), int(row[1]))
                for row in await conn.execute_fetchall(
                    "SELECT question_id, user_id FROM question_votes"
                    " WHERE (question_id, user_id) IN (SELECT json_extract(value, '$[0]'),"
                    " json_extract(value, '$[1]') FROM json_each(?))",
                    (json.dumps(pairs),),
                )
            }
            before = set(state)
            outcomes: list[VoteOutcome] = []
            for press in presses:
                outcome = _refusal(press, found.get(press.question_id))
                if outcome is None:
                    pair = (press.question_id, press.user_id)
                    outcome = VoteOutcome.OFF if pair in state else VoteOutcome.ON
                    state.symmetric_difference_update({pair})
                outcomes.append(outcome)
            now = to_db(now_utc())
            if state - before:
                await conn.executemany(
                    "INSERT INTO question_votes (question_id, user_id, voted_at) VALUES (?, ?, ?)",
                    [(q, u, now) for q, u in sorted(state - before)],
                )
            if before - state:
                await conn.executemany(
                    "DELETE FROM question_votes WHERE question_id = ? AND user_id = ?",
                    sorted(before - state),
                )
            counts = {
                int(row[0]): int(row[1])
                for row in await conn.execute_fetchall(
                    "SELECT id, upvotes FROM questions"
                    " WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(ids),),
                )
            }
        return [
            Pressed(outcome, 0 if outcome is VoteOutcome.UNKNOWN else counts.get(p.question_id, 0))
            for p, outcome in zip(presses, outcomes, strict=True)
        ]


def _refusal(press: Press, found: tuple[str, str, int] | None) -> VoteOutcome | None:
    """Why a press takes no vote (None: it does)."""
    if found is None or found[0] != press.event_id:
        return VoteOutcome.UNKNOWN
    _, status, author_id = found
    if status == ANSWERED:
        return VoteOutcome.ANSWERED
    if status != APPROVED:
        return VoteOutcome.CLOSED
    if author_id == press.user_id:
        return VoteOutcome.OWN
    return None
