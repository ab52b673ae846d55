"""``/stats EVENT_ID`` end to end: what the audience did, in every language, and /forget."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.content.parser import parse_event
from tests.chat_helpers import calm, confirm_draft, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.poll_helpers import SEED, instances_recorded, poll_bot, subscribe, votes_handled

EVENT = "riac-kf-2021"
A, B, C, D, BLOCKED = 60_001, 60_002, 60_003, 60_004, 60_005
LANGUAGE = {A: "en", B: "ru", C: "ko", D: "en", BLOCKED: "en"}
PNG = b"\x89PNG\r\n\x1a\n"


async def _open(bot: BotHarness, user: int) -> int:
    """Open the card through its deep link (as a tap on a shared card does); its message."""
    await calm(bot.deps.flood, user)
    title = parse_event(SEED.read_bytes(), SEED.name).title.get(LANGUAGE[user])
    card = await say(bot.api, user, f"/start ev_{EVENT}", contains=title)
    return message_id(card)


async def _last_broadcast_done(bot: BotHarness) -> None:
    [(row, _)] = await bot.deps.broadcasts.recent(1)
    await bot.deps.broadcaster.wait_finished(row.id, timeout=20)


def _last_message(api: FakeBotApi, chat: int) -> int:
    return message_id(api.sent_messages(chat)[-1])


async def _stats(api: FakeBotApi, language: str) -> tuple[str, Request]:
    """``/stats EVENT`` as the admin in ``language``: the text and the chart's request."""
    photos = len(api.calls("sendPhoto", ADMIN_ID, ok=True))
    reply = await say(api, ADMIN_ID, f"/stats {EVENT}", contains=EVENT, language_code=language)
    await api.wait_until(lambda: len(api.calls("sendPhoto", ADMIN_ID, ok=True)) > photos)
    return reply.params["text"].replace("\u202f", " "), api.calls("sendPhoto", ADMIN_ID)[-1]


EXPECTED = {
    "en": [
        "Announcements: 1 broadcast · Delivered: 4, Blocked the bot: 1, Failed: 0",
        "Reminders: 0 broadcasts · Delivered: 0, Blocked the bot: 0, Failed: 0",
        "Digests: 0 broadcasts · Delivered: 0, Blocked the bot: 0, Failed: 0",
        "Rating prompts: 1 broadcast · Delivered: 4, Blocked the bot: 0, Failed: 0",
        "Card opens: 2 people, 5 times",
        "Speaker readers: 3 people",
        "1. Gleb Ivashentsov: 3 people",
        "2. Geun Lee: 1 person",
        "3. Ekaterina Koldunova: 1 person",
        "4. Beom Shik Shin: 0 people",
        "Language switches: 3 switches (Русский: 2, 한국어: 1)",
        "Calendar downloads: 1 person, 2 times",
        "Live followers: 2 people",
        "Poll voters:\n• In your opinion, what are the US long-term goals for Russia?: "
        "1 person voted",
        "Rating: 4.5 (2 votes)",
    ],
    "ru": [  # 1 рассылка / 2 человека / 5 раз, 0 рассылок
        "Анонсы: 1 рассылка · Доставлено: 4, Заблокировали бота: 1, Ошибка доставки: 0",
        "Напоминания: 0 рассылок · Доставлено: 0, Заблокировали бота: 0, Ошибка доставки: 0",
        "Дайджесты: 0 рассылок",
        "Просьбы оценить: 1 рассылка · Доставлено: 4",
        "Открытия карточки: 2 человека, 5 раз",
        "Читатели спикеров: 3 человека",
        "1. Глеб Ивашенцов: 3 человека",
        "2. Ли Гын: 1 человек",
        "Смена языка: 3 смены (Русский: 2, 한국어: 1)",
        "Загрузки в календарь: 1 человек, 2 раза",
        "Следят в прямом эфире: 2 человека",
        "Участники опросов:\n• Как вы считаете, каковы долгосрочные цели США в отношении "
        "России?: Проголосовал 1 человек",
        "Оценка: 4,5 (2 голоса)",
    ],
    "ko": [
        "공지: 1건 · 전달됨: 4, 봇 차단: 1, 실패: 0",
        "알림: 0건",
        "다이제스트: 0건",
        "평가 요청: 1건 · 전달됨: 4",
        "카드 열람: 2명, 5회",
        "발표자 요약 독자: 3명",
        "1. 글레브 이바셴초프: 3명",
        "언어 전환: 3회 (Русский: 2, 한국어: 1)",
        "캘린더 다운로드: 1명, 2회",
        "실시간 팔로워: 2명",
        "설문 참여자:\n• 귀하는",
        "1명이 투표했습니다",
        "평점: 4.5 (2명 참여)",
    ],
}


