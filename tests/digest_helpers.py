"""Helpers for the digest tests: the seed event, the texts each part should have, and what
each chat received."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.broadcast.event_kind import NO_RATINGS
from bot.content import parse_event
from bot.i18n import translator
from bot.render.digest import render_digest
from storage.models import Event, Localized, RatingSummary
from tests.fakebot import FakeBotApi
from tests.sample_events import round_table

SEED = Path(__file__).resolve().parent.parent / "examples" / "riac-kf-2021.toml"
SEED_PARTS = 8
"""The seed event's digest: a header, six speakers, the rating prompt."""


def seed_event() -> Event:
    return parse_event(SEED.read_bytes(), str(SEED))


def short_event(event_id: str = "short", speakers: int = 2) -> Event:
    """A small event (``speakers`` + 2 messages) whose second speaker's summary and whose
    title exist in English only (the default language): Korean and Russian readers get them
    in English, with their own labels."""
    event = round_table(event_id, speakers=speakers)
    only_en = replace(
        event.speakers[-1],
        summary=Localized({"en": ("Only in English & <b>.",)}, "en"),
    )
    title = Localized({"en": "Short <round> table"}, "en")
    return replace(event, title=title, speakers=(*event.speakers[:-1], only_en))


def expected(event: Event, language: str, rating: RatingSummary = NO_RATINGS) -> list[str]:
    """The texts of the digest's messages, in order, as a reader of ``language`` gets them."""
    return [part.text for part in render_digest(event, rating, translator(language))]


def received(api: FakeBotApi, chat_id: int) -> list[str]:
    """The texts of the messages a chat got, in the order they were answered."""
    return api.sent_texts(chat_id)


def send_times(api: FakeBotApi, chat_id: int) -> list[float]:
    return [r.time for r in api.sent_messages(chat_id)]
