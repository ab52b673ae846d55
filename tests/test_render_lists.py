"""The /events list, event dates in other zones and languages, and the .ics file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.i18n import translator
from bot.render.dates import event_when
from bot.render.events_list import render_event_list
from bot.render.ics import build_ics, ics_filename
from storage.models import Localized
from tests.sample_events import round_table


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u2009", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Thursday, May 6, 2021, 7:00 PM (Korean Standard Time, UTC+9)"),
        ("ru", "четверг, 6 мая 2021 г., 19:00 (Корея, UTC+9)"),
        ("ko", "2021년 5월 6일 목요일 오후 7:00 (대한민국 표준시, UTC+9)"),
    ],
)
def test_start_only_in_seoul(language: str, expected: str) -> None:
    start = datetime(2021, 5, 6, 10, 0, tzinfo=UTC)
    text = plain(event_when(start, None, "Asia/Seoul", translator(language)))
    # CLDR names the zone generically or as standard time depending on the data version.
    assert text.split(" (")[0] == expected.split(" (")[0]
    assert text.endswith("UTC+9)")


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_multi_day_event(language: str) -> None:
    zone = ZoneInfo("Europe/Moscow")
    start = datetime(2021, 4, 20, 10, 0, tzinfo=zone)
    text = plain(
        event_when(start, start + timedelta(days=1), "Europe/Moscow", translator(language))
    )
    assert text.count("2021") == 2
    assert {"en": " – ", "ru": " — ", "ko": " ~ "}[language] in text


def test_utc_and_half_hour_offsets() -> None:
    start = datetime(2021, 4, 20, 10, 0, tzinfo=UTC)
    assert event_when(start, None, "UTC", translator("en")).endswith("(UTC)")
    assert event_when(start, None, "Asia/Kolkata", translator("en")).endswith("UTC+5:30)")
    assert "UTC−4" in event_when(start, None, "America/New_York", translator("en"))


def test_event_list_sections_and_buttons() -> None:
    past = round_table("old")
    future = round_table("new", starts_at=datetime(2031, 1, 1, 12, tzinfo=ZoneInfo("Asia/Seoul")))
    listing = render_event_list([future], [past], translator("ko"))
    assert "<b>예정된 행사</b>" in listing.text
    assert "<b>최근 행사</b>" in listing.text
    assert "2031. 1. 1." in listing.text
    assert [row[0].callback_data for row in listing.buttons] == ["ev:new", "ev:old"]
    assert all(len(row[0].text) <= 45 for row in listing.buttons)


def test_event_list_escapes_titles() -> None:
    listing = render_event_list([], [round_table()], translator("en"))
    assert "&lt;Threats&gt; &amp; Opportunities" in listing.text
    assert "No upcoming events yet." in listing.text


def test_empty_event_list() -> None:
    listing = render_event_list([], [], translator("ru"))
    assert "Мероприятий пока нет" in listing.text
    assert not listing.buttons


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_ics(language: str) -> None:
    event = round_table()
    data = build_ics(event, translator(language), now=datetime(2024, 1, 1, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical(data)
    entry = calendar.walk("VEVENT")[0]
    assert entry.decoded("dtstart") == event.starts_at
    assert entry["dtstart"].params["TZID"] == "Europe/Moscow"
    assert entry.decoded("dtend") == event.ends_at
    assert str(entry["summary"]) == event.title.get(language)
    assert str(entry["location"]) == event.format.get(language)  # type: ignore[union-attr]
    assert str(entry["uid"]) == "riac-kf-2021@eventbot"
    assert ics_filename(event) == "riac-kf-2021.ics"
    description = str(entry["description"])
    assert event.speakers[0].name.get(language) in description
    if language == "en":
        assert "<script>" in description  # plain text, not HTML: nothing to escape


def test_ics_without_end_or_format() -> None:
    event = round_table()
    event = type(event)(
        **{**event.__dict__, "ends_at": None, "format": None, "title": Localized({"en": "T"}, "en")}
    )
    entry = icalendar.Calendar.from_ical(build_ics(event, translator("ru"))).walk("VEVENT")[0]
    assert "dtend" not in entry
    assert str(entry["summary"]) == "T"
    assert str(entry["location"]) == event.link
