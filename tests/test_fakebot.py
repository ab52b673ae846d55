"""The fake Bot API server against the real python-telegram-bot 22.8 (Bot and Application).

Runs with ``asyncio_mode = "auto"`` (pyproject.toml).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import logging
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    CallbackQuery,
    ChatFullInfo,
    ChatMember,
    ChatMemberUpdated,
    Document,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    MenuButtonCommands,
    Message,
    PhotoSize,
    Poll,
    PollAnswer,
    TelegramObject,
    Update,
    User,
    WebhookInfo,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)

from tests.fakebot import FakeBotApi, objects
from tests.fakebot.faults import RateLimiter
from tests.fakebot.validation import EntityParseError, parse_html

AnyApp = Application[Any, Any, Any, Any, Any, Any]
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server
        assert not server.internal_errors, server.internal_errors


@pytest.fixture
async def tg(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        yield bot


class Running:
    """A real Application polling the fake server; every update lands in ``updates``."""

    def __init__(self, app: AnyApp) -> None:
        self.app = app
        self.updates: asyncio.Queue[Update] = asyncio.Queue()

    async def next(self, timeout: float = 3.0) -> Update:
        async with asyncio.timeout(timeout):
            return await self.updates.get()


@pytest.fixture
async def running(api: FakeBotApi) -> AsyncIterator[Running]:
    app: AnyApp = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    state = Running(app)

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await state.updates.put(update)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Hello {' '.join(context.args or [])}")

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("ok")
        await query.edit_message_text(f"pressed {query.data}")

    app.add_handler(TypeHandler(Update, collect), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield state
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def leftovers(obj: Any, path: str = "") -> list[str]:
    """Fields PTB did not recognise (api_kwargs), anywhere in a parsed object."""
    found: list[str] = []
    if isinstance(obj, TelegramObject):
        if obj.api_kwargs:
            found.append(f"{path or type(obj).__name__}: {sorted(obj.api_kwargs)}")
        for name, value in obj._get_attrs().items():
            found += leftovers(value, f"{path}.{name}")
    elif isinstance(obj, tuple | list):
        for index, value in enumerate(obj):
            found += leftovers(value, f"{path}[{index}]")
    return found


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# --- objects -------------------------------------------------------------------------------


async def test_every_object_parses_in_ptb_without_unknown_fields(api: FakeBotApi, tg: Bot) -> None:
    me = await tg.get_me()
    assert me.username == "eventbot_test" and me.is_bot and not leftovers(me)
    sent = await tg.send_message(42, "hi")
    poll_message = await tg.send_poll(-1001, "Q?", ["a", "b"], is_anonymous=False)
    stopped = await tg.stop_poll(-1001, poll_message.message_id)
    open_poll = await tg.send_poll(-1001, "Open?", ["a", "b"], is_anonymous=False)
    assert open_poll.poll is not None
    document = await tg.send_document(42, b"x", filename="a.txt", caption="c")
    photo = await tg.send_photo(42, PNG_1x1)
    assert document.document is not None
    file = await tg.get_file(document.document.file_id)
    api.add_chat(-1002, "channel", title="News", username="news", description="d")
    api.set_chat_member(-1002, 5, "administrator")
    api.set_chat_member(-1002, 6, "restricted")
    api.set_chat_member(-1002, 7, "kicked")
    parsed: list[TelegramObject] = [
        sent,
        poll_message,
        stopped,
        document,
        photo,
        file,
        await tg.get_chat("@news"),
        await tg.get_chat(42),
        *await tg.get_chat_administrators(-1002),
        await tg.get_chat_member(-1002, 6),
        await tg.get_chat_member(-1002, 7),
        await tg.get_chat_member(-1002, 8),
        await tg.get_webhook_info(),
    ]
    for obj in parsed:
        assert not leftovers(obj), leftovers(obj)
    assert isinstance(parsed[6], ChatFullInfo) and parsed[6].description == "d"
    statuses = [m.status for m in parsed[8:12] if isinstance(m, ChatMember)]
    assert statuses == ["administrator", "restricted", "kicked", "left"]
    assert isinstance(parsed[12], WebhookInfo)
    assert isinstance(file, File) and file.file_size == 1
    assert photo.photo and isinstance(photo.photo[-1], PhotoSize)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (1, 1)

    updates = [
        api.inject_message(42, "/start"),
        api.inject_message(-100777, "hi", user_id=9, username="nine"),
        api.inject_message(-1002, "post", chat_type="channel"),
        api.inject_document(42, "f.pdf", b"%PDF", caption="doc"),
        api.inject_photo(42, b"jpeg"),
        api.inject_callback_query(42, "x", message_id=sent.message_id),
        api.inject_inline_query(42, "q"),
        api.inject_poll_answer(open_poll.poll.id, 42, [1]),
        api.inject_poll_update(stopped.to_dict()),
        api.inject_my_chat_member(-100777, None, "member", "administrator", 9),
        api.inject_chat_member(-100777, 10, "left", "restricted"),
        api.inject_chat_migration(-777, -100778),
    ]
    for raw in updates:
        update = Update.de_json(json.loads(json.dumps(raw)), tg)
        assert not leftovers(update), (raw, leftovers(update))
    for builder_result, cls in [
        (objects.chat_member(objects.user(1), "creator"), ChatMember),
        (objects.chat_member(objects.user(1), "member"), ChatMember),
    ]:
        assert not leftovers(cls.de_json(builder_result, tg))


# --- requests ------------------------------------------------------------------------------


async def test_send_message_round_trip_and_records(api: FakeBotApi, tg: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="ev:1")]])
    first = await tg.send_message(
        42, "<b>Hi</b> &amp; welcome", parse_mode="HTML", reply_markup=markup
    )
    second = await tg.send_message(42, "again")
    other = await tg.send_message(43, "other chat")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "Hi & welcome" and first.entities[0].type == "bold"
    assert first.reply_markup == markup
    assert first.from_user is not None and first.from_user.id == api.bot_id
    assert first.chat.id == 42 and first.chat.type == "private"

    [request, _] = api.sent_messages(42)
    assert request.params["text"] == "<b>Hi</b> &amp; welcome"
    assert request.params["reply_markup"] == markup.to_dict()  # decoded from the JSON string
    assert request.ok and request.result["message_id"] == 1
    assert api.sent_texts(43) == ["other chat"]
    assert [r.method for r in api.calls(chat_id=42)] == ["sendMessage", "sendMessage"]
    assert api.delivered == {42: 2, 43: 1}
    assert api.stats.count("sendmessage", 200) == 3
    assert api.message(42, 1) is not None
    assert await api.wait_for(lambda r: r.params["text"] == "again") is api.requests[-2]


async def test_names_tokens_and_body_encodings(api: FakeBotApi, tg: Bot) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{api.base_url}{api.token}"
        markup = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]})
        async with http.post(
            f"{url}/SENDMESSAGE", json={"chat_id": 5, "text": "x", "reply_markup": markup}
        ) as answer:
            assert answer.status == 200 and (await answer.json())["ok"] is True
        async with http.post(f"{url}/sendmessage", data={"chat_id": "@nobody", "text": "1"}) as a:
            assert a.status == 400
            assert (await a.json())["description"] == "Bad Request: chat not found"
        async with http.get(f"{url}/getMe?x=1") as answer:
            assert answer.status == 200
    first = api.calls("sendMessage")[0]
    assert first.params["chat_id"] == 5
    assert first.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"

    with pytest.raises(EndPointNotFound):
        await tg.do_api_request("fooBar")
    assert api.requests[-1].method == "fooBar" and api.requests[-1].status == 404
    assert api.requests[-1].description == "Not Found: method not found"
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=api.base_url):
            pass
    assert api.stats.count(status=401) == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")  # do_api_request
async def test_telegram_validation_errors(api: FakeBotApi, tg: Bot) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("sendMessage", {"chat_id": 1}, "message text is empty"),
        ("sendMessage", {"text": "x"}, "chat_id is empty"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "message is too long"),
        ("sendDocument", {"chat_id": 1, "document": "nope"}, "wrong file identifier"),
        ("editMessageText", {"chat_id": 1, "message_id": 99, "text": "x"}, "not found"),
        ("answerCallbackQuery", {"callback_query_id": "1"}, "query is too old"),
        ("sendPoll", {"chat_id": 1, "question": "q" * 301, "options": ["a"]}, "question"),
        (
            "sendPoll",
            {"chat_id": 1, "question": "q", "options": [str(i) for i in range(13)]},
            "more than 12",
        ),
        ("sendChatAction", {"chat_id": 1, "action": "dancing"}, "action"),
    ]
    for method, params, expected in cases:
        with pytest.raises(BadRequest, match=rf"(?i){expected}"):
            await tg.do_api_request(method, api_kwargs=params)
    await tg.send_message(1, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await tg.send_document(1, b"x", filename="a", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await tg.send_message(
            1,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("b", callback_data="d" * 65)]]
            ),
        )
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await tg.do_api_request(
            "sendMessage",
            api_kwargs={
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "b"}]]},
            },
        )
    sent = await tg.send_message(1, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await tg.edit_message_text("same", chat_id=1, message_id=sent.message_id)
    assert api.stats.count(status=400) == len(cases) + 4


async def test_other_methods_answer_what_ptb_expects(api: FakeBotApi, tg: Bot) -> None:
    await tg.set_my_commands([("start", "Start"), ("events", "Events")], language_code="ru")
    assert [c.command for c in await tg.get_my_commands(language_code="ru")] == ["start", "events"]
    assert await tg.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await tg.set_my_commands([("Bad-Name", "x")])
    await tg.delete_my_commands(language_code="ru")
    assert await tg.get_my_commands(language_code="ru") == ()
    await tg.set_chat_menu_button(chat_id=42, menu_button=MenuButtonCommands())
    assert isinstance(await tg.get_chat_menu_button(chat_id=42), MenuButtonCommands)
    assert await tg.send_chat_action(42, "typing")

    api.inject_message(42, "original")
    menu = await tg.send_message(42, "menu", reply_to_message_id=1)
    assert menu.reply_to_message is not None and menu.reply_to_message.text == "original"
    with pytest.raises(BadRequest, match=r"(?i)replied not found"):
        await tg.send_message(42, "x", reply_to_message_id=999)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    edited = await tg.edit_message_reply_markup(42, menu.message_id, reply_markup=markup)
    assert isinstance(edited, Message) and edited.reply_markup == markup
    assert await tg.set_message_reaction(42, menu.message_id, "👍")
    assert api.reactions[42, menu.message_id] == [{"type": "emoji", "emoji": "👍"}]

    doc = await tg.send_document(
        42, b"pdf", filename="a.pdf", caption="<b>v1</b>", parse_mode="HTML"
    )
    edited = await tg.edit_message_caption(42, doc.message_id, caption="v2")
    assert isinstance(edited, Message) and edited.caption == "v2" and edited.document
    copy = await tg.copy_message(-1001, 42, doc.message_id)
    copied = api.message(-1001, copy.message_id)
    assert copied is not None and doc.document is not None
    assert copied["document"] == doc.document.to_dict()
    forwarded = await tg.forward_message(43, 42, 1)
    assert forwarded.forward_origin is not None and forwarded.text == "original"
    assert not leftovers(forwarded) and not leftovers(edited)

    assert await tg.delete_message(42, menu.message_id)
    assert api.message(42, menu.message_id) is None
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await tg.delete_message(42, menu.message_id)
    assert await tg.log_out() and await tg.close()
    assert api.delivered == {42: 2, -1001: 1, 43: 1}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag"),
        ("a < b", 'Unsupported start tag ""'),
        ("a > b", 'Character ">"'),
        ("Q&A", 'Character "&"'),
        ("line<br>break", 'Unsupported start tag "br"'),
        ('<span class="x">s</span>', "tg-spoiler"),
    ],
)
def test_html_parse_errors(text: str, error: str) -> None:
    with pytest.raises(EntityParseError, match=error):
        parse_html(text)


def test_html_entities() -> None:
    text, entities = parse_html(
        '<b>B <i>bi</i></b> &lt;&#39;&gt; <a href="https://x.y/?a=1&amp;b=2">l</a> 🎉'
        '<pre><code class="language-py">c</code></pre><tg-spoiler>s</tg-spoiler>'
        "<blockquote expandable>q</blockquote>"
    )
    assert text == "B bi <'> l 🎉csq"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 2, "length": 2},
        {"type": "text_link", "offset": 9, "length": 1, "url": "https://x.y/?a=1&b=2"},
        {"type": "pre", "offset": 13, "length": 1, "language": "py"},
        {"type": "spoiler", "offset": 14, "length": 1},
        {"type": "expandable_blockquote", "offset": 15, "length": 1},
    ]
    assert parse_html("a > b & c", strict=False) == ("a > b & c", [])


async def test_html_checked_on_send(api: FakeBotApi, tg: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: .*start tag \"b\""):
        await tg.send_message(1, "<b>unclosed", parse_mode="HTML")
    message = await tg.send_message(1, "<b>closed</b>", parse_mode="HTML")
    assert message.text == "closed"
    api.strict_html = False
    await tg.send_message(1, "5 > 3", parse_mode="HTML")


# --- faults --------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after
async def test_faults_raise_ptb_errors(api: FakeBotApi, tg: Bot) -> None:
    api.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as retry:
        await tg.send_message(1, "x")
    assert retry_seconds(retry.value) == 3
    api.fail_next(status=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await tg.send_message(1, "x")
    api.fail_next("sendMessage", chat_id=2, status=502)
    await tg.send_message(1, "chat 1 is not affected")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await tg.send_message(2, "x")

    api.block(3)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(3, "x")
    api.block(-4)
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await tg.send_message(-4, "x")
    api.unblock(3)
    await tg.send_message(3, "x")

    api.migrate(-5, -1005)
    with pytest.raises(ChatMigrated) as migrated:
        await tg.send_message(-5, "x")
    assert migrated.value.new_chat_id == -1005

    api.random_errors(1.0, statuses=(503,), seed=1)
    with pytest.raises(NetworkError):
        await tg.send_message(1, "x")
    await tg.get_me()  # only sending methods fail at random
    api.random_errors(0.0)
    await tg.send_message(1, "x")
    assert api.stats.count("sendMessage", 429) == 1
    assert api.stats.count("sendMessage", 403) == 2
    assert api.delivered == {1: 2, 3: 1}


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limiter_answers_429_above_rate(api: FakeBotApi, tg: Bot) -> None:
    api.rate_limit(5, retry_after=2)
    for _ in range(5):
        await tg.send_message(1, "x")
    with pytest.raises(RetryAfter) as retry:
        await tg.send_message(1, "x")
    assert retry_seconds(retry.value) == 2
    await tg.get_me()  # not limited
    await tg.send_message(1, "paid", api_kwargs={"allow_paid_broadcast": True})
    assert api.stats.count("sendMessage", 429) == 1
    api.rate_limit(None)
    await tg.send_message(1, "x")


def test_rate_limiter_is_accurate() -> None:
    def run(rate: float, send_per_second: float, seconds: float, **kw: Any) -> tuple[int, int]:
        limiter = RateLimiter(rate, now=0.0, **kw)
        ok = limited = 0
        for i in range(int(send_per_second * seconds)):
            if limiter.check("sendMessage", i, False, i / send_per_second) is None:
                ok += 1
            else:
                limited += 1
        return ok, limited

    assert run(30, 29.9, 100) == (2990, 0)  # just under the limit: never refused
    ok, limited = run(30, 60, 100)  # twice the limit: the limit plus one second's burst
    assert 30 * 100 <= ok <= 30 * 101 and ok + limited == 6000
    group = RateLimiter(None, now=0.0, per_group_per_minute=20, per_chat_per_second=1)
    answers = [group.check("sendMessage", -7, False, 0.0) for _ in range(25)]
    assert sum(a is None for a in answers) == 1  # one per chat per second
    allowed = [group.check("sendMessage", -7, False, t / 2) is None for t in range(2, 360)]
    assert sum(allowed[238:]) == 20  # 20 per minute once the burst is spent (t = 120..180 s)
    assert group.check("sendMessage", 7, False, 180.0) is None  # private chats: no group limit
    auto = RateLimiter(1, now=0.0, retry_after=None)
    assert auto.check("sendMessage", 1, False, 0.0) is None
    refused = auto.check("sendMessage", 1, False, 0.1)
    assert refused is not None and refused.parameters == {"retry_after": 1}


async def test_delay_is_concurrent_and_fast(api: FakeBotApi) -> None:
    api.delay = 0.05
    api.delay_for("getMe", 0.0)
    url = f"{api.base_url}{api.token}/sendMessage"
    start = time.monotonic()
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def send(i: int) -> int:
            async with http.post(url, data={"chat_id": str(i % 50 + 1), "text": "x"}) as answer:
                return answer.status

        statuses = await asyncio.gather(*(send(i) for i in range(400)))
    elapsed = time.monotonic() - start
    assert statuses == [200] * 400
    assert elapsed < 2.0, elapsed  # 400 x 50 ms one after the other would take 20 s
    assert sum(api.delivered.values()) == 400


async def test_record_params_off_still_counts() -> None:
    async with FakeBotApi(record_params=False) as api, Bot(api.token, base_url=api.base_url) as bot:
        waiter = asyncio.create_task(api.wait_for_count("sendMessage", 3))
        for chat in (1, 2, 2):
            await bot.send_message(chat, "x")
        assert await waiter == 3
        assert api.requests == [] and api.delivered == {1: 1, 2: 2}
        message = await bot.send_message(1, "y")
        await bot.edit_message_text("z", chat_id=1, message_id=message.message_id + 5)


# --- updates -------------------------------------------------------------------------------


async def test_get_updates_offset_limit_and_long_polling(api: FakeBotApi, tg: Bot) -> None:
    ids = [api.inject_message(1, f"m{i}")["update_id"] for i in range(3)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    first = await tg.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    again = await tg.get_updates()
    assert [u.update_id for u in again] == ids  # nothing confirmed yet
    rest = await tg.get_updates(offset=ids[2])
    assert [u.update_id for u in rest] == ids[2:]
    assert len(api.pending_updates) == 1
    assert await tg.get_updates(offset=ids[2] + 1, timeout=0) == ()

    start = time.monotonic()
    assert await tg.get_updates(offset=ids[2] + 1, timeout=dtm.timedelta(seconds=0.2)) == ()
    assert 0.15 < time.monotonic() - start < 1.0

    poll = asyncio.create_task(tg.get_updates(offset=ids[2] + 1, timeout=5))
    await api.wait_until(lambda: api.waiting_polls == 1)
    start = time.monotonic()
    api.inject_message(1, "wake up")
    [update] = await poll
    assert update.message is not None and update.message.text == "wake up"
    assert time.monotonic() - start < 0.5


async def test_allowed_updates_and_webhook_conflict(api: FakeBotApi, tg: Bot) -> None:
    api.inject_chat_member(-100, 5, "left", "member")
    assert await tg.get_updates() == ()  # chat_member is not delivered by default
    api.inject_chat_member(-100, 5, "member", "left")
    [update] = await tg.get_updates(allowed_updates=["chat_member"])
    assert update.chat_member is not None
    await tg.set_webhook("https://example.com/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await tg.get_updates()
    await tg.delete_webhook()


async def test_application_gets_messages_commands_and_files(
    api: FakeBotApi, running: Running
) -> None:
    api.inject_message(42, "hello", first_name="Ann", username="ann", language_code="ko")
    update = await running.next()
    assert isinstance(update.message, Message) and update.message.text == "hello"
    user = update.effective_user
    assert isinstance(user, User) and (user.first_name, user.language_code) == ("Ann", "ko")

    api.inject_message(42, "/start@eventbot_test there")
    update = await running.next()
    assert update.message is not None and update.message.entities[0].type == "bot_command"
    reply = await api.wait_for_message(42, contains="Hello there")
    assert reply.result["chat"]["first_name"] == "Ann"

    api.inject_message(-1001234567890, "in a supergroup", user_id=7)
    update = await running.next()
    assert update.effective_chat is not None and update.effective_chat.type == "supergroup"
    assert update.effective_user is not None and update.effective_user.id == 7

    api.inject_document(42, "talk.pdf", b"%PDF-1.4", caption="slides")
    update = await running.next()
    assert update.message is not None and isinstance(update.message.document, Document)
    file = await update.message.document.get_file()
    assert await file.download_as_bytearray() == b"%PDF-1.4"
    assert api.calls("downloadFile")[0].ok

    sent = await running.app.bot.send_document(42, b"\x00\x01", filename="a.bin")
    [upload] = api.calls("sendDocument")
    assert upload.files["document"].filename == "a.bin"
    assert upload.files["document"].content == b"\x00\x01"
    assert sent.document is not None and sent.document.file_name == "a.bin"


async def test_application_callback_queries(api: FakeBotApi, running: Running) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    sent = await running.app.bot.send_message(42, "menu", reply_markup=markup)
    api.inject_callback_query(42, "go", message_id=sent.message_id)
    update = await running.next()
    assert isinstance(update.callback_query, CallbackQuery)
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    await api.wait_for(lambda r: r.method == "editMessageText" and r.ok)
    answer = await api.wait_for(lambda r: r.method == "answerCallbackQuery")
    assert answer.ok and answer.params["text"] == "ok"
    stored = api.message(42, sent.message_id)
    assert stored is not None and stored["text"] == "pressed go" and "reply_markup" not in stored

    api.inject_callback_query(42, "old", message_id=500, message_text="old menu")
    update = await running.next()
    assert update.callback_query is not None and update.callback_query.message is not None
    assert isinstance(update.callback_query.message, Message)
    assert update.callback_query.message.text == "old menu"
    await api.wait_for(lambda r: r.method == "editMessageText" and r.params["message_id"] == 500)
    assert (await running.app.bot.send_message(42, "next")).message_id == 501


async def test_application_polls_are_not_dropped(
    api: FakeBotApi, running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    bot = running.app.bot
    message = await bot.send_poll(
        -100300, "Best talk?", ["A", "B", "C"], is_anonymous=False, allows_multiple_answers=True
    )
    assert message.poll is not None
    poll_id = message.poll.id
    assert api.polls[poll_id].counts == [0, 0, 0]

    api.inject_poll_answer(poll_id, 7, [0, 2])
    update = await running.next()
    answer = update.poll_answer
    assert isinstance(answer, PollAnswer) and answer.option_ids == (0, 2)
    assert answer.option_persistent_ids == (
        message.poll.options[0].persistent_id,
        message.poll.options[2].persistent_id,
    )
    api.inject_poll_answer(poll_id, 8, [2], poll_update=True)
    assert (await running.next()).poll_answer is not None
    poll_update = (await running.next()).poll
    assert isinstance(poll_update, Poll)
    assert [o.voter_count for o in poll_update.options] == [1, 0, 2]
    assert poll_update.total_voter_count == 2

    api.inject_poll_answer(poll_id, 7, [1])  # replaces user 7's choice
    api.inject_poll_answer(poll_id, 8, [])  # retracted
    assert (await running.next()).poll_answer is not None
    retracted = (await running.next()).poll_answer
    assert retracted is not None and retracted.option_ids == ()
    assert api.polls[poll_id].counts == [0, 1, 0]

    stopped = await bot.stop_poll(-100300, message.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [0, 1, 0]
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await bot.stop_poll(-100300, message.message_id)
    with pytest.raises(ValueError, match="closed"):
        api.inject_poll_answer(poll_id, 9, [0])

    anonymous = await bot.send_poll(-100300, "Anon?", ["x", "y"])
    assert anonymous.poll is not None
    with pytest.raises(ValueError, match="anonymous"):
        api.inject_poll_answer(anonymous.poll.id, 7, [0])
    api.inject_poll(anonymous.poll.id, [3, 4])
    counted = (await running.next()).poll
    assert counted is not None and counted.total_voter_count == 7
    await api.wait_until(lambda: not api.pending_updates)  # PTB confirmed all of them
    assert not [r for r in caplog.records if "pars" in r.getMessage()]


async def test_application_membership_migration_and_inline(
    api: FakeBotApi, running: Running
) -> None:
    bot = running.app.bot
    api.inject_my_chat_member(42, "private", "member", "kicked")
    update = await running.next()
    assert isinstance(update.my_chat_member, ChatMemberUpdated)
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert update.my_chat_member.new_chat_member.user.id == api.bot_id
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(42, "still there?")
    api.inject_my_chat_member(42, "private", "kicked", "member")
    await running.next()
    await bot.send_message(42, "welcome back")

    api.inject_my_chat_member(-600, "group", "left", "administrator", 7, title="Fans")
    update = await running.next()
    assert update.effective_chat is not None and update.effective_chat.title == "Fans"
    assert (await bot.get_chat_member(-600, api.bot_id)).status == "administrator"

    api.inject_chat_migration(-600, -1000600)
    first, second = await running.next(), await running.next()
    assert first.message is not None and first.message.migrate_to_chat_id == -1000600
    assert second.message is not None and second.message.migrate_from_chat_id == -600
    with pytest.raises(ChatMigrated):
        await bot.send_message(-600, "x")
    await bot.send_message(-1000600, "x")

    api.inject_inline_query(42, "talks")
    update = await running.next()
    assert isinstance(update.inline_query, InlineQuery) and update.inline_query.query == "talks"
    await update.inline_query.answer([])
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.inline_query.answer([])


async def test_wait_for_timeout_explains(api: FakeBotApi, tg: Bot) -> None:
    await tg.send_message(1, "something else")
    with pytest.raises(AssertionError) as failure:
        await api.wait_for(lambda r: r.params.get("text") == "never", timeout=0.05)
    report = str(failure.value)
    assert "no request matched" in report and "sendMessage chat=1 'something else'" in report
    with pytest.raises(AssertionError, match="3 x sendMessage"):
        await api.wait_for_count("sendMessage", 3, timeout=0.05)
