"""Recording what the audience does with an event, at no noticeable cost to the handler.

Handlers (and the digest and live features) call the recording methods of
:class:`Engagement`: each builds one small record and appends it to an in-memory
:class:`EngagementBuffer`, which writes them in batches (every ``max_pending`` records or
``max_delay`` seconds, and at shutdown), like the votes. ``/stats EVENT_ID`` flushes first, so
its figures are exact; ``/forget`` flushes and drops what is still pending of the user before
the rows are deleted.

A crash loses at most the last ``max_delay`` seconds of records: these are statistics, not
state anyone acts on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.services.batching import BatchBuffer
from storage.clock import now_utc
from storage.engagement import (
    CALENDAR,
    LANGUAGE,
    OPEN,
    SOURCES,
    SPEAKER,
    EngagementFigures,
    EngagementRecord,
    EngagementRepository,
)

Sink = Callable[[list[EngagementRecord]], Awaitable[None]]
FollowerCount = Callable[[str], Awaitable[int]]
"""``event_id -> people following it live`` (the live mode's figure)."""


class EngagementBuffer(BatchBuffer[list[EngagementRecord]]):
    """Records waiting to be appended by ``sink``, in arrival order."""

    what = "engagement records"

    def __init__(self, sink: Sink, *, max_pending: int = 1000, max_delay: float = 0.25) -> None:
        super().__init__(max_pending=max_pending, max_delay=max_delay)
        self._sink = sink
        self._records: list[EngagementRecord] = []

    @property
    def pending(self) -> int:
        return len(self._records)

    def add(self, record: EngagementRecord) -> None:
        self._records.append(record)
        self._added()

    def discard_user(self, user_id: int) -> int:
        """Drop the pending records of a user (``/forget``); returns how many."""
        kept = [r for r in self._records if r.user_id != user_id]
        dropped = len(self._records) - len(kept)
        self._records = kept
        return dropped

    def _take(self) -> list[EngagementRecord]:
        batch, self._records = self._records, []
        return batch

    def _give_back(self, batch: list[EngagementRecord]) -> None:
        self._records[:0] = batch

    def _size(self, batch: list[EngagementRecord]) -> int:
        return len(batch)

    async def _write(self, batch: list[EngagementRecord]) -> None:
        await self._sink(batch)


class Engagement:
    """The recording API and the figures of one event.

    ``live_followers``: how the live mode counts an event's followers; None until that
    feature provides it (``/stats`` then leaves the line out). It may be set after
    construction.
    """

    def __init__(
        self,
        repo: EngagementRepository,
        buffer: EngagementBuffer | None = None,
        *,
        live_followers: FollowerCount | None = None,
    ) -> None:
        self.repo = repo
        self.buffer = buffer or EngagementBuffer(repo.add_many)
        self.live_followers = live_followers

    # recording (the hot path: no await, no database round trip) ---------------------------

    def card_opened(self, event_id: str, user_id: int) -> None:
        """Someone asked for the card (a tap in /events, a deep link)."""
        self.buffer.add(EngagementRecord(event_id, OPEN, user_id, now_utc()))

    def speaker_read(
        self, event_id: str, speaker_key: str, user_id: int, *, source: str = "card"
    ) -> None:
        """``user_id`` read the summary of the speaker ``speaker_key`` (``Speaker.key``:
        stable when speakers are reordered or added, unlike their position), on the card's
        speaker pages (``"card"``), in a digest (``"digest"``) or live (``"live"``)."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
        self.buffer.add(
            EngagementRecord(event_id, SPEAKER, user_id, now_utc(), speaker_key, source)
        )

    def language_switched(self, event_id: str, user_id: int, language: str) -> None:
        """A card was switched to ``language``."""
        self.buffer.add(EngagementRecord(event_id, LANGUAGE, user_id, now_utc(), language))

    def calendar_downloaded(self, event_id: str, user_id: int) -> None:
        self.buffer.add(EngagementRecord(event_id, CALENDAR, user_id, now_utc()))

    # reading, forgetting, shutting down ---------------------------------------------------

    async def figures(self, event_id: str) -> EngagementFigures:
        """The event's figures, with every record made so far (the buffer is flushed)."""
        await self.buffer.flush()
        return await self.repo.figures(event_id)

    async def followers(self, event_id: str) -> int | None:
        """The live mode's count of the event's followers, if that feature is wired."""
        return None if self.live_followers is None else await self.live_followers(event_id)

    async def forget_user(self, user_id: int) -> None:
        """Before ``/forget`` deletes the rows: write what is being written, drop the rest of
        the user's pending records (so none is written back after the deletion)."""
        await self.buffer.flush()
        self.buffer.discard_user(user_id)

    async def flush(self) -> None:
        await self.buffer.flush()

    async def close(self) -> None:
        await self.buffer.close()
