"""The live mode end to end: /live's control message, each button's message to followers
only and in their own language, once however often pressed, admins only, the end with the
rating buttons, a blocked follower, a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from html import escape

from bot.config import Config
from storage.db import Database
from storage.live import END, LiveRepository, say_action, summary_action
from storage.models import Event, Localized
from tests.chat_helpers import callback_data, edits, labels, message_id, press, say
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi, Request
from tests.live_helpers import (
    EN,
    FOLLOWERS,
    KO,
    OTHER,
    RU,
    button,
    follow_by_command,
    live,
    open_control,
    page_texts,
    sent_and_finished,
)
from tests.poll_helpers import poll_bot, until
from tests.sample_events import round_table

EVENT = "riac-kf-2021"
NOW_SPEAKING = {
    EN: "🎤 Now speaking: <b>Geun Lee</b>, Expert &lt;lee&gt; &amp; co — Main session",
    RU: "🎤 Сейчас выступает: <b>Ли Гын</b>, Эксперт &lt;lee&gt; и Ко — Основная сессия",
    KO: "🎤 지금 발표 중: <b>이근</b>, 전문가 &lt;lee&gt; — 본 세션",
}
ENDED = {
    EN: "⏹ The event has ended. Thank you for following it live!",
    RU: "⏹ Мероприятие завершилось. Спасибо, что следили за эфиром!",
    KO: "⏹ 행사가 끝났습니다. 실시간으로 함께해 주셔서 감사합니다!",
}
ADMIN_REFUSAL = "Sorry, this command is for the bot's administrators."


async def test_live_buttons_reach_followers_only_once_each_in_their_language(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = round_table(EVENT)
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await follow_by_command(bot, EVENT)
        control, session = await open_control(bot, EVENT)
        assert "3 followers" in control.params["text"]
        assert callback_data(control) == [
            *(button(session, op, i) for i in range(3) for op in ("say", "sum")),
            button(session, "end"),
        ]
        assert labels(control)[:2] == ["🎤 Gleb Ivashentsov", "📝 Gleb Ivashentsov"]
        assert labels(control)[-1] == "⏹ End live"
        msg = message_id(control)
        before = {chat: len(api.sent_texts(chat)) for chat in (*FOLLOWERS, OTHER)}

        # 🎤: "Now speaking" to each follower in their language; the admin is told.
        answer = await press(api, ADMIN_ID, msg, button(session, "say", 1))
        assert answer.params["text"] == "Sent to 3 followers."
        await sent_and_finished(bot, session, say_action("lee"))
        for chat, expected in NOW_SPEAKING.items():
            assert api.sent_texts(chat)[before[chat]:] == [
                f"🔴 <b>{_title(event, FOLLOWERS[chat])}</b>\n{expected}"
            ]
        assert len(api.sent_texts(OTHER)) == before[OTHER]
        assert await live(bot).current_speaker(EVENT) == "lee"
        updated = edits(api, ADMIN_ID, msg)[-1]
        assert "Now speaking: <b>Geun Lee</b>" in updated.params["text"]
        assert "🎤 Geun Lee ✓" in labels(updated)

        # 📝 pressed twice at once: one broadcast, the second press says it was sent.
        presses = [
            api.inject_callback_query(ADMIN_ID, button(session, "sum", 0), message_id=msg)
            for _ in range(2)
        ]
        ids = {str(p["callback_query"]["id"]) for p in presses}

        def answer_of(query_id: str) -> Callable[[Request], bool]:
            return lambda r: (
                r.method == "answerCallbackQuery"
                and str(r.params["callback_query_id"]) == query_id
            )

        answers = await asyncio.gather(*(api.wait_for(answer_of(q)) for q in ids))
        assert sorted(a.params["text"] for a in answers) == [
            "Already sent: each button works once.",
            "Sent to 3 followers.",
        ]
        broadcasts = await sent_and_finished(bot, session, summary_action("ivashentsov"))
        assert len(broadcasts) == 1
        for chat, language in FOLLOWERS.items():
            summary = page_texts(event, 0, language)
            assert api.sent_texts(chat)[before[chat] + 1:] == summary
            assert summary[0].startswith(f"🗂 {_title(event, language)}")
        summary_message = api.sent_messages(EN)[-1]
        assert callback_data(summary_message)[-1] == f"evl:{EVENT}:en:0"  # the page's buttons
        assert len(api.sent_texts(OTHER)) == before[OTHER]
        # Later presses of a sent button: nothing more.
        answer = await press(api, ADMIN_ID, msg, button(session, "say", 1))
        assert answer.params["text"] == "Already sent: each button works once."

        # A non-admin's press (or forged data) changes nothing and is told so.
        for data in (button(session, "say", 2), button(session, "end")):
            refused = await press(api, OTHER, 1, data)
            assert refused.params["text"] == ADMIN_REFUSAL
        for data in (
            button(999, "say", 0),
            button(session, "say", 3),
            button(session, "sum", -1),
            button(session, "xx", 0),
            f"live:{session}:say",
            "live:x:say:0",
        ):
            refused = await press(api, ADMIN_ID, msg, data)
            assert refused.params["text"] == "This button is no longer valid.", data
        assert await live(bot).current_speaker(EVENT) == "lee"
        assert await live(bot).sent_actions(session) == {
            say_action("lee"),
            summary_action("ivashentsov"),
        }

        # ⏹: "The event has ended" with /rate's buttons; then the live mode is over.
        answer = await press(api, ADMIN_ID, msg, button(session, "end"))
        assert answer.params["text"] == "Sent to 3 followers."
        await sent_and_finished(bot, session, END)
        for chat, expected in ENDED.items():
            ended = api.sent_messages(chat)[-1]
            assert ended.params["text"].startswith(expected + "\n\n⭐ <b>")
            assert callback_data(ended) == [f"rate:{EVENT}:{n}" for n in range(1, 6)]
        assert len(api.sent_texts(OTHER)) == before[OTHER]
        assert "The live mode has ended." in edits(api, ADMIN_ID, msg)[-1].params["text"]
        assert await live(bot).current_speaker(EVENT) is None
        for data in (button(session, "say", 2), button(session, "sum", 1), button(session, "end")):
            refused = await press(api, ADMIN_ID, msg, data)
            assert refused.params["text"] == "The live mode of this event has ended.", data
        assert await live(bot).sent_actions(session) == {
            say_action("lee"),
            summary_action("ivashentsov"),
            END,
        }
        # The rating buttons of the end message rate the event.
        ended_msg = message_id(api.sent_messages(RU)[-1])
        answer = await press(api, RU, ended_msg, f"rate:{EVENT}:5", language_code="ru")
        assert answer.params["text"] == "Спасибо! Ваша оценка: 5 из 5"

        # /live again: a new session, whose buttons work.
        _, second = await open_control(bot, EVENT)
        assert second != session



def _title(event: Event, language: str) -> str:
    return escape(event.title.get(language))


async def test_a_follower_who_blocked_the_bot_stops_following(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table(EVENT))
        await follow_by_command(bot, EVENT)
        control, session = await open_control(bot, EVENT)
        msg = message_id(control)
        api.block(KO)  # not subscribed: only its follow can be deactivated
        api.block(RU)  # subscribed: the engine deactivates the subscriber too
        answer = await press(api, ADMIN_ID, msg, button(session, "say", 0))
        assert answer.params["text"] == "Sent to 3 followers."
        (broadcast_id,) = await sent_and_finished(bot, session, say_action("ivashentsov"))
        figures = await bot.deps.broadcasts.figures(broadcast_id)
        assert (figures.get("sent"), figures.get("blocked")) == (1, 2)
        assert [f.chat_id for f in await live(bot).followers(EVENT)] == [EN]
        subscriber = await bot.deps.subscribers.get(RU)
        assert subscriber is not None and not subscriber.active
        answer = await press(api, ADMIN_ID, msg, button(session, "sum", 0))
        assert answer.params["text"] == "Sent to 1 follower."
        # Following again (after unblocking) makes the follow active again.
        api.unblock(KO)
        await say(api, KO, f"/follow {EVENT}", language_code="ko")
        assert await live(bot).follower_count(EVENT) == 2


async def test_nobody_follows_nothing_is_sent_and_the_button_still_works(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table(EVENT))
        control, session = await open_control(bot, EVENT)
        assert "0 followers" in control.params["text"]
        answer = await press(api, ADMIN_ID, message_id(control), button(session, "sum", 2))
        assert answer.params["text"] == "Nobody follows this event yet: nothing was sent."
        assert await live(bot).sent_actions(session) == set()
        await say(api, EN, f"/follow {EVENT}")
        answer = await press(api, ADMIN_ID, message_id(control), button(session, "sum", 2))
        assert answer.params["text"] == "Sent to 1 follower."
        await sent_and_finished(bot, session, summary_action("koldunova"))
        assert api.sent_texts(EN)[-1] == page_texts(round_table(EVENT), 2, "en")[-1]


async def test_live_state_survives_a_restart(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table(EVENT))
        await follow_by_command(bot, EVENT)
        control, session = await open_control(bot, EVENT)
        await press(api, ADMIN_ID, message_id(control), button(session, "say", 2))
        await sent_and_finished(bot, session, say_action("koldunova"))
    sent_before = {chat: len(api.sent_texts(chat)) for chat in FOLLOWERS}

    async with poll_bot(api, make_config) as bot:  # a second Application, same database
        assert await live(bot).current_speaker(EVENT) == "koldunova"
        assert await live(bot).follower_count(EVENT) == 3
        msg = message_id(control)
        # Confirmations come in the admin's language.
        answer = await press(api, ADMIN_ID, msg, button(session, "say", 2), language_code="ru")
        assert answer.params["text"] == "Уже отправлено: каждая кнопка срабатывает один раз."
        again, same = await open_control(bot, EVENT)
        assert same == session
        assert "Now speaking: <b>Ekaterina Koldunova</b>" in again.params["text"]
        assert "🎤 Ekaterina Koldunova ✓" in labels(again)
        answer = await press(api, ADMIN_ID, msg, button(session, "end"), language_code="ru")
        assert answer.params["text"] == "Отправлено 3 подписчикам эфира."
        await sent_and_finished(bot, session, END)
        for chat in FOLLOWERS:
            assert len(api.sent_texts(chat)) == sent_before[chat] + 1
            assert api.sent_texts(chat)[-1].startswith(ENDED[chat])


def _long_summary_event() -> Event:
    """Speaker 0's page is 3 messages in English, 1 in Russian, 2 in Korean."""
    event = round_table(EVENT)
    long = [f"Point {n}: " + "word " * 700 for n in range(3)]
    first = replace(
        event.speakers[0],
        summary=Localized(
            {"en": tuple(long), "ru": ("Короткий тезис.",), "ko": tuple(long[:2])}, "en"
        ),
    )
    return replace(event, speakers=(first, *event.speakers[1:]))


