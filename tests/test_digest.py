"""``/digest``: the summary of the discussion, one broadcast of several messages per
recipient, end to end through the fake Bot API."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

from bot.config import Config
from tests.broadcast_helpers import add_subscribers, fast_bot
from tests.chat_helpers import callback_data, calm, edits, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.digest_helpers import SEED_PARTS, expected, received, seed_event, short_event
from tests.fakebot import FakeBotApi, Request


def _go(confirm: Request) -> str:
    return next(d for d in callback_data(confirm) if d.startswith("bc:go:"))


async def test_digest_in_three_languages_in_order_with_the_rate_buttons_last(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = seed_event()
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await add_subscribers(bot.deps.db, [1], language="en")
        await add_subscribers(bot.deps.db, [2], language="ru")
        await add_subscribers(bot.deps.db, [3], language="ko")

        confirm = await say(
            api, ADMIN_ID, f"/digest {event.id}", contains="Send it?", user_id=ADMIN_ID
        )
        text = confirm.params["text"]
        assert "Digest: Strategic Situation in the Asia Pacific" in text
        assert "Recipients: 3 subscribers" in text
        assert f"the first 2 of the {SEED_PARTS} messages each recipient gets" in text
        preview = [r for r in api.sent_messages(ADMIN_ID) if r is not confirm]
        assert [r.params["text"] for r in preview] == expected(event, "en")[:2]
        assert sum(api.delivered[chat] for chat in (1, 2, 3)) == 0  # nothing before Send

        await press(api, ADMIN_ID, message_id(confirm), _go(confirm), user_id=ADMIN_ID)
        report = await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=30)
        assert "3 of 3 recipients got every message." in report.params["text"]
        assert f"Messages delivered: {3 * SEED_PARTS} of {3 * SEED_PARTS} messages" in (
            report.params["text"]
        )
        progress = [r.params["text"] for r in edits(api, ADMIN_ID, message_id(confirm))]
        assert any(f"of {3 * SEED_PARTS} messages" in p for p in progress), progress

        for chat, language in ((1, "en"), (2, "ru"), (3, "ko")):
            texts = received(api, chat)
            assert texts == expected(event, language), (chat, texts)
            assert len(texts) == SEED_PARTS
            sends = api.sent_messages(chat)
            assert all("reply_markup" not in r.params for r in sends[:-1])
            assert callback_data(sends[-1]) == [f"rate:{event.id}:{n}" for n in range(1, 6)]
        assert "Итоги дискуссии" in received(api, 2)[0]
        assert "Ксения Кузьмина" in received(api, 2)[0]
        assert "토론 요약" in received(api, 3)[0]
        assert "Gleb Ivashentsov" in received(api, 1)[1]
        assert "Sangtu Ko" in received(api, 1)[-2]

        # the rating buttons are /rate's: a press rates the event
        last = api.sent_messages(2)[-1]
        answer = await press(api, 2, message_id(last), f"rate:{event.id}:4", user_id=2)
        assert "4" in answer.params["text"]
        assert await bot.deps.ratings.user_rating(event.id, 2) == 4

        # /stats EVENT_ID counts the digest's recipients (not its messages) under Digests
        stats = await say(api, ADMIN_ID, f"/stats {event.id}", contains="Digests")
        assert "Digests: 1 broadcast · Delivered: 3, Blocked the bot: 0, Failed: 0" in (
            stats.params["text"]
        )


async def test_a_403_on_part_3_stops_that_chat_and_texts_fall_back_to_the_default_language(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = short_event(speakers=3)  # 5 messages
    parts = len(expected(event, "en"))
    assert parts == 5
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await add_subscribers(bot.deps.db, [1, 4], language="en")
        await add_subscribers(bot.deps.db, [2], language="ru")
        await add_subscribers(bot.deps.db, [3], language="ko")
        await say(api, ADMIN_ID, f"/digest {event.id}", contains="Send it?", user_id=ADMIN_ID)
        confirm = api.sent_messages(ADMIN_ID)[-1]
        await press(api, ADMIN_ID, message_id(confirm), _go(confirm), user_id=ADMIN_ID)
        # chat 4 blocks the bot after its second message: the third is answered 403
        await api.wait_until(lambda: api.delivered[4] == 2, timeout=10)
        api.block(4)
        report = await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=30)

        assert "3 of 4 recipients got every message." in report.params["text"]
        assert "Blocked the bot: 1" in report.params["text"]
        assert f"Messages delivered: {3 * parts + 2} of {4 * parts} messages" in (
            report.params["text"]
        )
        failed = api.calls("sendMessage", 4, ok=False)
        assert len(failed) == 1 and failed[0].status == 403  # part 3, and nothing after it
        assert received(api, 4) == expected(event, "en")[:2]
        for chat, language in ((1, "en"), (2, "ru"), (3, "ko")):
            assert received(api, chat) == expected(event, language)
        ko = received(api, 3)
        assert "Short &lt;round&gt; table" in ko[0] and "토론 요약" in ko[0]  # title: English
        assert "Only in English &amp; &lt;b&gt;." in ko[3]  # summary only in English
        assert "(한국어)" in ko[1]  # the first speaker has Korean bullets
        assert "이 행사를 평가해 주세요" in ko[-1]
        subscriber = await bot.deps.subscribers.get(4)
        assert subscriber is not None and not subscriber.active
        figures = await bot.deps.broadcasts.figures(int(_go(confirm).rsplit(":", 1)[1]))
        assert figures.counts == {"sent": 3, "blocked": 1}
        assert figures.messages == 3 * parts + 2


async def test_cancel_mid_way_stops_every_chat_s_remaining_parts(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = short_event(speakers=3)
    chats = list(range(1, 6))
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await add_subscribers(bot.deps.db, chats, language="en")
        confirm = await say(
            api, ADMIN_ID, f"/digest {event.id}", contains="Send it?", user_id=ADMIN_ID
        )
        broadcast_id = int(_go(confirm).rsplit(":", 1)[1])
        await press(api, ADMIN_ID, message_id(confirm), _go(confirm), user_id=ADMIN_ID)
        await api.wait_until(lambda: all(api.delivered[c] >= 2 for c in chats), timeout=10)
        answer = await say(
            api, ADMIN_ID, f"/cancel_broadcast {broadcast_id}", contains="cancelled",
            user_id=ADMIN_ID,
        )
        at_cancel = {chat: api.delivered[chat] for chat in chats}
        report = await api.wait_for_message(ADMIN_ID, contains="Broadcast stopped", timeout=10)
        assert "Cancelled: 5" in report.params["text"]
        assert all(2 <= n < 5 for n in at_cancel.values()), at_cancel
        later = [
            r for r in api.sent_messages() if r.chat_id in chats and r.time > answer.time
        ]
        assert len(later) <= len(chats)  # at most the requests in flight at the cancel
        for chat in chats:
            texts = received(api, chat)
            assert texts == expected(event, "en")[: len(texts)]  # a prefix, in order
            assert len(texts) < 5
        figures = await bot.deps.broadcasts.figures(broadcast_id)
        assert figures.counts == {"cancelled": 5}
        assert figures.messages == sum(api.delivered[c] for c in chats)


async def test_interleaves_chats_and_keeps_one_message_a_second_per_chat(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    event = short_event(speakers=2)  # 4 messages
    chats = list(range(1, 61))
    # per chat as strict as Telegram may be (the admin's burst of preview replies excepted)
    api.rate_limit(None, per_chat_per_second=1, strict=True)
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(event)
        await add_subscribers(bot.deps.db, chats, language=lambda c: ("en", "ru", "ko")[c % 3])
        confirm = await say(
            api, ADMIN_ID, f"/digest {event.id}", contains="Send it?", user_id=ADMIN_ID
        )
        started = time.monotonic()
        await press(api, ADMIN_ID, message_id(confirm), _go(confirm), user_id=ADMIN_ID)
        await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=60)
        took = time.monotonic() - started

    parts = len(expected(event, "en"))
    # One chat after the other would take 60 × 3 × 1.02 s; interleaved, about 3 s.
    assert took < 12, took
    assert not [r for r in api.calls("sendMessage", ok=False) if r.chat_id in chats]  # no 429
    firsts = [api.sent_messages(chat)[0].time for chat in chats]
    seconds = [api.sent_messages(chat)[1].time for chat in chats]
    assert max(firsts) < min(seconds)  # every chat got its first part before any its second
    for chat in chats:
        language = ("en", "ru", "ko")[chat % 3]
        assert received(api, chat) == expected(event, language)
        times = [r.time for r in api.sent_messages(chat)]
        assert len(times) == parts
        gaps = [b - a for a, b in pairwise(times)]
        assert min(gaps) >= 1.0, (chat, gaps)


async def test_digest_refusals_create_nothing(bot: BotHarness) -> None:
    api = bot.api
    await bot.deps.events.save(short_event())
    await bot.deps.events.save(replace(short_event("silent"), speakers=()))
    refused = await say(api, 5, "/digest short", user_id=5)
    assert "for the bot's administrators" in refused.params["text"]
    for command, reply in (
        ("/digest", "Usage: /digest EVENT_ID"),
        ("/digest nope", "Sorry, I could not find this event."),
        ("/digest silent", "This event has no speakers: it has no digest."),
        ("/digest short lang=xx", "Unknown language “xx”"),
        ("/schedule silent +2h digest", "This event has no speakers"),
        ("/schedule short +2h digest topic=kids", "Unknown topic “kids”"),
    ):
        await calm(bot.deps.flood, ADMIN_ID)
        answer = await say(api, ADMIN_ID, command, contains=reply, user_id=ADMIN_ID)
        assert answer.ok
    async with bot.deps.db.conn.execute("SELECT COUNT(*) FROM broadcasts") as cur:
        row = await cur.fetchone()
    assert row is not None and row[0] == 0
