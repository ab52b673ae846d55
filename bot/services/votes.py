"""Taking votes in: validate each ``poll_answer``/``poll`` update cheaply, store in batches.

A vote is checked against an in-memory cache of poll instances (one database read the first
time an instance is seen), then put in a :class:`VoteBuffer` that writes many votes in one
transaction. Committing each vote separately costs about half of the update rate a bare
python-telegram-bot application reaches; batching keeps the handler near that rate.

What a crash loses from the buffer (and what python-telegram-bot fetched but did not handle)
is recovered when the poll closes: the final ``Poll`` from ``stopPoll`` replaces each
instance's counts.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.services.batching import BatchBuffer
from storage.polls import CountsRecord, InstanceInfo, PollRepository, VoteRecord, options_mask

log = logging.getLogger(__name__)

Sink = Callable[[Sequence[VoteRecord], Sequence[CountsRecord]], Awaitable[None]]


_VoteBatch = tuple[dict[tuple[str, int], VoteRecord], dict[str, CountsRecord]]


class VoteBuffer(BatchBuffer[_VoteBatch]):
    """Pending votes and counts, written by ``sink`` in one call per flush.

    A flush happens when ``max_pending`` records wait, ``max_delay`` seconds after the first
    pending record, or when asked (before results are computed, at closing, at shutdown).
    Within a key only the record of the newest update is kept.
    """

    what = "votes"

    def __init__(self, sink: Sink, *, max_pending: int = 500, max_delay: float = 0.1) -> None:
        super().__init__(max_pending=max_pending, max_delay=max_delay)
        self._sink = sink
        self._votes: dict[tuple[str, int], VoteRecord] = {}
        self._counts: dict[str, CountsRecord] = {}

    @property
    def pending(self) -> int:
        return len(self._votes) + len(self._counts)

    def add_vote(self, record: VoteRecord) -> None:
        key = (record.telegram_poll_id, record.voter_id)
        current = self._votes.get(key)
        if current is None or record.update_id > current.update_id:
            self._votes[key] = record
        self._added()

    def add_counts(self, record: CountsRecord) -> None:
        current = self._counts.get(record.telegram_poll_id)
        if current is None or record.update_id > current.update_id:
            self._counts[record.telegram_poll_id] = record
        self._added()

    def _take(self) -> _VoteBatch:
        batch = (self._votes, self._counts)
        self._votes, self._counts = {}, {}
        return batch

    def _size(self, batch: _VoteBatch) -> int:
        return len(batch[0]) + len(batch[1])

    async def _write(self, batch: _VoteBatch) -> None:
        await self._sink(list(batch[0].values()), list(batch[1].values()))

    def _give_back(self, batch: _VoteBatch) -> None:
        votes, counts = batch
        for key, vote in votes.items():
            newer = self._votes.get(key)
            if newer is None or newer.update_id < vote.update_id:
                self._votes[key] = vote
        for poll_key, record in counts.items():
            newer_counts = self._counts.get(poll_key)
            if newer_counts is None or newer_counts.update_id < record.update_id:
                self._counts[poll_key] = record


class VoteOutcome(enum.Enum):
    STORED = "stored"
    UNKNOWN_POLL = "unknown poll"
    CLOSED = "closed"
    WRONG_CHAT = "wrong chat"
    INVALID = "invalid"


class VoteIntake:
    """Validates votes and counts for poll instances and hands them to the buffer."""

    def __init__(self, polls: PollRepository, buffer: VoteBuffer | None = None) -> None:
        self.polls = polls
        self.buffer = buffer or VoteBuffer(polls.apply)
        self._instances: dict[str, InstanceInfo] = {}
        self.handled = 0
        """Votes and counts looked at so far, stored or not (monitoring, tests)."""

    async def answer(
        self,
        telegram_poll_id: str,
        voter_id: int,
        option_ids: Sequence[int],
        update_id: int,
        *,
        voter_is_chat: bool = False,
    ) -> VoteOutcome:
        """A ``poll_answer``: ``voter_id`` is the user, or the chat when an anonymous group
        admin voted on its behalf (``voter_is_chat``). Empty ``option_ids`` retracts.

        The hot path: a dictionary lookup and a buffer append, no database round trip
        once the instance is cached.
        """
        info = self._instances.get(telegram_poll_id) or await self._load(telegram_poll_id)
        self.handled += 1
        if info is None:
            return VoteOutcome.UNKNOWN_POLL
        if info.closed:
            return VoteOutcome.CLOSED
        if info.anonymous:
            return VoteOutcome.INVALID  # Telegram sends no answers for anonymous polls
        if not _own_instance(info, voter_id, voter_is_chat=voter_is_chat):
            return VoteOutcome.WRONG_CHAT
        if not _valid_choice(info, option_ids):
            return VoteOutcome.INVALID
        self.buffer.add_vote(
            VoteRecord(telegram_poll_id, voter_id, options_mask(option_ids), update_id)
        )
        return VoteOutcome.STORED

    async def counts(
        self, telegram_poll_id: str, counts: Sequence[int], voters: int, update_id: int
    ) -> VoteOutcome:
        """A ``poll`` update: the counts of one instance of an anonymous poll.

        Updates for non-anonymous polls are not needed (their per-user answers are stored)
        and are reported as INVALID.
        """
        info = self._instances.get(telegram_poll_id) or await self._load(telegram_poll_id)
        self.handled += 1
        if info is None:
            return VoteOutcome.UNKNOWN_POLL
        if info.closed:
            return VoteOutcome.CLOSED
        if (
            not info.anonymous
            or len(counts) != info.option_count
            or voters < 0
            or any(c < 0 for c in counts)
        ):
            return VoteOutcome.INVALID
        self.buffer.add_counts(CountsRecord(telegram_poll_id, tuple(counts), voters, update_id))
        return VoteOutcome.STORED

    def forget_poll(self, poll_id: str) -> None:
        """Drop cached instances of a poll (closed, or changed): later votes re-read them."""
        for key in [k for k, v in self._instances.items() if v.poll_id == poll_id]:
            del self._instances[key]

    async def flush(self) -> None:
        await self.buffer.flush()

    async def close(self) -> None:
        await self.buffer.close()

    async def _load(self, telegram_poll_id: str) -> InstanceInfo | None:
        info = await self.polls.instance_info(telegram_poll_id)
        if info is not None:
            self._instances[telegram_poll_id] = info
        return info


def _own_instance(info: InstanceInfo, voter_id: int, *, voter_is_chat: bool) -> bool:
    """A private chat votes only through the poll sent to it (its user's vote); in a group
    any member votes, and a chat voting as itself must be the instance's chat."""
    if voter_is_chat or info.chat_id > 0:
        return voter_id == info.chat_id
    return True


def _valid_choice(info: InstanceInfo, option_ids: Sequence[int]) -> bool:
    if len(option_ids) == 1:  # by far the most common answer
        return 0 <= option_ids[0] < info.option_count
    if len(set(option_ids)) != len(option_ids):
        return False
    if len(option_ids) > 1 and not info.multiple_answers:
        return False
    return all(0 <= option < info.option_count for option in option_ids)