async def test_a_long_summary_goes_in_parts_in_order(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = _long_summary_event()
    pages = {chat: page_texts(event, 0, language) for chat, language in FOLLOWERS.items()}
    assert [len(pages[chat]) for chat in (EN, RU, KO)] == [3, 1, 2]
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await follow_by_command(bot, EVENT)
        control, session = await open_control(bot, EVENT)
        before = {chat: len(api.sent_texts(chat)) for chat in FOLLOWERS}
        answer = await press(api, ADMIN_ID, message_id(control), button(session, "sum", 0))
        assert answer.params["text"] == "Sent to 3 followers."
        action = summary_action("ivashentsov")
        assert len(await sent_and_finished(bot, session, action)) == 3
        for chat in FOLLOWERS:
            assert api.sent_texts(chat)[before[chat]:] == pages[chat]
            sent = api.sent_messages(chat)[before[chat]:]
            assert [bool(callback_data(r)) for r in sent] == [False] * (len(sent) - 1) + [True]
        assert len(api.sent_texts(OTHER)) == 0


async def test_a_restart_between_parts_goes_on_with_the_next(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = _long_summary_event()
    pages = {chat: page_texts(event, 0, language) for chat, language in FOLLOWERS.items()}
    action = summary_action("ivashentsov")
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await follow_by_command(bot, EVENT)
        control, session = await open_control(bot, EVENT)
        before = {chat: len(api.sent_texts(chat)) for chat in FOLLOWERS}
        await press(api, ADMIN_ID, message_id(control), button(session, "sum", 0))

        async def second_part_started() -> bool:
            send = await live(bot).get_send(session, action)
            return send is not None and len(send.broadcasts) == 2

        await until(second_part_started, what="the second part started")
        # Stopped here: the third part (English only) is not started yet.
    db = await Database.open(make_config().database_path)
    try:
        send = await LiveRepository(db).get_send(session, action)
    finally:
        await db.close()
    assert send is not None and len(send.broadcasts) == 2 and len(send.payloads) == 3

    async with poll_bot(api, make_config) as bot:
        assert len(await sent_and_finished(bot, session, action)) == 3
        for chat in FOLLOWERS:
            assert api.sent_texts(chat)[before[chat]:] == pages[chat]


async def test_live_summaries_and_followers_show_in_the_event_stats(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    """A summary sent live counts its followers (people, not groups) as its speaker's
    readers; /stats EVENT_ID counts the followers."""
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        event = round_table(EVENT)
        await bot.deps.events.save(event)
        await follow_by_command(bot, EVENT)
        control, session = await open_control(bot, EVENT)
        answer = await press(api, ADMIN_ID, message_id(control), button(session, "sum", 2))
        assert answer.params["text"] == "Sent to 3 followers."
        await sent_and_finished(bot, session, summary_action("koldunova"))
        stats = await say(api, ADMIN_ID, f"/stats {EVENT}", contains="Speaker readers")
        text = stats.params["text"]
        assert "Live followers: 3 people" in text
        speaker = event.speakers[2].name.get("en")
        assert f"3. {escape(speaker)}: 3 people" in text
        assert "1. " in text and ": 0 people" in text
