"""Groups and channels end to end: subscribing, rights, announcements, migration, removal."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.handlers.channels import parse_add_arguments, parse_channel
from storage.models import Subscriber
from tests.chat_helpers import callback_data, message_id, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.sample_events import round_table

GROUP = -4001
SUPERGROUP = -1001234567890
CHANNEL = -1009876543210
GROUP_ADMIN = 1501
MEMBER = 1502
READER = 1503
"""A private subscriber, to show a broadcast ran while a group got nothing."""


def _group(api: FakeBotApi, chat_id: int = GROUP, chat_type: str = "group") -> None:
    api.add_chat(chat_id, chat_type, title="Round <table> club")
    api.set_chat_member(chat_id, GROUP_ADMIN, "administrator")
    api.set_chat_member(chat_id, MEMBER, "member")


async def _subscriber(bot: BotHarness, chat_id: int) -> Subscriber | None:
    return await bot.deps.subscribers.get(chat_id)


async def _wait_subscriber(
    bot: BotHarness, chat_id: int, timeout: float = 5.0, **expected: Any
) -> Subscriber:
    """Wait until ``chat_id``'s subscription exists with the ``expected`` attribute values.

    The database is outside the fake server, so the condition is re-read every 20 ms.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        subscriber = await _subscriber(bot, chat_id)
        if subscriber is not None and all(
            getattr(subscriber, key) == value for key, value in expected.items()
        ):
            return subscriber
        if loop.time() > deadline:
            raise AssertionError(
                bot.api.report(f"chat {chat_id}: {subscriber} does not match {expected}")
            )
        await asyncio.sleep(0.02)


async def _subscribe_group(bot: BotHarness, chat_id: int = GROUP) -> Subscriber:
    """The group's admin sends /start in the group; returns the active subscription."""
    await say(bot.api, chat_id, "/start@eventbot_test", user_id=GROUP_ADMIN)
    return await _wait_subscriber(bot, chat_id, active=True)


async def _announce(bot: BotHarness, event_id: str) -> None:
    """The bot's admin announces an event (confirming the preview if one is offered)."""
    api = bot.api
    before = len(api.requests)
    api.inject_message(ADMIN_ID, f"/announce {event_id}")

    def offers_confirm(r: Request) -> bool:
        return (
            r in api.requests[before:]
            and r.method == "sendMessage"
            and r.chat_id == ADMIN_ID
            and any(data.startswith("bc:go:") for data in callback_data(r))
        )

    preview = await api.wait_for(offers_confirm)
    go = next(data for data in callback_data(preview) if data.startswith("bc:go:"))
    api.inject_callback_query(ADMIN_ID, go, message_id=message_id(preview), user_id=ADMIN_ID)


def _cards(api: FakeBotApi, chat_id: int, title: str) -> list[Request]:
    return [r for r in api.sent_messages(chat_id) if title in r.params["text"]]


# parsing -----------------------------------------------------------------------------------


def test_parse_channel_references() -> None:
    assert parse_channel("@events_channel") == "@events_channel"
    assert parse_channel("events_channel") == "@events_channel"
    assert parse_channel("https://t.me/events_channel") == "@events_channel"
    assert parse_channel("-1009876543210") == -1009876543210
    assert parse_channel("@x") is None
    assert parse_channel("-42") is None
    assert parse_add_arguments(["@events_channel", "lang=ru"]) == ("@events_channel", "ru", None)
    assert parse_add_arguments(["lang=KO", "@events_channel"]) == ("@events_channel", "ko", None)
    assert parse_add_arguments(["@events_channel"]) == ("@events_channel", None, None)
    assert parse_add_arguments(["@events_channel", "lang=de"])[2] == "lang=de"
    assert parse_add_arguments(["@a_channel", "@b_channel"])[2] == "@b_channel"


# groups ------------------------------------------------------------------------------------


async def test_bot_added_to_a_group_explains_how_to_subscribe(bot: BotHarness) -> None:
    _group(bot.api)
    bot.api.inject_my_chat_member(
        GROUP, "group", old_status="left", new_status="member", from_user_id=GROUP_ADMIN
    )
    greeting = await bot.api.wait_for_message(GROUP, "/start")
    assert "group administrator" in greeting.params["text"]
    assert await _subscriber(bot, GROUP) is None, "adding the bot does not subscribe the group"


