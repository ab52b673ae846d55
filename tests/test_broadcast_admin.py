"""Admin broadcasting through the chat: previews, confirmation, progress, reports, refusals."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from tests.broadcast_helpers import add_subscribers, copies, fast_bot, sends_to
from tests.chat_helpers import callback_data, calm, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.sample_events import round_table

REFUSAL = "Sorry, this command is for the bot's administrators."
INVALID = "This button is no longer valid."


async def _drafts(bot: BotHarness) -> list[tuple[int, str]]:
    async with bot.deps.db.conn.execute("SELECT id, state FROM broadcasts ORDER BY id") as cur:
        return [(int(r[0]), str(r[1])) for r in await cur.fetchall()]


async def _confirmation(api: FakeBotApi, command: str) -> Request:
    """Send an admin command; the message with the Send / Cancel buttons."""
    return await say(api, ADMIN_ID, command, contains="Send it?", user_id=ADMIN_ID)


def _button(request: Request, action: str) -> str:
    return next(d for d in callback_data(request) if d.startswith(f"bc:{action}:"))


async def test_announce_preview_confirm_progress_report_and_403(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table("riac"))
        await add_subscribers(bot.deps.db, [1, 4], language="ru")
        await add_subscribers(bot.deps.db, [2, 5], language="ko")
        await add_subscribers(bot.deps.db, [3, 6], language="en")
        api.block(4)
        confirm = await _confirmation(api, "/announce riac")
        assert "Recipients: 6 subscribers" in confirm.text  # type: ignore[operator]
        assert "Русский: 2" in confirm.text  # type: ignore[operator]
        preview = sends_to(api, ADMIN_ID)[0]
        assert "Strategic Situation in the Asia Pacific &lt;Threats&gt;" in preview.params["text"]
        assert sum(api.delivered[c] for c in range(1, 7)) == 0  # nothing sent before Send

        await press(api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID)
        report = await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=10)
        assert "5 of 6 recipients got the message." in report.params["text"]
        assert "Blocked the bot: 1" in report.params["text"]
        assert copies(api, range(1, 7)) == {1: 1, 2: 1, 3: 1, 4: 0, 5: 1, 6: 1}
        assert "Стратегическая ситуация в АТР" in sends_to(api, 1)[0].params["text"]
        assert "아시아태평양 전략 상황" in sends_to(api, 2)[0].params["text"]
        assert sends_to(api, 3)[0].params["reply_markup"]["inline_keyboard"]  # card buttons
        blocked = await bot.deps.subscribers.get(4)
        assert blocked is not None and not blocked.active
        edits = [
            r
            for r in api.calls("editMessageText", ADMIN_ID, ok=True)
            if r.params["message_id"] == message_id(confirm)
        ]
        assert (
            edits
            and "📤" in edits[-1].params["text"]
            and "Delivered: 5" in edits[-1].params["text"]
        )
        # pressing Send again does nothing more
        answer = await press(
            api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID
        )
        assert answer.params.get("text") == INVALID
        listing = await say(
            api, ADMIN_ID, "/broadcasts", contains="Recent broadcasts", user_id=ADMIN_ID
        )
        assert (
            "finished" in listing.params["text"] and "6 of 6 recipients" in listing.params["text"]
        )
    assert copies(api, range(1, 7))[1] == 1


async def test_broadcast_text_with_filters_and_formatting(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await add_subscribers(bot.deps.db, [1], language="ko", topics=["researchers"])
        await add_subscribers(bot.deps.db, [2], language="ko", topics=["business"])
        await add_subscribers(bot.deps.db, [3], language="ru", topics=["researchers"])
        await add_subscribers(bot.deps.db, [-100777], language="ko", topics=["researchers"])
        text = "/broadcast lang=ko topic=researchers groups=no 🎉 Big news today"
        bold = {"type": "bold", "offset": text.index("Big") + 1, "length": 3}  # +1: the emoji
        api.inject_message(
            ADMIN_ID,
            text,
            user_id=ADMIN_ID,
            entities=[{"type": "bot_command", "offset": 0, "length": 10}, bold],
        )
        confirm = await api.wait_for_message(ADMIN_ID, contains="Send it?")
        assert "Recipients: 1 subscriber" in confirm.params["text"]
        preview = sends_to(api, ADMIN_ID)[0]
        assert preview.params["text"] == "🎉 Big news today"
        await press(api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID)
        await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=10)
        assert copies(api, [1, 2, 3, -100777]) == {1: 1, 2: 0, 3: 0, -100777: 0}
        sent = sends_to(api, 1)[0].params
        assert sent["text"] == "🎉 Big news today" and "parse_mode" not in sent
        assert sent["entities"] == [{"type": "bold", "offset": 3, "length": 3}]


async def test_reply_copy_flow(fake_api: FakeBotApi, make_config: Callable[..., Config]) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await add_subscribers(bot.deps.db, [1, 2])
        usage = await say(api, ADMIN_ID, "/broadcast", contains="Usage", user_id=ADMIN_ID)
        assert "/broadcast" in usage.params["text"]
        original = api.inject_photo(
            ADMIN_ID, b"\xff\xd8fake", caption="Our poster", user_id=ADMIN_ID
        )
        original_id = original["message"]["message_id"]
        api.inject_message(ADMIN_ID, "/broadcast", user_id=ADMIN_ID, reply_to_message=original_id)
        confirm = await api.wait_for_message(ADMIN_ID, contains="Send it?")
        assert "Our poster" in confirm.params["text"]  # the draft's title
        own_copy = api.calls("copyMessage", ADMIN_ID, ok=True)
        assert own_copy and own_copy[0].params["message_id"] == original_id
        await press(api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID)
        await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=10)
        for chat in (1, 2):
            copied = api.calls("copyMessage", chat, ok=True)
            assert len(copied) == 1
            assert copied[0].params["from_chat_id"] == ADMIN_ID
            assert copied[0].params["message_id"] == original_id


async def test_non_admins_are_refused_and_nothing_happens(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table("riac"))
        await add_subscribers(bot.deps.db, [5, 6])
        for command in (
            "/announce riac",
            "/broadcast hello",
            "/broadcasts",
            "/cancel_broadcast 1",
            "/schedule riac +1h",
        ):
            await calm(bot.deps.flood, 5)  # typed at a person's pace
            reply = await say(api, 5, command, contains=REFUSAL, user_id=5)
            assert reply.params["text"] == REFUSAL
        assert await _drafts(bot) == []
        # an admin's draft, whose button a non-admin presses (e.g. in a forwarded copy)
        confirm = await _confirmation(api, "/broadcast lang=en hello")
        broadcast_id = int(_button(confirm, "go").rsplit(":", 1)[1])
        answer = await press(api, 5, message_id(confirm), _button(confirm, "go"), user_id=5)
        assert answer.params.get("text") == REFUSAL
        assert await _drafts(bot) == [(broadcast_id, "draft")]
        assert api.delivered[6] == 0
        assert [r.text for r in sends_to(api, 5)] == [REFUSAL] * 5  # refusals only


async def test_forged_and_stale_buttons_change_nothing(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await add_subscribers(bot.deps.db, [1])
        confirm = await _confirmation(api, "/broadcast hello")
        broadcast_id = int(_button(confirm, "go").rsplit(":", 1)[1])
        for forged in ("bc:go:9999", "bc:go:abc", "bc:zz:1", "bc:go", f"bc:stop:{broadcast_id}"):
            answer = await press(api, ADMIN_ID, message_id(confirm), forged, user_id=ADMIN_ID)
            assert answer.params.get("text") == INVALID, forged
        assert await _drafts(bot) == [(broadcast_id, "draft")]
        await press(api, ADMIN_ID, message_id(confirm), _button(confirm, "no"), user_id=ADMIN_ID)
        edited = await api.wait_for(
            lambda r: r.method == "editMessageText" and "nothing was sent" in r.params["text"]
        )
        assert edited.ok
        assert await _drafts(bot) == [(broadcast_id, "cancelled")]
        answer = await press(
            api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID
        )
        assert answer.params.get("text") == INVALID
        assert api.delivered[1] == 0


async def test_schedule_list_and_cancel(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table("riac"))
        await add_subscribers(bot.deps.db, [1, 2])
        bad = await say(
            api, ADMIN_ID, "/schedule riac tomorrow", contains="Usage", user_id=ADMIN_ID
        )
        assert "+2h" in bad.params["text"]
        past = await say(
            api, ADMIN_ID, "/schedule riac 2020-01-01 10:00", contains="passed", user_id=ADMIN_ID
        )
        assert past.ok
        unknown = await say(
            api, ADMIN_ID, "/schedule nope +2h", contains="could not find", user_id=ADMIN_ID
        )
        assert unknown.ok
        wrong = await say(
            api,
            ADMIN_ID,
            "/schedule riac +2h lang=de",
            contains="Unknown language",
            user_id=ADMIN_ID,
        )
        assert "de" in wrong.params["text"]

        confirm = await _confirmation(api, "/schedule riac +2h lang=en")
        assert "Sending time:" in confirm.params["text"]
        await press(api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID)
        scheduled = await api.wait_for(
            lambda r: r.method == "editMessageText" and "Scheduled: #" in r.params["text"]
        )
        broadcast_id = int(_button(confirm, "go").rsplit(":", 1)[1])
        assert f"/cancel_broadcast {broadcast_id}" in scheduled.params["text"]
        assert await _drafts(bot) == [(broadcast_id, "scheduled")]
        listing = await say(
            api, ADMIN_ID, "/broadcasts", contains="Recent broadcasts", user_id=ADMIN_ID
        )
        assert "scheduled" in listing.params["text"] and "Sending time:" in listing.params["text"]

        done = await say(
            api,
            ADMIN_ID,
            f"/cancel_broadcast {broadcast_id}",
            contains="cancelled",
            user_id=ADMIN_ID,
        )
        assert f"#{broadcast_id}" in done.params["text"]
        again = await say(
            api,
            ADMIN_ID,
            f"/cancel_broadcast {broadcast_id}",
            contains="nothing to cancel",
            user_id=ADMIN_ID,
        )
        assert again.ok
        assert await _drafts(bot) == [(broadcast_id, "cancelled")]
        assert copies(api, [1, 2]) == {1: 0, 2: 0}


async def test_stop_button_on_the_progress_message(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config, send_rate=40.0) as bot:
        await add_subscribers(bot.deps.db, range(1, 201))
        confirm = await _confirmation(api, "/broadcast slow news")
        await press(api, ADMIN_ID, message_id(confirm), _button(confirm, "go"), user_id=ADMIN_ID)
        await api.wait_until(lambda: sum(api.delivered[c] for c in range(1, 201)) >= 10)
        progress = await api.wait_for(
            lambda r: (
                r.method == "editMessageText" and "bc:stop:" in str(r.params.get("reply_markup"))
            )
        )
        stop = next(d for d in callback_data(progress) if d.startswith("bc:stop:"))
        await press(api, ADMIN_ID, message_id(confirm), stop, user_id=ADMIN_ID)
        report = await api.wait_for_message(ADMIN_ID, contains="Broadcast stopped", timeout=10)
        assert "Cancelled:" in report.params["text"]
        assert sum(api.delivered[c] for c in range(1, 201)) < 200
