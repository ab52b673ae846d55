"""Repository for engagement records: what the audience did with an event, append-only.

Records come in batches from :class:`bot.services.engagement.EngagementBuffer`; figures are
``GROUP BY`` queries over the ``engagement_event`` index, never a scan of other tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.clock import to_db
from storage.db import Database

OPEN = "open"
"""A card sent because someone asked for it (a tap in /events, a deep link)."""
SPEAKER = "speaker"
"""A speaker's summary read; ``detail`` is the speaker's key, ``source`` where it was read."""
LANGUAGE = "language"
"""A card switched to another language; ``detail`` is that language."""
CALENDAR = "calendar"
"""The event's ``.ics`` file downloaded."""
KINDS = (OPEN, SPEAKER, LANGUAGE, CALENDAR)

SOURCES = ("card", "digest", "live")
"""Where a speaker's summary can be read: the card's speaker pages, a digest, live mode."""


@dataclass(frozen=True, slots=True)
class EngagementRecord:
    event_id: str
    kind: str
    user_id: int
    at: datetime
    detail: str = ""
    source: str = ""


@dataclass(frozen=True)
class Tally:
    """How many people did something, and how many times in all."""

    people: int = 0
    times: int = 0


@dataclass(frozen=True)
class EngagementFigures:
    opens: Tally = Tally()
    readers: int = 0
    """People who read at least one speaker's summary."""
    speakers: dict[str, int] = field(default_factory=dict)
    """Speaker key -> people who read that speaker's summary (anywhere)."""
    languages: dict[str, int] = field(default_factory=dict)
    """Language -> times a card was switched to it."""
    calendar: Tally = Tally()

    @property
    def switches(self) -> int:
        return sum(self.languages.values())


class EngagementRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_many(self, records: Sequence[EngagementRecord]) -> None:
        """Append ``records`` in one transaction."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO engagement (event_id, kind, user_id, detail, source, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (r.event_id, r.kind, r.user_id, r.detail, r.source, to_db(r.at))
                    for r in records
                ],
            )

    async def figures(self, event_id: str) -> EngagementFigures:
        """Every engagement figure of one event (two queries over its index entries)."""
        async with self.db.read(
            "SELECT kind, COUNT(DISTINCT user_id), COUNT(*) FROM engagement"
            " WHERE event_id = ? GROUP BY kind",
            (event_id,),
        ) as cur:
            by_kind = {str(r[0]): Tally(int(r[1]), int(r[2])) for r in await cur.fetchall()}
        async with self.db.read(
            "SELECT kind, detail, COUNT(DISTINCT user_id), COUNT(*) FROM engagement"
            " WHERE event_id = ? AND kind IN (?, ?) GROUP BY kind, detail",
            (event_id, SPEAKER, LANGUAGE),
        ) as cur:
            rows = await cur.fetchall()
        return EngagementFigures(
            opens=by_kind.get(OPEN, Tally()),
            readers=by_kind.get(SPEAKER, Tally()).people,
            speakers={str(r[1]): int(r[2]) for r in rows if r[0] == SPEAKER},
            languages={str(r[1]): int(r[3]) for r in rows if r[0] == LANGUAGE},
            calendar=by_kind.get(CALENDAR, Tally()),
        )

    async def count(self) -> int:
        """All records stored (tests, diagnostics)."""
        async with self.db.read("SELECT COUNT(*) FROM engagement") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