async def test_only_group_admins_subscribe_and_change_settings(bot: BotHarness) -> None:
    api = bot.api
    _group(api)
    refusal = await say(api, GROUP, "/start", user_id=MEMBER)
    assert "administrators" in refusal.params["text"]
    assert await _subscriber(bot, GROUP) is None

    subscribed = await _subscribe_group(bot)
    assert subscribed.chat_type == "group"
    assert subscribed.title == "Round <table> club"
    language = subscribed.language

    refusal = await say(api, GROUP, "/language", user_id=MEMBER)
    assert "administrators" in refusal.params["text"]
    # A member pressing the admin's language buttons is refused too, and nothing changes.
    picker = await say(api, GROUP, "/language", user_id=GROUP_ADMIN)
    other = next(d for d in callback_data(picker) if d.startswith("lang:") and language not in d)
    update = api.inject_callback_query(GROUP, other, message_id=message_id(picker), user_id=MEMBER)
    answer = await api.wait_for(
        lambda r: (
            r.method == "answerCallbackQuery"
            and str(r.params["callback_query_id"]) == update["callback_query"]["id"]
        )
    )
    assert "administrators" in answer.params.get("text", "")
    subscriber = await _subscriber(bot, GROUP)
    assert subscriber is not None and subscriber.language == language


async def test_migration_moves_the_subscription_with_its_settings(bot: BotHarness) -> None:
    api = bot.api
    _group(api)
    await _subscribe_group(bot)
    await bot.deps.subscribers.set_language(GROUP, "ko")
    await bot.deps.subscribers.set_topics(GROUP, ["business", "students"])
    api.inject_chat_migration(GROUP, SUPERGROUP, from_user_id=GROUP_ADMIN)
    moved = await _wait_subscriber(bot, SUPERGROUP, chat_type="supergroup")
    assert moved.active and moved.language == "ko" and moved.title == "Round <table> club"
    assert moved.topics == frozenset({"business", "students"})
    assert await _subscriber(bot, GROUP) is None
    # The supergroup's admin manages it as before.
    api.set_chat_member(SUPERGROUP, GROUP_ADMIN, "administrator")
    picker = await say(api, SUPERGROUP, "/language", user_id=GROUP_ADMIN)
    assert any(d.startswith("lang:") for d in callback_data(picker))


async def test_group_gets_announcements_and_keeps_them_after_becoming_a_supergroup(
    bot: BotHarness,
) -> None:
    api = bot.api
    _group(api)
    await _subscribe_group(bot)
    await bot.deps.subscribers.set_topics(GROUP, ["researchers"])
    event = round_table("riac-kf-2021", speakers=2)
    await bot.deps.events.save(event)
    title = event.title.get("en").split(" <")[0]

    await _announce(bot, event.id)
    await api.wait_until(lambda: len(_cards(api, GROUP, title)) == 1, timeout=10)

    api.inject_chat_migration(GROUP, SUPERGROUP, from_user_id=GROUP_ADMIN)
    moved = await _wait_subscriber(bot, SUPERGROUP, active=True, chat_type="supergroup")
    assert moved.topics == frozenset({"researchers"}), "topics follow the new chat id"
    assert await _subscriber(bot, GROUP) is None

    await _announce(bot, event.id)
    await api.wait_until(lambda: len(_cards(api, SUPERGROUP, title)) == 1, timeout=10)
    assert len(_cards(api, GROUP, title)) == 1
    assert api.calls("sendMessage", GROUP, ok=False) == []


async def test_bot_removed_from_a_group_stops_sending_there(bot: BotHarness) -> None:
    api = bot.api
    _group(api)
    await _subscribe_group(bot)
    await say(api, READER, "/start")
    event = round_table("riac-kf-2021", speakers=1)
    await bot.deps.events.save(event)
    title = event.title.get("en").split(" <")[0]

    api.inject_my_chat_member(
        GROUP, "group", old_status="member", new_status="left", from_user_id=GROUP_ADMIN
    )
    gone = await _wait_subscriber(bot, GROUP, active=False)
    assert gone.left_at is not None
    sent_to_group = len(api.calls(chat_id=GROUP))

    await _announce(bot, event.id)
    await api.wait_until(lambda: len(_cards(api, READER, title)) == 1, timeout=10)
    assert len(api.calls(chat_id=GROUP)) == sent_to_group, "nothing was tried in the group"

    # Added back: the subscription waits for an admin's /start, settings kept.
    api.inject_my_chat_member(
        GROUP, "group", old_status="left", new_status="member", from_user_id=GROUP_ADMIN
    )
    await api.wait_for_message(GROUP, "/start")
    again = await _subscribe_group(bot)
    assert again.chat_type == "group" and again.language == gone.language


