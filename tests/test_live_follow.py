"""Following an event live: the card's button and /follow, /unfollow, in three languages;
groups, channels, /forget."""

from __future__ import annotations

from html import escape

from tests.chat_helpers import buttons, calm, labels, message_id, press, say
from tests.conftest import BotHarness
from tests.fakebot import Request
from tests.live_helpers import EN, KO, RU, live
from tests.sample_events import round_table

EVENT = "riac-kf-2021"
FOLLOW = {"en": "🔴 Follow live", "ru": "🔴 Следить за эфиром", "ko": "🔴 실시간 팔로우"}
UNFOLLOW = {
    "en": "⚪ Unfollow live",
    "ru": "⚪ Не следить за эфиром",
    "ko": "⚪ 실시간 팔로우 취소",
}
FOLLOWED = {
    "en": "You follow this event live: its live messages will come to this chat.",
    "ru": "Вы следите за эфиром этого мероприятия: его сообщения будут приходить в этот чат.",
    "ko": "이 행사를 실시간으로 팔로우합니다. 라이브 메시지가 이 채팅으로 옵니다.",
}
UNFOLLOWED = {
    "en": "You no longer follow this event live.",
    "ru": "Вы больше не следите за эфиром этого мероприятия.",
    "ko": "더 이상 이 행사를 실시간으로 팔로우하지 않습니다.",
}
GROUP, GROUP_ADMIN, MEMBER = -4101, 61_001, 61_002
CHANNEL = -1009876500001


def follow_button(request: Request) -> dict[str, str]:
    """The card's one flw: button."""
    found = [
        b for row in buttons(request) for b in row if b.get("callback_data", "").startswith("flw:")
    ]
    assert len(found) == 1, buttons(request)
    return found[0]


def has_follow_button(request: Request) -> bool:
    return any(
        b.get("callback_data", "").startswith("flw:") for row in buttons(request) for b in row
    )


async def open_card(bot: BotHarness, chat: int, language: str) -> Request:
    """/events, then a tap on the event: its card (no subscription involved)."""
    api = bot.api
    listing = await say(api, chat, "/events", language_code=language)
    await press(api, chat, message_id(listing), f"ev:{EVENT}", language_code=language)
    return await api.wait_for(
        lambda r: r.method == "sendMessage" and r.chat_id == chat and has_follow_button(r)
    )


async def test_follow_and_unfollow_from_the_card_in_three_languages(bot: BotHarness) -> None:
    api = bot.api
    await bot.deps.events.save(round_table(EVENT))
    for chat, language in ((EN, "en"), (RU, "ru"), (KO, "ko")):
        card = await open_card(bot, chat, language)
        follow = follow_button(card)
        assert follow == {"text": FOLLOW[language], "callback_data": f"flw:{EVENT}:{language}:1"}

        answer = await press(
            api, chat, message_id(card), follow["callback_data"], language_code=language
        )
        assert answer.params["text"] == FOLLOWED[language]
        assert await live(bot).is_following(EVENT, chat)
        markup = api.calls("editMessageReplyMarkup", chat, ok=True)[-1]
        unfollow = follow_button(markup)
        assert unfollow == {
            "text": UNFOLLOW[language],
            "callback_data": f"flw:{EVENT}:{language}:0",
        }
        assert labels(markup)[0].startswith("👥")  # the card's other buttons stay

        # Pressed again: unfollow, confirmed, and the button reads Follow live again.
        answer = await press(
            api, chat, message_id(card), unfollow["callback_data"], language_code=language
        )
        assert answer.params["text"] == UNFOLLOWED[language]
        assert not await live(bot).is_following(EVENT, chat)
        assert follow_button(api.calls("editMessageReplyMarkup", chat, ok=True)[-1]) == follow
        await calm(bot.deps.flood, chat)
    assert await live(bot).follower_count(EVENT) == 0

    # A card opened again shows the chat's state, in the language switched to as well.
    await say(api, EN, f"/follow {EVENT}")
    await calm(bot.deps.flood, EN)
    card = await say(api, EN, f"/start ev_{EVENT}", contains="<b>")
    assert follow_button(card)["text"] == UNFOLLOW["en"]
    await press(api, EN, message_id(card), f"evl:{EVENT}:ko")
    switched = [r for r in api.calls("editMessageText", EN, ok=True) if has_follow_button(r)]
    assert follow_button(switched[-1]) == {
        "text": UNFOLLOW["ko"],
        "callback_data": f"flw:{EVENT}:ko:0",
    }


