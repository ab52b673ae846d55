"""Poll storage and vote intake without Telegram: validation, batching, ordering, finals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.services.polls import PollService
from bot.services.votes import VoteBuffer, VoteIntake, VoteOutcome
from storage.db import Database
from storage.events import EventRepository
from storage.models import Localized, PollDef
from storage.polls import CountsRecord, PollInstance, PollRepository, VoteRecord
from tests.poll_helpers import until

GROUP = -1001
PRIVATE = 501


def _poll(poll_id: str, *, anonymous: bool = False, multiple: bool = False) -> PollDef:
    return PollDef(
        id=poll_id,
        question=Localized({"en": "Q?"}, "en"),
        options=tuple(Localized({"en": f"option {i}"}, "en") for i in range(4)),
        anonymous=anonymous,
        multiple_answers=multiple,
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "polls.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def service(db: Database) -> PollService:
    events = EventRepository(db)
    for poll in (_poll("named"), _poll("multi", multiple=True), _poll("anon", anonymous=True)):
        await events.save_poll(poll, "en")
    repo = PollRepository(db)
    for number, (poll_id, chat) in enumerate(
        [("named", GROUP), ("named", PRIVATE), ("multi", GROUP), ("anon", GROUP), ("anon", -2)]
    ):
        await repo.record_instance(
            PollInstance(f"tg-{poll_id}-{chat}", poll_id, chat, 10 + number, "en")
        )
    return PollService(events, repo, VoteIntake(repo, VoteBuffer(repo.apply, max_delay=60)))


async def _results(service: PollService, poll_id: str) -> tuple[tuple[int, ...], int]:
    poll = await service.definition(poll_id)
    assert poll is not None
    results = await service.results(poll)
    return results.counts, results.voters


async def test_votes_change_retract_and_agree_with_counts(service: PollService) -> None:
    intake = service.intake
    answer = intake.answer
    assert await answer("tg-named--1001", 1, [0], 1) is VoteOutcome.STORED
    assert await answer("tg-named--1001", 2, [1], 2) is VoteOutcome.STORED
    assert await answer("tg-named--1001", 3, [1], 3) is VoteOutcome.STORED
    assert await answer("tg-named--1001", 1, [2], 4) is VoteOutcome.STORED  # changed
    assert await answer("tg-named--1001", 3, [], 5) is VoteOutcome.STORED  # retracted
    assert await answer("tg-named-501", PRIVATE, [2], 6) is VoteOutcome.STORED
    assert await _results(service, "named") == ((0, 1, 2, 0), 3)
    # an older answer handled late changes nothing, in the same batch or a later one
    assert await answer("tg-named--1001", 1, [3], 0) is VoteOutcome.STORED
    assert await _results(service, "named") == ((0, 1, 2, 0), 3)
    # a retracted vote is not resurrected by an older answer
    assert await answer("tg-named--1001", 3, [1], 4) is VoteOutcome.STORED
    assert await _results(service, "named") == ((0, 1, 2, 0), 3)


async def test_bad_votes_are_ignored(service: PollService) -> None:
    answer = service.intake.answer
    assert await answer("no-such-poll", 1, [0], 1) is VoteOutcome.UNKNOWN_POLL
    assert await answer("tg-named-501", 777, [0], 2) is VoteOutcome.WRONG_CHAT
    assert await answer("tg-named--1001", -1001, [0], 3, voter_is_chat=True) is (
        VoteOutcome.STORED
    )
    assert await answer("tg-named--1001", -5, [0], 4, voter_is_chat=True) is (
        VoteOutcome.WRONG_CHAT
    )
    assert await answer("tg-named--1001", 1, [4], 5) is VoteOutcome.INVALID
    assert await answer("tg-named--1001", 1, [-1], 6) is VoteOutcome.INVALID
    assert await answer("tg-named--1001", 1, [0, 1], 7) is VoteOutcome.INVALID  # single answer
    assert await answer("tg-multi--1001", 1, [0, 0], 8) is VoteOutcome.INVALID
    assert await answer("tg-multi--1001", 1, [0, 3], 9) is VoteOutcome.STORED
    assert await answer("tg-anon--1001", 1, [0], 10) is VoteOutcome.INVALID  # no answers there
    assert await _results(service, "named") == ((1, 0, 0, 0), 1)
    assert await _results(service, "multi") == ((1, 0, 0, 1), 1)


async def test_anonymous_counts_latest_update_per_instance(service: PollService) -> None:
    counts = service.intake.counts
    assert await counts("tg-anon--1001", [1, 0, 0, 0], 1, 10) is VoteOutcome.STORED
    assert await counts("tg-anon--1001", [3, 1, 0, 0], 4, 12) is VoteOutcome.STORED
    assert await counts("tg-anon--1001", [2, 1, 0, 0], 3, 11) is VoteOutcome.STORED  # older
    assert await counts("tg-anon--2", [0, 0, 5, 1], 6, 13) is VoteOutcome.STORED
    assert await _results(service, "anon") == ((3, 1, 5, 1), 10)
    assert await counts("tg-anon--2", [0, 0, 6, 1], 7, 9) is VoteOutcome.STORED  # older, later
    assert await _results(service, "anon") == ((3, 1, 5, 1), 10)
    assert await counts("tg-anon--2", [1, 2], 3, 20) is VoteOutcome.INVALID
    assert await counts("tg-anon--2", [0, 0, -1, 0], 3, 21) is VoteOutcome.INVALID
    assert await counts("tg-named--1001", [1, 0, 0, 0], 1, 22) is VoteOutcome.INVALID


async def test_closing_ignores_late_votes_and_final_counts_win(service: PollService) -> None:
    answer = service.intake.answer
    await answer("tg-named--1001", 1, [0], 1)
    await answer("tg-named--1001", 2, [0], 2)
    assert await service.close("named") is True
    assert await service.close("named") is False  # once
    assert await answer("tg-named--1001", 3, [1], 3) is VoteOutcome.CLOSED
    assert await _results(service, "named") == ((2, 0, 0, 0), 2)
    # Telegram held one more vote than we stored (lost in a crash): its count replaces ours
    await service.record_final("tg-named--1001", [2, 1, 0, 0], 3)
    poll = await service.definition("named")
    assert poll is not None
    results = await service.results(poll)
    assert (results.counts, results.voters, results.closed) == ((2, 1, 0, 0), 3, True)
    repo = service.repo
    assert [i.closed for i in await repo.instances("named")] == [True, False]
    assert [i.chat_id for i in await repo.instances("named", open_only=True)] == [PRIVATE]


async def test_buffer_flushes_in_batches(db: Database) -> None:
    batches: list[int] = []

    async def sink(votes: Sequence[VoteRecord], counts: Sequence[CountsRecord]) -> None:
        batches.append(len(votes) + len(counts))

    buffer = VoteBuffer(sink, max_pending=100, max_delay=60)
    for voter in range(250):
        buffer.add_vote(VoteRecord("x", voter, 1, voter))
    buffer.add_vote(VoteRecord("x", 0, 2, 1000))  # same voter again: one record
    await buffer.close()
    assert sum(batches) == 250
    assert len(batches) <= 3
    assert buffer.stored == 250 and buffer.pending == 0


async def test_failed_flush_keeps_votes(db: Database) -> None:
    calls: list[int] = []

    async def sink(votes: Sequence[VoteRecord], counts: Sequence[CountsRecord]) -> None:
        calls.append(len(votes))
        if len(calls) == 1:
            raise OSError("disk full")

    buffer = VoteBuffer(sink, max_pending=1000, max_delay=60)
    buffer.add_vote(VoteRecord("x", 1, 1, 1))
    with pytest.raises(OSError):
        await buffer.flush()
    assert buffer.pending == 1
    buffer.add_vote(VoteRecord("x", 1, 4, 2))  # newer than the one kept
    await buffer.flush()
    assert calls == [1, 1] and buffer.pending == 0


async def test_votes_arriving_during_a_flush_are_written_without_more_traffic() -> None:
    release = asyncio.Event()
    written: list[int] = []

    async def slow_sink(votes: Sequence[VoteRecord], counts: Sequence[CountsRecord]) -> None:
        if not written:
            await release.wait()
        written.append(len(votes))

    buffer = VoteBuffer(slow_sink, max_pending=1000, max_delay=0.01)
    buffer.add_vote(VoteRecord("x", 1, 1, 1))

    async def flushing() -> bool:
        return buffer.pending == 0

    await until(flushing, 5, "the first flush to start")
    buffer.add_vote(VoteRecord("x", 2, 1, 2))  # its timer fires while the flush waits

    async def timer_fired() -> bool:
        return buffer._timer is None

    await until(timer_fired, 5, "the second vote's timer")
    release.set()

    async def all_written() -> bool:
        return buffer.stored == 2

    await until(all_written, 5, "the vote that came during the flush")
    assert written == [1, 1]
