"""Poll results: the aggregate over every chat's instance, and percentages that add up.

No Telegram types and no SQL: the repository gives per-instance tallies, this module sums
them and rounds percentages with the largest remainder method, so that 33/30/24/21 votes read
31%, 28%, 22%, 19% (the seed's figures) and never 101%.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.votes import VoteIntake
from storage.events import EventRepository
from storage.models import Localized, PollDef
from storage.polls import InstanceTally, PollInstance, PollRepository, PollStatus


@dataclass(frozen=True)
class PollResults:
    counts: tuple[int, ...]
    """Votes per option, in the poll's option order."""
    voters: int
    """People who voted (one per person even with several answers)."""
    closed: bool = False

    @property
    def total_votes(self) -> int:
        return sum(self.counts)

    def percentages(self) -> list[int]:
        return largest_remainder(self.counts)

    def to_dict(self) -> dict[str, Any]:
        return {"counts": list(self.counts), "voters": self.voters, "closed": self.closed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PollResults:
        return cls(
            counts=tuple(int(c) for c in data["counts"]),
            voters=int(data["voters"]),
            closed=bool(data.get("closed", False)),
        )


def largest_remainder(counts: Sequence[int], total: int = 100) -> list[int]:
    """Integer shares of ``total`` proportional to ``counts`` that sum exactly to ``total``.

    Each share starts as its quota rounded down; the points still missing go to the largest
    remainders (ties: the larger count, then the earlier option). All zero gives all zero.
    """
    whole = sum(counts)
    if whole <= 0:
        return [0] * len(counts)
    shares = [count * total // whole for count in counts]
    remainders = [count * total % whole for count in counts]
    missing = total - sum(shares)
    order = sorted(range(len(counts)), key=lambda i: (-remainders[i], -counts[i], i))
    for index in order[:missing]:
        shares[index] += 1
    return shares


def aggregate(tallies: Iterable[InstanceTally], option_count: int, *, closed: bool) -> PollResults:
    counts = [0] * option_count
    voters = 0
    for tally in tallies:
        for index, count in enumerate(tally.counts[:option_count]):
            counts[index] += count
        voters += tally.voters
    return PollResults(counts=tuple(counts), voters=voters, closed=closed)


def new_poll_id() -> str:
    """A short id for a poll made in chat, easy to type after ``/results``."""
    return "p" + secrets.token_hex(3)


class PollService:
    """Poll definitions, status and results, over the repositories and the vote intake."""

    def __init__(self, events: EventRepository, repo: PollRepository, intake: VoteIntake):
        self.events = events
        self.repo = repo
        self.intake = intake

    async def definition(self, poll_id: str) -> PollDef | None:
        return await self.events.get_poll(poll_id)

    async def status(self, poll_id: str) -> PollStatus:
        return await self.repo.status(poll_id)

    async def results(self, poll: PollDef) -> PollResults:
        """The aggregate over all instances, after writing the votes still buffered."""
        await self.intake.flush()
        status = await self.repo.status(poll.id)
        tallies = await self.repo.tallies(poll.id, len(poll.options), anonymous=poll.anonymous)
        return aggregate(tallies, len(poll.options), closed=status.closed)

    async def create(
        self,
        question: str,
        options: Sequence[str],
        language: str,
        *,
        anonymous: bool = False,
        multiple_answers: bool = False,
        hide_results: bool = False,
        closes_at: datetime | None = None,
    ) -> PollDef:
        """Store a poll an admin wrote in chat (one language; every reader sees it as is)."""
        poll_id = new_poll_id()
        while await self.events.get_poll(poll_id) is not None:
            poll_id = new_poll_id()
        poll = PollDef(
            id=poll_id,
            question=Localized({language: question}, language),
            options=tuple(Localized({language: text}, language) for text in options),
            multiple_answers=multiple_answers,
            anonymous=anonymous,
            closes_at=closes_at,
            hide_results=hide_results,
        )
        await self.events.save_poll(poll, language)
        return poll

    async def close(self, poll_id: str) -> bool:
        """Mark a poll closed (once): later votes are ignored. The buffer is flushed so the
        stored counts are complete before the instances are stopped."""
        closed_now = await self.repo.mark_closed(poll_id)
        self.intake.forget_poll(poll_id)
        await self.intake.flush()
        return closed_now

    async def has_instance(self, poll_id: str, chat_id: int) -> bool:
        return await self.repo.has_instance(poll_id, chat_id)

    async def record_instance(self, instance: PollInstance) -> None:
        await self.repo.record_instance(instance)

    async def record_final(self, telegram_poll_id: str, counts: Sequence[int], voters: int) -> None:
        await self.repo.set_final_counts(telegram_poll_id, counts, voters)
