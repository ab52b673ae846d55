"""The digest's pure parts (rendering, the payload) and the outbox's part cursor in storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from telegram.constants import MessageLimit

from bot.broadcast.event_kind import NO_RATINGS, digest_payload
from bot.broadcast.kinds import get_kind, rendered_parts
from bot.i18n import translator
from bot.render.digest import render_digest
from bot.render.ratings import render_rating_prompt
from bot.render.speakers import render_speaker_page
from storage.broadcasts import BroadcastRepository, Outcome, Target
from storage.clock import now_utc
from storage.db import Database
from storage.models import Localized, RatingSummary
from storage.privacy import forget_chat
from tests.digest_helpers import SEED_PARTS, seed_event, short_event

LANGS = ("en", "ru", "ko")


def test_the_seed_digest_header_speakers_and_rating_in_every_language() -> None:
    event = seed_event()
    assert event.digest_after == timedelta(hours=2)  # digest = "2h" in the seed's file
    rating = RatingSummary(votes=2, average=4.5)
    for language in LANGS:
        t = translator(language)
        parts = render_digest(event, rating, t)
        assert len(parts) == SEED_PARTS
        header = parts[0].text
        assert event.title.get(language) in header
        assert event.format is not None and event.format.get(language) in header
        assert event.moderator is not None and event.moderator.name.get(language) in header
        assert t._("Summary of the discussion") in header and "2021" in header
        for index, speaker in enumerate(event.speakers):
            page = render_speaker_page(event, index, t)
            assert parts[1 + index].text == page[0].text  # the card's page, word for word
            assert speaker.name.get(language) in parts[1 + index].text
            assert parts[1 + index].buttons == ()  # no card navigation in a digest
        assert parts[-1] == render_rating_prompt(event, rating, t)  # /rate's, with buttons
        assert all(len(p.text) <= MessageLimit.MAX_TEXT_LENGTH for p in parts)
    assert "Итоги дискуссии" in render_digest(event, rating, translator("ru"))[0].text


def test_a_long_summary_is_split_exactly_as_on_the_card() -> None:
    event = short_event(speakers=2)
    long = tuple(f"Point {n}: " + "word " * 180 for n in range(12))  # ~11,000 characters
    first = replace(event.speakers[0], summary=Localized({"en": long}, "en"))
    event = replace(event, speakers=(first, *event.speakers[1:]))
    t = translator("ru")  # falls back to the English bullets
    page = render_speaker_page(event, 0, t)
    assert len(page) >= 3
    parts = render_digest(event, NO_RATINGS, t)
    assert [p.text for p in parts[1 : 1 + len(page)]] == [p.text for p in page]
    assert len(parts) == 1 + len(page) + 1 + 1
    assert all(len(p.text.encode("utf-16-le")) // 2 <= MessageLimit.MAX_TEXT_LENGTH for p in parts)
    assert all(p.text.rstrip().endswith(("</b>", "word")) for p in page)  # whole paragraphs


def test_digest_payload_has_every_language_as_a_list_of_parts() -> None:
    event = short_event(speakers=3)
    payload = digest_payload(event, NO_RATINGS)
    assert payload["digest"] is True and payload["default"] == "en"
    assert set(payload["versions"]) == set(LANGS)
    for language in LANGS:
        assert rendered_parts(payload, language) == 5
        assert payload["versions"][language][0]["text"] == (
            render_digest(event, NO_RATINGS, translator(language))[0].text
        )
    kind = get_kind("rendered")
    assert kind is not None and kind.parts_of(payload, "xx") == 5  # unknown: the default's
    assert kind.parts_of({"versions": {"en": {"text": "one"}}, "default": "en"}, "en") == 1


async def test_a_row_s_next_part_waits_for_its_time_and_a_cancel_catches_every_row(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    try:
        repo = BroadcastRepository(db)
        broadcast_id, _ = await repo.create_for_targets(
            kind="rendered",
            payload={},
            title="parts",
            targets=[Target(chat, "en") for chat in (1, 2, 3)],
            created_by=None,
        )
        claimed = await repo.record_and_claim(broadcast_id, [], 2)
        assert [(r.chat_id, r.part, r.attempts) for r in claimed] == [(1, 0, 1), (2, 0, 1)]
        later = now_utc() + timedelta(hours=1)
        outcomes = [
            Outcome(claimed[0].id, "pending", retry_at=now_utc() - timedelta(seconds=1),
                    delivered=True, advanced=True),
            Outcome(claimed[1].id, "pending", retry_at=later, delivered=True, advanced=True),
        ]
        # chat 1's next part is due (it goes before the fresh chat 3); chat 2's is not
        again = await repo.record_and_claim(broadcast_id, outcomes, 5)
        assert [(r.chat_id, r.part, r.attempts) for r in again] == [(1, 1, 1), (3, 0, 1)]
        assert (await repo.figures(broadcast_id)).messages == 2
        assert await repo.has_pending(broadcast_id)  # chat 2, waiting for its time

        assert await repo.cancel(broadcast_id) == "running"
        assert await repo.cancel_pending(broadcast_id) == 1  # chat 2
        # outcomes of the rows in flight come after: they never go back to pending
        late = [
            Outcome(again[0].id, "pending", retry_at=later, delivered=True, advanced=True),
            Outcome(again[1].id, "pending", error="TimedOut", retry_at=later),
        ]
        assert await repo.record_and_claim(broadcast_id, late, 5) == []
        figures = await repo.figures(broadcast_id)
        assert figures.counts == {"cancelled": 3} and figures.messages == 3
        assert not await repo.has_pending(broadcast_id)
        assert [state for _, state, _ in await repo.outbox(broadcast_id)] == ["cancelled"] * 3
    finally:
        await db.close()


async def test_forget_while_a_part_is_in_flight_stops_the_next_parts(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "eventbot.sqlite3")
    try:
        repo = BroadcastRepository(db)
        broadcast_id, _ = await repo.create_for_targets(
            kind="rendered",
            payload={},
            title="parts",
            targets=[Target(chat, "en") for chat in (1, 2)],
            created_by=None,
        )
        claimed = await repo.record_and_claim(broadcast_id, [], 2)
        await forget_chat(db, 1, 1)  # chat 1's part is being sent meanwhile
        now = now_utc() - timedelta(seconds=1)
        done = [
            Outcome(row.id, "pending", retry_at=now, delivered=True, advanced=True)
            for row in claimed
        ]
        again = await repo.record_and_claim(broadcast_id, done, 5)
        assert [(r.chat_id, r.part) for r in again] == [(2, 1)]  # chat 1: nothing more
        assert [(chat, state) for chat, state, _ in await repo.outbox(broadcast_id)] == [
            (1, "cancelled"),
            (2, "sending"),
        ]
    finally:
        await db.close()
