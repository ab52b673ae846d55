"""Pure parts of broadcasting: argument parsing, pacing arithmetic, texts in three languages,
event payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telegram.constants import MessageLimit

from bot.broadcast import texts
from bot.broadcast.engine import default_concurrency, default_tick
from bot.broadcast.event_kind import event_payload, reminder_card
from bot.broadcast.parsing import (
    FilterError,
    parse_filters,
    split_leading_filters,
    utf16_offset,
)
from bot.i18n import translator
from bot.render.types import Rendered
from storage.broadcasts import Audience, BroadcastRow, Figures
from tests.sample_events import round_table

NOW = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)



# parsing -------------------------------------------------------------------------------------


def test_filters_combine() -> None:
    audience = parse_filters(["lang=ru,KO", "topic=researchers", "topics=students", "groups=no"])
    assert audience == Audience(
        languages=frozenset({"ru", "ko"}),
        topics=frozenset({"researchers", "students"}),
        include_groups=False,
    )
    assert parse_filters([]) == Audience()
    assert parse_filters(["groups=yes"]).include_groups


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("lang=de", "language"),
        ("topic=gardening", "topic"),
        ("groups=maybe", "groups"),
        ("colour=red", "unknown"),
        ("hello", "unknown"),
    ],
)
def test_filter_errors(token: str, problem: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filters([token])
    assert caught.value.problem == problem


def test_leading_filters_then_text() -> None:
    text = " lang=ko topic=business  Hello, price=10 today"
    filters, start = split_leading_filters(text)
    assert filters == ["lang=ko", "topic=business"]
    assert text[start:] == "Hello, price=10 today"
    assert split_leading_filters(" just text") == ([], 1)


def test_utf16_offsets_count_emoji_twice() -> None:
    text = "/broadcast 🎉 hi"
    index = text.index("h")
    assert index == 13
    assert utf16_offset(text, index) == 14


# pacing --------------------------------------------------------------------------------------


def test_defaults_follow_the_rate() -> None:
    assert default_concurrency(25) == 8
    assert default_concurrency(1000) == 250
    assert default_concurrency(100_000) == 256
    assert 0.01 <= default_tick(1000, 250) <= 0.05


# texts ---------------------------------------------------------------------------------------


def _row(**fields: object) -> BroadcastRow:
    values: dict[str, object] = {
        "id": 7,
        "kind": "text",
        "payload": {},
        "title": "Spring <news> & more",
        "audience_json": Audience(languages=frozenset({"ko"})).to_json(),
        "state": "running",
        "created_by": 9001,
        "admin_language": "en",
        "created_at": NOW,
        "scheduled_at": None,
        "started_at": NOW,
        "finished_at": None,
        "total": 5,
        "progress_chat_id": 9001,
        "progress_message_id": 3,
        "event_id": None,
        "reminder_offset": None,
    }
    values.update(fields)
    return BroadcastRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "total", "expected"),
    [
        ("en", 1, "1 of 1 recipient"),
        ("en", 5, "2 of 5 recipients"),
        ("ru", 1, "1 из 1 получателя"),
        ("ru", 3, "2 из 3 получателей"),
        ("ru", 21, "2 из 21 получателя"),
        ("ko", 5, "받는 사람 5명 중 2명"),
    ],
)
def test_progress_plurals(language: str, total: int, expected: str) -> None:
    done = min(2, total)
    figures = Figures({"sent": done})
    rendered = texts.progress(
        translator(language), _row(), figures, total, texts.Speed(rate=25.0, eta=90.0)
    )
    assert expected in rendered.text
    assert "Spring &lt;news&gt; &amp; more" in rendered.text
    assert rendered.buttons[0][0].callback_data == "bc:stop:7"


def test_progress_bar_and_eta_in_each_language() -> None:
    figures = Figures({"sent": 3, "blocked": 1})
    en = texts.progress(translator("en"), _row(), figures, 8, texts.Speed(25.0, 120.0)).text
    assert "▰▰▰▰▰▰▱▱▱▱▱▱ 50%" in en and "25 messages/s" in en and "about 2 minutes more" in en
    ru = texts.progress(translator("ru"), _row(), figures, 8, texts.Speed(25.0, 120.0)).text
    assert "25 сообщ./с" in ru and "ещё примерно 2 минуты" in ru
    ko = texts.progress(translator("ko"), _row(), figures, 8, texts.Speed(25.0, 120.0)).text
    assert "초당 25건" in ko and "2분" in ko


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("en", 1, "Recipients: 1 subscriber"),
        ("en", 1234, "Recipients: 1,234 subscribers"),
        ("ru", 1, "Получат: 1 подписчик"),
        ("ru", 2, "Получат: 2 подписчика"),
        ("ru", 5, "Получат: 5 подписчиков"),
        ("ko", 5, "받는 사람: 구독자 5명"),
    ],
)
def test_preview_counts(language: str, n: int, expected: str) -> None:
    rendered = texts.preview(translator(language), _row(state="draft"), {"ko": n})
    assert expected in rendered.text
    assert [b.callback_data for b in rendered.buttons[0]] == ["bc:go:7", "bc:no:7"]


def test_preview_names_the_audience_and_time() -> None:
    row = _row(
        state="draft",
        audience_json=Audience(
            languages=frozenset({"ru"}), topics=frozenset({"students"}), include_groups=False
        ).to_json(),
    )
    text = texts.preview(translator("en"), row, {"ru": 3}, when="20 April 2025 at 10:00").text
    assert "languages: Русский" in text and "topics: students" in text
    assert "private chats only" in text and "Sending time: 20 April 2025 at 10:00" in text


def test_final_report_and_listing() -> None:
    figures = Figures({"sent": 40, "blocked": 2, "failed": 1, "cancelled": 7})
    report = texts.final_report(translator("ru"), _row(), figures, cancelled=True)
    assert "Рассылка остановлена" in report
    assert "Сообщение получили 40 из 50 получателей." in report
    assert "Заблокировали бота: 2" in report and "Отменено: 7" in report
    listing = texts.listing(translator("en"), [(_row(state="done"), figures)], {7: "when"})
    assert "#7" in listing and "finished" in listing and "50 of 50 recipients" in listing
    assert texts.listing(translator("ko"), [], {}) == "아직 발송 내역이 없습니다."


def test_reminder_title() -> None:
    row = _row(reminder_offset=3600)
    assert "Reminder (1 hour before the start)" in texts.title_line(translator("en"), row)
    assert "Напоминание (1 час до начала)" in texts.title_line(translator("ru"), row)


# event payloads ------------------------------------------------------------------------------


def test_event_payload_has_every_language() -> None:
    event = round_table()
    payload = event_payload(event)
    assert set(payload["versions"]) == {"en", "ru", "ko"} and payload["default"] == "en"
    ru = Rendered.from_dict(payload["versions"]["ru"])
    assert "Стратегическая ситуация в АТР" in ru.text
    assert "&lt;script&gt;" in Rendered.from_dict(payload["versions"]["en"]).text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "starts in 1 hour"), ("ru", "начнётся через 1 час"), ("ko", "1시간 후 시작")],
)
def test_reminder_card(language: str, expected: str) -> None:
    card = reminder_card(round_table(), translator(language), timedelta(minutes=59, seconds=50))
    assert card.text.startswith("⏰") and expected in card.text
    assert len(card.text) <= MessageLimit.MAX_TEXT_LENGTH
    assert card.buttons  # the card's own buttons (speakers, calendar…)