async def test_event_stats_in_every_language(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = parse_event(SEED.read_bytes(), SEED.name)
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await subscribe(bot, [(chat, LANGUAGE[chat], "private") for chat in LANGUAGE])
        api.block(BLOCKED)

        # the announcement: four get it, one has blocked the bot
        await confirm_draft(api, ADMIN_ID, f"/announce {EVENT}")
        await _last_broadcast_done(bot)
        card = {user: _last_message(api, user) for user in (A, B, C, D)}

        # card opens: A three times (two deep links, one tap in a list), B twice
        await _open(bot, A)
        await _open(bot, A)
        await press(api, A, card[A], f"ev:{EVENT}")
        await _open(bot, B)
        await press(api, B, card[B], f"ev:{EVENT}")

        # speakers: A reads three and goes back (no language switch), B and C the first
        for index in range(3):
            await press(api, A, card[A], f"spk:{EVENT}:{index}:en")
        await press(api, A, card[A], f"evl:{EVENT}:en:2")
        await press(api, B, card[B], f"spk:{EVENT}:0:ru")
        await press(api, C, card[C], f"spk:{EVENT}:0:ko")
        await press(api, C, card[C], f"spk:{EVENT}:0:ko")  # the same page again: one reader

        # language switches by target: ru twice, ko once; calendar: A twice
        await press(api, A, card[A], f"evl:{EVENT}:ru")
        await press(api, D, card[D], f"evl:{EVENT}:ru")
        await press(api, B, card[B], f"evl:{EVENT}:ko")
        for _ in range(2):
            await press(api, A, card[A], f"ics:{EVENT}")

        # the event's poll: A votes
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals")
        instance_of = await instances_recorded(bot, "us-goals", 4)
        api.inject_poll_answer(instance_of[A], A, [0])
        await votes_handled(bot, 1)

        # ratings through the prompt: 4 and 5
        await confirm_draft(api, ADMIN_ID, f"/rate {EVENT}")
        await _last_broadcast_done(bot)
        await press(api, A, _last_message(api, A), f"rate:{EVENT}:4")
        await press(api, B, _last_message(api, B), f"rate:{EVENT}:5")

        async def followers(event_id: str) -> int:  # what the live mode will provide
            return 2 if event_id == EVENT else 0

        bot.deps.engagement.live_followers = followers

        for language, expected in EXPECTED.items():
            text, chart = await _stats(api, language)
            for line in expected:
                assert line in text, f"{language}: {line!r} not in\n{text}"
            assert chart.files["photo"].content.startswith(PNG)


async def test_forget_removes_a_users_rows(bot: BotHarness) -> None:
    api = bot.api
    await bot.deps.events.save(parse_event(SEED.read_bytes(), SEED.name))
    await subscribe(bot, [(A, "en", "private"), (D, "en", "private")])
    for user in (A, D):
        card = await _open(bot, user)
        await press(api, user, card, f"ics:{EVENT}")
        await press(api, user, card, f"spk:{EVENT}:1:en")
    await _open(bot, A)
    text, _ = await _stats(api, "en")
    assert "Card opens: 2 people, 3 times" in text
    assert "Calendar downloads: 2 people, 2 times" in text
    assert "2. Geun Lee: 2 people" in text

    # A records more (still buffered), then asks to be forgotten
    await press(api, A, card, f"evl:{EVENT}:ru")
    await calm(bot.deps.flood, A)
    question = await say(api, A, "/forget", contains="Delete everything")
    await press(api, A, message_id(question), "fgt:yes")

    text, _ = await _stats(api, "en")
    assert "Card opens: 1 person, 1 time" in text
    assert "Calendar downloads: 1 person, 1 time" in text
    assert "2. Geun Lee: 1 person" in text
    assert "Language switches: 0 switches" in text
    assert "Live followers: 0 people" in text  # nobody follows
    assert await bot.deps.engagement.repo.count() == 3  # D's three rows


async def test_stats_usage_unknown_event_and_refusal(bot: BotHarness) -> None:
    api = bot.api
    reply = await say(api, ADMIN_ID, "/stats no-such-event")
    assert reply.params["text"] == "There is no event with this id."
    reply = await say(api, ADMIN_ID, "/stats a b", language_code="ru")
    assert "/stats EVENT_ID" in reply.params["text"]
    reply = await say(api, ADMIN_ID, "/stats")  # unchanged: subscriber statistics
    assert "subscribers in total" in reply.params["text"]
    help_text = await say(api, ADMIN_ID, "/help")
    assert "/stats — Subscriber statistics; /stats EVENT_ID for one event" in help_text.params[
        "text"
    ]
    await bot.deps.events.save(parse_event(SEED.read_bytes(), SEED.name))
    refused = await say(api, A, f"/stats {EVENT}")
    assert "for the bot's administrators" in refused.params["text"]
    assert not api.calls("sendPhoto", A)
