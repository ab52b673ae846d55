"""The event card and speaker pages, rendered in every language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from telegram.constants import MessageLimit

from bot import callbacks
from bot.i18n import translator
from bot.render.event_card import deep_link, render_event_card
from bot.render.speakers import render_speaker_page
from storage.models import Localized, RatingSummary
from tests.sample_events import round_table

LANGUAGES = ("en", "ru", "ko")


def plain_spaces(text: str) -> str:
    """CLDR puts narrow and thin no-break spaces in dates; compare with plain ones."""
    return text.replace("\u202f", " ").replace("\u2009", " ").replace("\xa0", " ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_card_escapes_content(language: str) -> None:
    card = render_event_card(round_table(), translator(language))
    assert "<script>" not in card.text
    assert "&lt;script&gt;" in card.text or language != "en"
    assert 'href="https://russiancouncil.ru/en/activity/news/?a=1&amp;b=2"' in card.text
    assert "Position" not in card.text
    assert card.text.startswith("<b>")


def test_card_title_escaped() -> None:
    text = render_event_card(round_table(), translator("en")).text
    assert (
        "<b>Strategic Situation in the Asia Pacific &lt;Threats&gt; &amp; Opportunities</b>" in text
    )
    assert (
        "A joint project &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; of RIAC &amp; KF."
        in text
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tuesday, April 20, 2021, 10:00 AM – 12:30 PM (Moscow Time, UTC+3)"),
        ("ru", "вторник, 20 апреля 2021 г., 10:00—12:30 (Москва, UTC+3)"),
        ("ko", "2021년 4월 20일 화요일 오전 10:00 ~ 오후 12:30 (모스크바 시간, UTC+3)"),
    ],
)
def test_card_date_in_reader_locale(language: str, expected: str) -> None:
    text = render_event_card(round_table(), translator(language)).text
    assert expected in plain_spaces(text)


def test_card_date_in_event_zone_even_for_utc_input() -> None:
    event = round_table(starts_at=datetime(2021, 4, 20, 7, 0, tzinfo=ZoneInfo("UTC")))
    assert "10:00" in render_event_card(event, translator("ru")).text


@pytest.mark.parametrize(
    ("language", "organisers", "moderator"),
    [
        ("en", "Organisers: RIAC and Korea Foundation", "Moderator: Ksenia Kuzmina, RIAC Program"),
        ("ru", "Организаторы: РСМД и Фонд «Корея»", "Модератор: Ксения Кузьмина, Программный"),
        (
            "ko",
            "주최: 러시아 국제문제위원회 및 한국국제교류재단",
            "사회자: 크세니아 쿠즈미나, RIAC",
        ),
    ],
)
def test_card_people(language: str, organisers: str, moderator: str) -> None:
    text = render_event_card(round_table(), translator(language)).text
    assert organisers in text
    assert moderator in text


@pytest.mark.parametrize(
    ("language", "votes", "expected"),
    [
        ("en", 1, "Rating: 5 (1 vote)"),
        ("en", 2, "Rating: 4.5 (2 votes)"),
        ("ru", 1, "Оценка: 5 (1 голос)"),
        ("ru", 2, "Оценка: 4,5 (2 голоса)"),
        ("ru", 5, "Оценка: 4,5 (5 голосов)"),
        ("ru", 21, "Оценка: 4,5 (21 голос)"),
        ("ko", 5, "평점: 4.5 (5명 참여)"),
    ],
)
def test_card_rating_plurals(language: str, votes: int, expected: str) -> None:
    average = 5.0 if votes == 1 else 4.5
    text = render_event_card(
        round_table(), translator(language), rating=RatingSummary(votes, average)
    ).text
    assert expected in text


def test_card_without_votes_has_no_rating() -> None:
    text = render_event_card(round_table(), translator("en"), rating=RatingSummary(0, None)).text
    assert "Rating" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_card_buttons(language: str) -> None:
    event = round_table()
    card = render_event_card(event, translator(language))
    buttons = [button for row in card.buttons for button in row]
    data = [b.callback_data for b in buttons if b.callback_data]
    assert callbacks.encode("spk", event.id, 0, language) in data
    assert callbacks.encode("ics", event.id) in data
    switches = {d for d in data if d.startswith("evl:")}
    assert switches == {f"evl:{event.id}:{other}" for other in LANGUAGES if other != language}
    assert [b.switch_inline_query for b in buttons if b.switch_inline_query] == [event.id]
    assert all(len(d.encode()) <= 64 for d in data)


def test_card_for_inline_mode_links_to_the_bot() -> None:
    event = round_table()
    card = render_event_card(event, translator("ru"), bot_username="riac_bot")
    assert card.buttons[0][0].url == deep_link("riac_bot", event.id)
    assert card.buttons[0][0].url == "https://t.me/riac_bot?start=ev_riac-kf-2021"
    assert card.buttons[0][0].text.endswith("Открыть в боте")


def test_card_button_labels_translated() -> None:
    labels = [
        b.text for row in render_event_card(round_table(), translator("ko")).buttons for b in row
    ]
    assert "👥 연사" in labels
    assert "📅 캘린더에 추가" in labels


def test_long_description_is_shortened_to_fit() -> None:
    event = round_table()
    long_text = "Very & long <text> " * 1000
    event = type(event)(**{**event.__dict__, "description": Localized({"en": long_text}, "en")})
    text = render_event_card(event, translator("en")).text
    assert len(text) <= MessageLimit.MAX_TEXT_LENGTH
    assert "…" in text
    assert "&lt;text&gt;" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_speaker_pages_navigation(language: str) -> None:
    event = round_table(speakers=6)
    t = translator(language)
    first = render_speaker_page(event, 0, t)[-1]
    middle = render_speaker_page(event, 1, t)[-1]
    last = render_speaker_page(event, 5, t)[-1]
    assert [b.text for b in first.buttons[0]] == ["1/6", "▶️"]
    assert [b.text for b in middle.buttons[0]] == ["◀️", "2/6", "▶️"]
    assert [b.text for b in last.buttons[0]] == ["◀️", "6/6"]
    assert middle.buttons[0][0].callback_data == f"spk:{event.id}:0:{language}"
    assert middle.buttons[0][2].callback_data == f"spk:{event.id}:2:{language}"
    # back to the card: the page's index says it is no language switch (for /stats)
    assert middle.buttons[1][0].callback_data == f"evl:{event.id}:{language}:1"


def test_speaker_page_content() -> None:
    event = round_table()
    page = render_speaker_page(event, 1, translator("ru"))
    assert len(page) == 1
    text = page[0].text
    assert "<b>Ли Гын</b>" in text
    assert "<i>Эксперт &lt;lee&gt; и Ко</i>" in text
    assert "Основная сессия" in text
    assert "• Geun Lee point one &amp; &lt;b&gt; (по-русски)" in text
    assert "Назад к мероприятию" in page[0].buttons[1][0].text


def test_speaker_index_out_of_range() -> None:
    with pytest.raises(IndexError):
        render_speaker_page(round_table(), 3, translator("en"))
    with pytest.raises(IndexError):
        render_speaker_page(round_table(), -1, translator("en"))


def test_long_speaker_page_is_split_with_buttons_on_the_last() -> None:
    event = round_table(speakers=1)
    long_points = tuple(f"Point {i}: " + "word & <x> " * 60 for i in range(20))
    speaker = event.speakers[0]
    speaker = type(speaker)(**{**speaker.__dict__, "summary": Localized({"en": long_points}, "en")})
    event = type(event)(**{**event.__dict__, "speakers": (speaker,)})
    pages = render_speaker_page(event, 0, translator("en"))
    assert len(pages) > 1
    assert all(len(p.text) <= MessageLimit.MAX_TEXT_LENGTH for p in pages)
    assert all(not p.buttons for p in pages[:-1])
    assert pages[-1].buttons
    joined = "\n\n".join(p.text for p in pages)
    assert all(f"Point {i}:" in joined for i in range(20))
