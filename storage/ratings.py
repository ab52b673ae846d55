"""Repository for event ratings: one 1–5 rating per user and event, changeable."""

from __future__ import annotations

from datetime import datetime

from storage.clock import now_utc, to_db
from storage.db import Database
from storage.models import RatingSummary

MIN_STARS = 1
MAX_STARS = 5


class RatingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def rate(self, event_id: str, user_id: int, stars: int) -> RatingSummary:
        """Store (or change) ``user_id``'s rating of an event; returns the new summary."""
        if not MIN_STARS <= stars <= MAX_STARS:
            raise ValueError(f"a rating is {MIN_STARS} to {MAX_STARS} stars, got {stars}")
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO event_ratings (event_id, user_id, stars, rated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO UPDATE SET"
                " stars = excluded.stars, rated_at = excluded.rated_at",
                (event_id, user_id, stars, to_db(now_utc())),
            )
        return await self.summary(event_id)

    async def summary(self, event_id: str) -> RatingSummary:
        async with self.db.read(
            "SELECT COUNT(*), AVG(stars) FROM event_ratings WHERE event_id = ?", (event_id,)
        ) as cur:
            row = await cur.fetchone()
        votes = int(row[0]) if row else 0
        return RatingSummary(votes=votes, average=float(row[1]) if row and votes else None)

    async def user_rating(self, event_id: str, user_id: int) -> int | None:
        async with self.db.read(
            "SELECT stars FROM event_ratings WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else int(row[0])

    async def events_to_offer(self, ended_after: datetime, ended_before: datetime) -> list[str]:
        """Events that ended in ``[ended_after, ended_before)`` and were not offered yet.

        An event without ``ends_at`` counts as ended when it started.
        """
        async with self.db.read(
            "SELECT e.id FROM events e LEFT JOIN rating_offers r ON r.event_id = e.id"
            " WHERE r.event_id IS NULL AND COALESCE(e.ends_at, e.starts_at) >= ?"
            " AND COALESCE(e.ends_at, e.starts_at) < ? ORDER BY e.starts_at",
            (to_db(ended_after), to_db(ended_before)),
        ) as cur:
            return [str(r[0]) for r in await cur.fetchall()]

    async def mark_offered(self, event_id: str) -> bool:
        """Record that an event's rating prompt went out; False if it had already."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO rating_offers (event_id, offered_at) VALUES (?, ?)",
                (event_id, to_db(now_utc())),
            )
        return cursor.rowcount == 1
