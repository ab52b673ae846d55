"""Events end to end: /events, the card and its buttons, calendar, inline mode, deep links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from bot.render.event_card import deep_link
from tests.chat_helpers import buttons, callback_data, edits, labels, message_id, press, say
from tests.conftest import BotHarness
from tests.sample_events import MOSCOW, loc, round_table

USER = 1002


async def _two_events(bot: BotHarness) -> tuple[str, str]:
    """A past event (the seed round table) and one next month; returns their ids."""
    past = round_table("riac-kf-2021", speakers=6)
    start = datetime.now(MOSCOW).replace(microsecond=0) + timedelta(days=30)
    upcoming = round_table("nextgen-2", starts_at=start, speakers=2)
    upcoming = type(upcoming)(
        **{
            **upcoming.__dict__,
            "title": loc("Next Generation <2>", "Новое поколение 2", "차세대 2"),
        }
    )
    await bot.deps.events.save(past)
    await bot.deps.events.save(upcoming)
    return past.id, upcoming.id


async def _card(bot: BotHarness, event_id: str, language: str = "en") -> int:
    """Subscribe in ``language`` and open the card of ``event_id`` through its deep link."""
    reply = await say(bot.api, USER, f"/start ev_{event_id}", language_code=language)
    assert reply.params["text"].startswith("<b>")
    # A new subscriber also gets the welcome with the language picker, after the card.
    await bot.api.wait_until(lambda: len(bot.api.sent_messages(USER)) == 2)
    return message_id(reply)


async def test_events_lists_upcoming_and_recent(bot: BotHarness) -> None:
    past, upcoming = await _two_events(bot)
    await say(bot.api, USER, "/start", language_code="ru")
    listing = await say(bot.api, USER, "/events", contains="Ближайшие мероприятия")
    text = listing.params["text"]
    assert text.index("Новое поколение 2") < text.index("Прошедшие мероприятия")
    assert text.index("Прошедшие мероприятия") < text.index("Стратегическая ситуация")
    assert "20 апр. 2021" in text.replace("\u202f", " ")
    assert callback_data(listing) == [f"ev:{upcoming}", f"ev:{past}"]

    await press(bot.api, USER, message_id(listing), f"ev:{past}")
    card = await bot.api.wait_for(
        lambda r: r.method == "sendMessage" and r.params["text"].startswith("<b>Стратегическая")
    )
    card_text = card.params["text"].replace("\u202f", " ")
    assert "вторник, 20 апреля 2021 г., 10:00—12:30 (Москва, UTC+3)" in card_text
    assert "Модератор: Ксения Кузьмина" in card_text
    assert "👥 Спикеры" in labels(card)


async def test_no_events_yet(bot: BotHarness) -> None:
    reply = await say(bot.api, USER, "/events", language_code="ko")
    assert "아직 행사가 없습니다" in reply.params["text"]


async def test_speakers_navigation_and_back(bot: BotHarness) -> None:
    past, _ = await _two_events(bot)
    api = bot.api
    msg = await _card(bot, past)
    names = [
        "Gleb Ivashentsov",
        "Geun Lee",
        "Ekaterina Koldunova",
        "Anastasia Pyatachkova",
        "Beom Shik Shin",
        "Sangtu Ko",
    ]
    sent_before = len(api.calls("sendMessage", USER))
    await press(api, USER, msg, f"spk:{past}:0:en")
    for index, name in enumerate(names):
        page = edits(api, USER, msg)[-1]
        assert f"<b>{name}</b>" in page.params["text"]
        assert f"{index + 1}/6" in labels(page)
        if index + 1 < len(names):
            assert f"spk:{past}:{index + 1}:en" in callback_data(page)
            await press(api, USER, msg, f"spk:{past}:{index + 1}:en")
    last = edits(api, USER, msg)[-1]
    assert "▶️" not in labels(last)
    await press(api, USER, msg, f"spk:{past}:4:en")
    assert "<b>Beom Shik Shin</b>" in edits(api, USER, msg)[-1].params["text"]
    await press(api, USER, msg, f"evl:{past}:en:4")
    back = edits(api, USER, msg)[-1]
    assert back.params["text"].startswith("<b>Strategic Situation")
    assert len(api.calls("sendMessage", USER)) == sent_before, "navigation must edit, not send"


async def test_language_switch_edits_in_place(bot: BotHarness) -> None:
    past, _ = await _two_events(bot)
    msg = await _card(bot, past, "en")
    answer = await press(bot.api, USER, msg, f"evl:{past}:ru")
    assert answer.ok
    edit = edits(bot.api, USER, msg)[-1]
    assert edit.params["message_id"] == msg
    assert edit.params["text"].startswith("<b>Стратегическая ситуация в АТР")
    assert "Организаторы: РСМД и Фонд «Корея»" in edit.params["text"]
    assert "🌐 English" in labels(edit) and "🌐 Русский" not in labels(edit)
    assert f"spk:{past}:0:ru" in callback_data(edit)
    # The stored language of the reader is not changed by reading a card in another one.
    assert (await bot.deps.subscribers.language(USER)) == "en"


async def test_add_to_calendar_sends_ics(bot: BotHarness) -> None:
    past, _ = await _two_events(bot)
    msg = await _card(bot, past, "ko")
    await press(bot.api, USER, msg, f"ics:{past}")
    sent = await bot.api.wait_for(lambda r: r.method == "sendDocument" and r.ok)
    upload = sent.files["document"]
    assert upload.filename == f"{past}.ics"
    assert sent.result["document"]["file_name"] == f"{past}.ics"
    calendar = icalendar.Calendar.from_ical(upload.content)
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert start == datetime(2021, 4, 20, 7, 0, tzinfo=UTC)
    assert str(start.tzinfo) == "Europe/Moscow"
    assert event.decoded("dtend") - start == timedelta(hours=2, minutes=30)
    assert str(event["uid"]) == f"{past}@eventbot"
    assert str(event["summary"]) == "아시아태평양 전략 상황: 위협과 기회"
    assert str(event["url"]).startswith("https://russiancouncil.ru/")
    assert "크세니아 쿠즈미나" in str(event["description"])
    assert calendar.walk("VTIMEZONE")


async def test_inline_query_offers_event_cards(bot: BotHarness) -> None:
    past, upcoming = await _two_events(bot)
    api = bot.api
    api.inject_inline_query(USER, "", language_code="ru")
    answer = await api.wait_for(lambda r: r.method == "answerInlineQuery")
    assert answer.ok
    results = answer.params["results"]
    assert [r["id"] for r in results] == [upcoming, past]
    first = results[0]
    assert first["type"] == "article"
    assert first["title"] == "Новое поколение 2"
    content = first["input_message_content"]
    assert content["message_text"].startswith("<b>Новое поколение 2</b>")
    url = first["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url == deep_link("eventbot_test", upcoming)

    api.inject_inline_query(USER, "strategic", language_code="en")
    filtered = await api.wait_for(lambda r: r.method == "answerInlineQuery" and r is not answer)
    assert [r["id"] for r in filtered.params["results"]] == [past]


async def test_share_button_opens_inline_mode_with_the_event(bot: BotHarness) -> None:
    past, _ = await _two_events(bot)
    await _card(bot, past)
    card = bot.api.sent_messages(USER)[0]
    share = [b for row in buttons(card) for b in row if "switch_inline_query" in b]
    assert share == [{"text": "↗️ Share", "switch_inline_query": past}]


async def test_deep_link_subscribes_and_shows_card(bot: BotHarness) -> None:
    past, _ = await _two_events(bot)
    await say(bot.api, USER, f"/start ev_{past}", language_code="ru")
    welcome = await bot.api.wait_for_message(USER, "Выберите язык")
    assert welcome.ok
    assert bot.api.sent_texts(USER)[0].startswith("<b>Стратегическая ситуация")
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None and subscriber.active


async def test_deep_link_to_unknown_event(bot: BotHarness) -> None:
    reply = await say(
        bot.api, USER, "/start ev_nope", language_code="en", contains="could not find"
    )
    assert reply.ok


async def test_forged_and_stale_buttons_are_refused_politely(bot: BotHarness) -> None:
    past, _ = await _two_events(bot)
    api = bot.api
    msg = await _card(bot, past)
    cases = {
        "spk:nope:99": "no longer valid",
        f"spk:{past}:99:en": "no longer valid",
        f"spk:{past}:0:xx": "no longer valid",
        "spk:gone-event:0:en": "could not find",
        "evl:gone-event:ru": "could not find",
        "ev:gone-event": "could not find",
        "ics:gone-event": "could not find",
        "lang:xx:start": "no longer valid",
        "top:astrology:set": "no longer valid",
        "fgt:maybe": "no longer valid",
    }
    for data, expected in cases.items():
        answer = await press(api, USER, msg, data)
        assert answer.ok
        assert expected in answer.params["text"], data
    assert not edits(api, USER, msg)
    assert not api.calls("sendDocument")
    assert await bot.deps.subscribers.language(USER) == "en"