async def test_a_user_blocking_the_bot_is_marked_inactive(bot: BotHarness) -> None:
    await say(bot.api, READER, "/start")
    await _wait_subscriber(bot, READER, active=True)
    bot.api.inject_my_chat_member(READER, "private", old_status="member", new_status="kicked")
    gone = await _wait_subscriber(bot, READER, active=False)
    assert gone.left_at is not None


# channels ----------------------------------------------------------------------------------


def _channel(api: FakeBotApi, *, status: str = "administrator", **rights: Any) -> None:
    api.add_chat(CHANNEL, "channel", title="Events & <news>", username="events_channel")
    api.set_chat_member(CHANNEL, api.bot_id, status, **rights)


async def test_addchannel_checks_the_bots_rights(bot: BotHarness) -> None:
    api = bot.api
    refusal = await say(api, MEMBER, "/addchannel @events_channel")
    assert "administrators" in refusal.params["text"]

    usage = await say(api, ADMIN_ID, "/addchannel")
    assert "Usage: /addchannel" in usage.params["text"]
    usage = await say(api, ADMIN_ID, "/addchannel @events_channel lang=de")
    assert "Usage: /addchannel" in usage.params["text"]

    reply = await say(api, ADMIN_ID, "/addchannel @events_channel")
    assert "I can't find @events_channel" in reply.params["text"]

    _channel(api, status="member")
    reply = await say(api, ADMIN_ID, "/addchannel @events_channel")
    assert "I am not an administrator of Events &amp; &lt;news&gt;" in reply.params["text"]

    _channel(api, can_post_messages=False)
    reply = await say(api, ADMIN_ID, "/addchannel https://t.me/events_channel")
    assert "may not post messages" in reply.params["text"]

    _group(api, SUPERGROUP, "supergroup")
    reply = await say(api, ADMIN_ID, f"/addchannel {SUPERGROUP}")
    assert "Round &lt;table&gt; club is not a channel" in reply.params["text"]
    assert await _subscriber(bot, CHANNEL) is None


async def test_channel_is_a_broadcast_target_until_removed(bot: BotHarness) -> None:
    api = bot.api
    _channel(api)
    reply = await say(api, ADMIN_ID, "/addchannel @events_channel lang=ru", language_code="en")
    text = reply.params["text"]
    assert "Channel <b>Events &amp; &lt;news&gt;</b> connected" in text and "Русский" in text
    channel = await _wait_subscriber(bot, CHANNEL, active=True)
    assert (channel.chat_type, channel.language, channel.user_id) == ("channel", "ru", None)

    # In Russian, for an admin who speaks Russian.
    reply = await say(api, ADMIN_ID, "/addchannel @events_channel lang=ko", language_code="ru")
    assert "Канал <b>Events &amp; &lt;news&gt;</b> подключён" in reply.params["text"]
    assert "한국어" in reply.params["text"]
    assert (await _wait_subscriber(bot, CHANNEL, language="ko")).active

    event = round_table("riac-kf-2021", speakers=1)
    await bot.deps.events.save(event)
    await _announce(bot, event.id)
    await api.wait_until(lambda: bool(api.sent_messages(CHANNEL)), timeout=10)
    # the final report comes when the broadcast is over: before the next command's reply
    await api.wait_until(
        lambda: any("Broadcast finished" in t for t in api.sent_texts(ADMIN_ID)), timeout=10
    )

    reply = await say(api, ADMIN_ID, "/removechannel @events_channel")
    assert "disconnected" in reply.params["text"]
    await _wait_subscriber(bot, CHANNEL, active=False)
    reply = await say(api, ADMIN_ID, "/removechannel -1000000000001")
    assert "is not a connected channel" in reply.params["text"]


async def test_bot_removed_from_a_channel_deactivates_it(bot: BotHarness) -> None:
    api = bot.api
    _channel(api)
    await say(api, ADMIN_ID, "/addchannel @events_channel")
    await _wait_subscriber(bot, CHANNEL, active=True)
    # Demoted to a plain member: it can no longer post, so the channel is no target.
    api.inject_my_chat_member(
        CHANNEL, "channel", old_status="administrator", new_status="member", from_user_id=1
    )
    await _wait_subscriber(bot, CHANNEL, active=False)
