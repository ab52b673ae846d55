"""Audience questions in storage: the asking rules, moderation, toggled votes counted in SQL,
ranking, /forget, and a migration numbered below one already applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.questions import question_key
from storage import db as db_module
from storage.db import Database, latest_version, migrations
from storage.events import EventRepository
from storage.privacy import forget_chat
from storage.question_votes import Press, QuestionVoteRepository, VoteOutcome
from storage.questions import (
    ALL_SPEAKERS,
    ANSWERED,
    APPROVED,
    PENDING,
    REJECTED,
    Action,
    AskOutcome,
    NewQuestion,
    Question,
    QuestionRepository,
)
from tests.sample_events import round_table

EVENT, OTHER = "riac-kf-2021", "other-event"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "q.sqlite3")
    events = EventRepository(database)
    await events.save(round_table(EVENT))
    await events.save(round_table(OTHER))
    yield database
    await database.close()


def new(author: int, text: str, *, event: str = EVENT, speaker: str | None = None) -> NewQuestion:
    return NewQuestion(event, speaker, author, f"User {author}", "en", text, question_key(text))


async def asked(repo: QuestionRepository, author: int, text: str, **kwargs: object) -> Question:
    outcome, question = await repo.ask(new(author, text, **kwargs), max_pending=3)  # type: ignore[arg-type]
    assert outcome is AskOutcome.ASKED and question is not None
    return question


async def approved(repo: QuestionRepository, author: int, text: str, **kw: object) -> Question:
    question = await asked(repo, author, text, **kw)
    done, changed = await repo.moderate(question.id, Action.APPROVE, PENDING, 9001)
    assert changed and done is not None
    return done


async def test_asking_rules(db: Database) -> None:
    repo = QuestionRepository(db)
    first = await asked(repo, 1, "  What about <b>Korea</b> & Russia?  ")
    assert first.text == "  What about <b>Korea</b> & Russia?  "  # stored as given
    assert (first.status, first.upvotes, first.speaker_key) == (PENDING, 0, None)
    # the same question again, with other case, spacing or end punctuation: refused
    for again in ("what about <b>korea</b>   &  russia", "WHAT ABOUT <B>KOREA</B> & RUSSIA?!"):
        assert (await repo.ask(new(1, again), max_pending=3))[0] is AskOutcome.DUPLICATE
    # another author may ask it; the same author about another event too
    await asked(repo, 2, "What about <b>Korea</b> & Russia?")
    await asked(repo, 1, "What about <b>Korea</b> & Russia?", event=OTHER)
    await asked(repo, 1, "Second question", speaker="lee")
    await asked(repo, 1, "Third question")
    assert (await repo.ask(new(1, "Fourth question"), max_pending=3))[0] is AskOutcome.TOO_MANY
    # once one is moderated, there is room again
    await repo.moderate(first.id, Action.REJECT, PENDING, 9001)
    await asked(repo, 1, "Fourth question")
    assert (await repo.ask(new(3, "x y z", event="nope"), max_pending=3))[0] is AskOutcome.NO_EVENT


async def test_moderation_transitions_happen_once(db: Database) -> None:
    repo = QuestionRepository(db)
    question = await asked(repo, 1, "Will it rain?")
    done, changed = await repo.moderate(question.id, Action.APPROVE, PENDING, 9001)
    assert changed and done is not None and done.status == APPROVED and done.moderated_by == 9001
    again, changed = await repo.moderate(question.id, Action.APPROVE, PENDING, 8001)
    assert not changed and again is not None and again.moderated_by == 9001
    # a button that saw "pending" cannot reject what is approved meanwhile
    assert not (await repo.moderate(question.id, Action.REJECT, PENDING, 8001))[1]
    # nor can an action apply to a status it does not take
    assert not (await repo.moderate(question.id, Action.APPROVE, APPROVED, 8001))[1]
    answered, changed = await repo.moderate(question.id, Action.ANSWER, APPROVED, 8001)
    assert changed and answered is not None and answered.answered_at is not None
    assert answered.status == ANSWERED
    assert await repo.moderate(10**6, Action.APPROVE, PENDING, 1) == (None, False)
    assert await repo.moderate(2**63, Action.APPROVE, PENDING, 1) == (None, False)
    assert await repo.get(2**64) is None


async def test_reject_and_block_bans_the_author_for_that_event(db: Database) -> None:
    repo = QuestionRepository(db)
    question = await asked(repo, 5, "Spam spam spam")
    blocked, changed = await repo.moderate(question.id, Action.BLOCK, PENDING, 9001)
    assert changed and blocked is not None and blocked.status == REJECTED
    assert await repo.is_banned(EVENT, 5) and not await repo.is_banned(OTHER, 5)
    assert (await repo.ask(new(5, "Another one"), max_pending=3))[0] is AskOutcome.BANNED
    await asked(repo, 5, "Another one", event=OTHER)


async def test_votes_toggle_and_are_counted_in_sql(db: Database) -> None:
    repo, votes = QuestionRepository(db), QuestionVoteRepository(db)
    open_question = await approved(repo, 1, "Open question")
    own = Press(EVENT, open_question.id, 1)
    pending = await asked(repo, 2, "Pending question")
    done = await approved(repo, 3, "Answered question")
    await repo.moderate(done.id, Action.ANSWER, APPROVED, 9001)
    results = await votes.toggle_votes(
        [
            Press(EVENT, open_question.id, 10),  # on
            Press(EVENT, open_question.id, 11),  # on
            Press(EVENT, open_question.id, 10),  # off again, in the same batch
            own,
            Press(EVENT, pending.id, 10),
            Press(EVENT, done.id, 10),
            Press(OTHER, open_question.id, 12),  # another event's button: no such question
            Press(EVENT, 999_999, 10),
            Press(EVENT, 2**63, 10),
        ]
    )
    assert [r.outcome for r in results] == [
        VoteOutcome.ON,
        VoteOutcome.ON,
        VoteOutcome.OFF,
        VoteOutcome.OWN,
        VoteOutcome.CLOSED,
        VoteOutcome.ANSWERED,
        VoteOutcome.UNKNOWN,
        VoteOutcome.UNKNOWN,
        VoteOutcome.UNKNOWN,
    ]
    assert results[0].upvotes == results[1].upvotes == 1  # the count after the batch
    assert (await repo.get(open_question.id)).upvotes == 1  # type: ignore[union-attr]
    second = await votes.toggle_votes([Press(EVENT, open_question.id, 10)])
    assert second[0].outcome is VoteOutcome.ON and second[0].upvotes == 2
    async with db.conn.execute(
        "SELECT COUNT(*) FROM question_votes WHERE question_id = ?", (open_question.id,)
    ) as cursor:
        assert (await cursor.fetchone())[0] == 2  # type: ignore[index]
    assert await votes.toggle_votes([]) == []


async def test_ranking_sections_filters_and_first_speaker(db: Database) -> None:
    repo, votes = QuestionRepository(db), QuestionVoteRepository(db)
    a = await approved(repo, 1, "A, to lee", speaker="lee")
    b = await approved(repo, 2, "B, to everyone")
    c = await approved(repo, 3, "C, to lee", speaker="lee")
    d = await approved(repo, 4, "D, answered")
    waiting = await asked(repo, 5, "E, waiting")
    rejected = await asked(repo, 6, "F, rejected")
    await repo.moderate(rejected.id, Action.REJECT, PENDING, 9001)
    await votes.toggle_votes([Press(EVENT, c.id, u) for u in (10, 11)] + [Press(EVENT, b.id, 10)])
    await votes.toggle_votes([Press(EVENT, d.id, u) for u in (10, 11, 12)])
    await repo.moderate(d.id, Action.ANSWER, APPROVED, 9001)

    board = await repo.page(EVENT, (APPROVED, ANSWERED), offset=0, limit=10)
    assert [q.id for q in board.questions] == [c.id, b.id, a.id, d.id]  # votes, then oldest
    assert board.counts == {PENDING: 1, APPROVED: 3, ANSWERED: 1, REJECTED: 1}
    second = await repo.page(EVENT, (APPROVED, ANSWERED), offset=2, limit=2)
    assert [q.id for q in second.questions] == [a.id, d.id]
    queue = await repo.page(EVENT, (PENDING, APPROVED), offset=0, limit=10)
    assert [q.id for q in queue.questions] == [waiting.id, c.id, b.id, a.id]
    to_lee = await repo.page(EVENT, (PENDING, APPROVED), offset=0, limit=10, speaker="lee")
    assert [q.id for q in to_lee.questions] == [c.id, a.id]
    assert to_lee.counts[APPROVED] == 2
    everyone = await repo.page(EVENT, (PENDING, APPROVED), offset=0, limit=10, speaker=None)
    assert [q.id for q in everyone.questions] == [waiting.id, b.id]
    live = await repo.page(
        EVENT, (APPROVED, ANSWERED), offset=0, limit=10, speaker=ALL_SPEAKERS, first_speaker="lee"
    )
    assert [q.id for q in live.questions] == [c.id, a.id, b.id, d.id]


async def test_forget_deletes_questions_votes_and_their_counts(db: Database) -> None:
    repo, votes = QuestionRepository(db), QuestionVoteRepository(db)
    mine = await approved(repo, 1, "My question")
    theirs = await approved(repo, 2, "Their question")
    await votes.toggle_votes([Press(EVENT, theirs.id, 1), Press(EVENT, theirs.id, 3)])
    await votes.toggle_votes([Press(EVENT, mine.id, 2), Press(EVENT, mine.id, 3)])
    await forget_chat(db, 1, 1)
    assert await repo.get(mine.id) is None
    remaining = await repo.get(theirs.id)
    assert remaining is not None and remaining.upvotes == 1
    async with db.conn.execute("SELECT COUNT(*) FROM question_votes") as cursor:
        assert (await cursor.fetchone())[0] == 1  # type: ignore[index]  # user 3 on theirs


async def test_a_migration_numbered_below_an_applied_one_is_still_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Branches take numbers side by side: 0006 may be applied before 0005 exists."""
    shipped = migrations()
    versions = [version for version, _, _ in shipped]
    assert versions[-1] == latest_version() and len(set(versions)) == len(versions)
    extra = (5, "0005_later.sql", "CREATE TABLE later_one (id INTEGER PRIMARY KEY);")
    without = [m for m in shipped if m[0] != 5]
    monkeypatch.setattr(db_module, "migrations", lambda: without)
    database = await Database.open(tmp_path / "gap.sqlite3")
    assert 5 not in await database.applied_versions()
    assert await database.schema_version() == latest_version()
    await database.close()
    monkeypatch.setattr(db_module, "migrations", lambda: sorted([*without, extra]))
    database = await Database.open(tmp_path / "gap.sqlite3")
    try:
        assert 5 in await database.applied_versions()
        async with database.conn.execute("SELECT COUNT(*) FROM later_one") as cursor:
            assert (await cursor.fetchone())[0] == 0  # type: ignore[index]
        assert await database.migrate() == []
    finally:
        await database.close()
