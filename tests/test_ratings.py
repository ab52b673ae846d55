"""Ratings end to end: the prompt via /rate, 1–5 buttons, changes, forged data, the card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from bot.config import Config
from bot.content.parser import parse_event
from bot.handlers.ratings import offer_ratings
from storage.clock import now_utc
from storage.models import RatingSummary
from tests.chat_helpers import callback_data, confirm_draft, edits, message_id, press, say
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi
from tests.poll_helpers import SEED, poll_bot, subscribe

EN, RU, KO = 40_001, 40_002, 40_003
EVENT = "riac-kf-2021"


async def test_rate_an_event_change_the_rating_and_see_it_on_the_card(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = parse_event(SEED.read_bytes(), SEED.name)
    assert event.id == EVENT
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await subscribe(bot, [(EN, "en", "private"), (RU, "ru", "private"), (KO, "ko", "private")])
        await confirm_draft(api, ADMIN_ID, f"/rate {EVENT}")
        prompts = {
            chat: await api.wait_for_message(chat, contains) for chat, contains in
            ((EN, "Rate this event"), (RU, "Оцените мероприятие"), (KO, "이 행사를 평가해 주세요"))
        }
        assert callback_data(prompts[EN]) == [f"rate:{EVENT}:{n}" for n in range(1, 6)]
        assert "No ratings yet." in prompts[EN].params["text"]

        en_msg, ru_msg = message_id(prompts[EN]), message_id(prompts[RU])
        answer = await press(api, EN, en_msg, f"rate:{EVENT}:4")
        assert answer.params["text"] == "Thank you! Your rating: 4 of 5"
        assert "Rating: 4 (1 vote)" in edits(api, EN, en_msg)[-1].params["text"]
        assert "Your rating: 4 of 5" in edits(api, EN, en_msg)[-1].params["text"]
        await press(api, EN, en_msg, f"rate:{EVENT}:5")  # changed, still one vote
        assert await bot.deps.ratings.summary(EVENT) == RatingSummary(1, 5.0)
        answer = await press(api, RU, ru_msg, f"rate:{EVENT}:2")
        assert answer.params["text"] == "Спасибо! Ваша оценка: 2 из 5"
        assert "(2 " in edits(api, RU, ru_msg)[-1].params["text"]
        assert await bot.deps.ratings.summary(EVENT) == RatingSummary(2, 3.5)

        # forged or stale buttons: a polite refusal, nothing changes
        # (the admin's broadcast progress message may still be edited meanwhile: not counted)
        def subscriber_edits() -> int:
            return sum(1 for r in api.calls("editMessageText") if r.chat_id != ADMIN_ID)

        edits_before = subscriber_edits()
        for data in (
            f"rate:{EVENT}:9",
            f"rate:{EVENT}:0",
            f"rate:{EVENT}:-1",
            "rate:no-such-event:3",
            f"rate:{EVENT}",
            f"rate:{EVENT}:x",
        ):
            refused = await press(api, KO, 1, data)
            assert refused.params.get("show_alert") is True, data
            assert refused.params["text"], data
        assert subscriber_edits() == edits_before
        assert await bot.deps.ratings.summary(EVENT) == RatingSummary(2, 3.5)

        # the event card shows the rating, in the reader's language
        card = await say(api, EN, f"/start ev_{EVENT}", contains="Rating:")
        assert "Rating: 3.5 (2 votes)" in card.params["text"]

    async with poll_bot(api, make_config) as bot:  # ratings survive a restart
        assert await bot.deps.ratings.summary(EVENT) == RatingSummary(2, 3.5)


async def test_prompt_offered_once_after_an_event_ends(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    seed = parse_event(SEED.read_bytes(), SEED.name)
    now = now_utc()
    ended = replace(
        seed,
        id="ended-today",
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
        polls=(),
        reminders=(),
    )
    upcoming = replace(ended, id="upcoming", starts_at=now + timedelta(days=1), ends_at=None)
    async with poll_bot(api, make_config) as bot:
        for event in (seed, ended, upcoming):
            await bot.deps.events.save(event)
        await subscribe(bot, [(EN, "en", "private"), (RU, "ru", "private")])
        assert await offer_ratings(bot.app) == ["ended-today"]
        prompt = await api.wait_for_message(RU, "Оцените мероприятие")
        assert callback_data(prompt)[0] == "rate:ended-today:1"
        await api.wait_for_message(EN, "Rate this event")
        assert await offer_ratings(bot.app) == []
    async with poll_bot(api, make_config) as bot:
        assert await offer_ratings(bot.app) == []