async def test_follow_and_unfollow_by_command(bot: BotHarness) -> None:
    api = bot.api
    event = round_table(EVENT)
    await bot.deps.events.save(event)
    for chat, language in ((EN, "en"), (RU, "ru"), (KO, "ko")):
        reply = await say(api, chat, f"/follow {EVENT}", language_code=language)
        title = escape(event.title.get(language))
        assert reply.params["text"] == f"<b>{title}</b>\n{FOLLOWED[language]}"
        assert await live(bot).is_following(EVENT, chat)
        reply = await say(api, chat, f"/unfollow {EVENT}", language_code=language)
        assert reply.params["text"] == f"<b>{title}</b>\n{UNFOLLOWED[language]}"
        assert not await live(bot).is_following(EVENT, chat)
        await calm(bot.deps.flood, chat)

    assert (await say(api, EN, "/follow")).params["text"] == "Usage: /follow EVENT_ID"
    await calm(bot.deps.flood, EN)
    assert (await say(api, EN, "/unfollow")).params["text"] == "Usage: /unfollow EVENT_ID"
    await calm(bot.deps.flood, EN)
    reply = await say(api, EN, "/follow no-such-event")
    assert reply.params["text"] == "There is no event with this id."
    refused = await press(api, EN, 1, "flw:no-such-event:en:1")
    assert refused.params["show_alert"] is True
    for forged in (f"flw:{EVENT}:xx:1", f"flw:{EVENT}:en:2", f"flw:{EVENT}:en", "flw"):
        refused = await press(api, EN, 1, forged)
        assert refused.params["text"] == "This button is no longer valid.", forged
    assert await live(bot).follower_count(EVENT) == 0


async def test_groups_follow_by_their_admins_channels_are_refused(bot: BotHarness) -> None:
    api = bot.api
    await bot.deps.events.save(round_table(EVENT))
    api.add_chat(GROUP, "group", title="Club")
    api.set_chat_member(GROUP, GROUP_ADMIN, "administrator")
    api.set_chat_member(GROUP, MEMBER, "member")

    refused = await press(api, GROUP, 1, f"flw:{EVENT}:en:1", user_id=MEMBER)
    assert "administrators" in refused.params["text"]
    assert not await live(bot).is_following(EVENT, GROUP)
    answer = await press(api, GROUP, 1, f"flw:{EVENT}:en:1", user_id=GROUP_ADMIN)
    assert answer.params["text"] == FOLLOWED["en"]
    followers = await live(bot).followers(EVENT)
    assert [(f.chat_id, f.chat_type) for f in followers] == [(GROUP, "group")]
    # A member cannot unfollow for the group either.
    await press(api, GROUP, 1, f"flw:{EVENT}:en:0", user_id=MEMBER)
    assert await live(bot).is_following(EVENT, GROUP)

    api.add_chat(CHANNEL, "channel", title="News")
    refused = await press(api, CHANNEL, 1, f"flw:{EVENT}:en:1", user_id=MEMBER)
    assert refused.params["text"] == "Open the bot to follow this event live."
    assert not await live(bot).is_following(EVENT, CHANNEL)


async def test_forget_deletes_the_follows(bot: BotHarness) -> None:
    api = bot.api
    await bot.deps.events.save(round_table(EVENT))
    await bot.deps.events.save(round_table("other-event"))
    for event_id in (EVENT, "other-event"):
        await say(api, EN, f"/follow {event_id}")
        await calm(bot.deps.flood, EN)
    await say(api, RU, f"/follow {EVENT}", language_code="ru")
    await calm(bot.deps.flood, EN)
    question = await say(api, EN, "/forget")
    await press(api, EN, message_id(question), "fgt:yes")
    assert not await live(bot).is_following(EVENT, EN)
    assert not await live(bot).is_following("other-event", EN)
    assert [f.chat_id for f in await live(bot).followers(EVENT)] == [RU]
