"""The /stats EVENT_ID text and chart: labels, plural forms and numbers in every language."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.i18n import translator
from bot.render.bars import Bar, render_numbered
from bot.render.fonts import FontSet
from bot.render.stats_event import render_event_stats, render_readers_chart
from bot.services.event_stats import (
    ANNOUNCEMENT,
    DIGEST,
    RATING,
    REMINDER,
    Deliveries,
    EventStats,
    add_up,
    category,
)
from storage.broadcasts import EventBroadcast, Figures
from storage.engagement import EngagementFigures, Tally
from storage.models import RatingSummary
from tests.sample_events import round_table

EVENT = round_table(speakers=3)  # ivashentsov, lee, koldunova


def _stats(**changes: object) -> EventStats:
    values: dict[str, object] = {
        "event": EVENT,
        "deliveries": {
            ANNOUNCEMENT: Deliveries(2, Figures({"sent": 21, "blocked": 2, "failed": 1})),
            REMINDER: Deliveries(1, Figures({"sent": 5, "pending": 3})),
            DIGEST: Deliveries(),
            RATING: Deliveries(),
        },
        "engagement": EngagementFigures(
            opens=Tally(people=5, times=12345),
            readers=2,
            speakers={"ivashentsov": 2, "lee": 1, "gone": 9},
            languages={"ko": 1, "ru": 4},
            calendar=Tally(1, 1),
        ),
        "polls": (),
        "rating": RatingSummary(votes=21, average=4.4),
        "live_followers": None,
    }
    values.update(changes)
    return EventStats(**values)  # type: ignore[arg-type]


def test_english_labels_and_figures() -> None:
    text = render_event_stats(_stats(live_followers=1), translator("en"))
    lines = text.splitlines()
    assert "Announcements: 2 broadcasts · Delivered: 21, Blocked the bot: 2, Failed: 1" in lines
    assert "Reminders: 1 broadcast · Delivered: 5, Blocked the bot: 0, Failed: 0 · Waiting: 3" in (
        lines
    )
    assert "Digests: 0 broadcasts · Delivered: 0, Blocked the bot: 0, Failed: 0" in lines
    assert not any(line.startswith("Rating prompts") for line in lines)  # none sent
    assert "Card opens: 5 people, 12,345 times" in lines
    assert "Speaker readers: 2 people" in lines
    # every speaker of the content, in its order; a key no longer in the content is left out
    assert lines[lines.index("Speaker readers: 2 people") + 1 :][:3] == [
        "1. Gleb Ivashentsov: 2 people",
        "2. Geun Lee: 1 person",
        "3. Ekaterina Koldunova: 0 people",
    ]
    assert "Language switches: 5 switches (Русский: 4, 한국어: 1)" in lines
    assert "Calendar downloads: 1 person, 1 time" in lines
    assert "Live followers: 1 person" in lines
    assert "Poll voters: no polls" in lines
    assert lines[-1] == "Rating: 4.4 (21 votes)"


def test_russian_plural_forms() -> None:
    stats = _stats(
        engagement=EngagementFigures(
            opens=Tally(people=2, times=5), readers=21, calendar=Tally(1, 22)
        ),
        live_followers=5,
    )
    text = render_event_stats(stats, translator("ru")).replace("\u202f", " ")
    assert "Анонсы: 2 рассылки · Доставлено: 21" in text
    assert "Напоминания: 1 рассылка" in text
    assert "Дайджесты: 0 рассылок" in text
    assert "Открытия карточки: 2 человека, 5 раз" in text
    assert "Читатели спикеров: 21 человек" in text
    assert "Загрузки в календарь: 1 человек, 22 раза" in text
    assert "Следят в прямом эфире: 5 человек" in text
    assert "Смена языка: 0 смен" in text
    assert "Оценка: 4,4 (21 голос)" in text


def test_korean_and_no_live_mode() -> None:
    text = render_event_stats(_stats(), translator("ko"))
    assert "카드 열람: 5명, 12,345회" in text
    assert "언어 전환: 5회 (Русский: 4, 한국어: 1)" in text
    assert "1. 글렙 이바셴초프: 2명" in text
    assert "실시간 팔로워" not in text  # the live mode gives no figure yet
    assert "Live followers" not in render_event_stats(_stats(), translator("en"))


def test_no_ratings_and_html_is_escaped() -> None:
    text = render_event_stats(_stats(rating=RatingSummary(0, None)), translator("en"))
    assert text.splitlines()[-1] == "No ratings yet."
    event = round_table("x<y>", speakers=1)
    assert "<code>x&lt;y&gt;</code>" in render_event_stats(_stats(event=event), translator("en"))


def test_categories_of_an_events_broadcasts() -> None:
    sent = Figures({"sent": 1})
    broadcasts = [
        EventBroadcast(1, "rendered", False, Figures({"sent": 3, "blocked": 1})),
        EventBroadcast(2, "event", False, sent),  # a /schedule not rendered (crash) yet
        EventBroadcast(3, "rendered", True, sent),  # a reminder
        EventBroadcast(4, "rendered", False, sent, digest=True),  # its payload says "digest"
        EventBroadcast(5, "rating_prompt", False, sent),
    ]
    assert [category(b) for b in broadcasts] == [
        ANNOUNCEMENT, ANNOUNCEMENT, REMINDER, DIGEST, RATING,
    ]
    totals = add_up(broadcasts)
    assert totals[ANNOUNCEMENT] == Deliveries(2, Figures({"sent": 4, "blocked": 1}))
    assert totals[DIGEST].broadcasts == 1 and totals[RATING].figures.get("sent") == 1
    assert add_up([])[REMINDER] == Deliveries()


def test_the_rating_kind_is_the_handlers() -> None:
    from bot.handlers.ratings import KIND_RATING
    from bot.services.event_stats import RATING_KIND

    assert RATING_KIND == KIND_RATING


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_readers_chart_is_a_labelled_png(language: str) -> None:
    png = render_readers_chart(_stats(), translator(language))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    numbered = render_numbered([Bar("", 2, ""), Bar("", 1, ""), Bar("", 0, "")])
    assert image.height > Image.open(io.BytesIO(numbered)).height  # title, names, notes


def test_readers_chart_without_fonts_is_numbered() -> None:
    t = translator("en")
    png = render_readers_chart(_stats(), t, fonts=FontSet(()))
    assert png == render_numbered(
        [Bar("", 2, "2 people"), Bar("", 1, "1 person"), Bar("", 0, "0 people")]
    )
