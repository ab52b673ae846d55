"""/startpoll, /publish_results and /rate: the preview of /announce, then Send or Cancel.

Nothing reaches a subscriber before Send; Send sends once however often it is pressed;
Cancel sends nothing; other users' presses change nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config import Config
from bot.content.parser import parse_event
from tests.chat_helpers import callback_data, labels, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.poll_helpers import SEED, poll_bot, subscribe

EN, RU, KO = 50_001, 50_002, 50_003
SUBSCRIBERS = (EN, RU, KO)
USER = 4242
EVENT = "riac-kf-2021"
POLL = "us-goals"
INVALID = "This button is no longer valid."
REFUSAL = "Sorry, this command is for the bot's administrators."

CASES = [
    pytest.param(f"/startpoll {POLL}", "sendPoll", id="startpoll"),
    pytest.param(f"/publish_results {POLL}", "sendPhoto", id="publish_results"),
    pytest.param(f"/rate {EVENT}", "sendMessage", id="rate"),
]


async def _setup(bot: BotHarness) -> None:
    await bot.deps.events.save(parse_event(SEED.read_bytes(), SEED.name))
    await subscribe(bot, [(EN, "en", "private"), (RU, "ru", "private"), (KO, "ko", "private")])


def _got(api: FakeBotApi, method: str) -> dict[int, int]:
    """Successful ``method`` calls per subscriber."""
    return {chat: len(api.calls(method, chat, ok=True)) for chat in SUBSCRIBERS}


def _button(request: Request, action: str) -> str:
    return next(d for d in callback_data(request) if d.startswith(f"bc:{action}:"))


async def _state(bot: BotHarness, request: Request) -> str:
    row = await bot.deps.broadcasts.get(int(_button(request, "go").rsplit(":", 1)[1]))
    assert row is not None
    return row.state


async def _press_twice(api: FakeBotApi, confirmation: Request) -> list[str]:
    """Two Send presses arriving together; the texts of both answers."""
    data = _button(confirmation, "go")
    ids = [
        api.inject_callback_query(
            ADMIN_ID, data, message_id=message_id(confirmation)
        )["callback_query"]["id"]
        for _ in range(2)
    ]

    def answer_to(query_id: str) -> Callable[[Request], bool]:
        def matches(r: Request) -> bool:
            return (
                r.method == "answerCallbackQuery"
                and str(r.params["callback_query_id"]) == query_id
            )

        return matches

    answers = [await api.wait_for(answer_to(query_id)) for query_id in ids]
    return sorted(str(a.params.get("text", "")) for a in answers)


@pytest.mark.parametrize(("command", "method"), CASES)
async def test_nothing_before_send_cancel_sends_nothing_send_sends_once(
    fake_api: FakeBotApi, make_config: Callable[..., Config], command: str, method: str
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await _setup(bot)
        first = await say(api, ADMIN_ID, command, contains="Send it?")
        text = first.params["text"]
        assert "Recipients: 3 subscribers" in text
        assert "English: 1 · 한국어: 1 · Русский: 1" in text
        assert labels(first) == ["✅ Send", "✖️ Cancel"]
        assert _got(api, method) == {EN: 0, RU: 0, KO: 0}

        # someone else presses Send (a forwarded copy, forged data): nothing changes
        answer = await press(api, USER, message_id(first), _button(first, "go"), user_id=USER)
        assert answer.params["text"] == REFUSAL
        assert await _state(bot, first) == "draft"

        await press(api, ADMIN_ID, message_id(first), _button(first, "no"))
        await api.wait_for(
            lambda r: r.method == "editMessageText" and "nothing was sent" in r.params["text"]
        )
        assert await _state(bot, first) == "cancelled"
        late = await press(api, ADMIN_ID, message_id(first), _button(first, "go"))
        assert late.params["text"] == INVALID

        second = await say(api, ADMIN_ID, command, contains="Send it?")
        assert _got(api, method) == {EN: 0, RU: 0, KO: 0}
        assert await _press_twice(api, second) == ["", INVALID]  # a double tap sends once
        await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=10)
        assert _got(api, method) == {EN: 1, RU: 1, KO: 1}
        assert await _state(bot, first) == "cancelled"
        assert await _state(bot, second) == "done"


async def test_startpoll_preview_is_the_closed_poll_in_the_admins_language(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await _setup(bot)
        confirmation = await say(
            api, ADMIN_ID, f"/startpoll {POLL}", contains="Отправить?", language_code="ru"
        )
        [preview] = api.calls("sendPoll", ADMIN_ID, ok=True)
        poll = await bot.deps.polls.definition(POLL)
        assert poll is not None
        assert preview.params["question"] == poll.question.get("ru")
        assert [o["text"] for o in preview.params["options"]] == [
            o.get("ru") for o in poll.options
        ]
        assert preview.params["is_closed"] is True  # nobody can vote in the preview
        assert "Опрос в предпросмотре закрыт" in confirmation.params["text"]
        status = await bot.deps.polls.status(POLL)
        assert status.started_at is None and not await bot.deps.polls.repo.instances(POLL)

        await press(api, ADMIN_ID, message_id(confirmation), _button(confirmation, "go"))
        await api.wait_for_message(ADMIN_ID, contains=f"/results {POLL}")
        await api.wait_for_message(ADMIN_ID, contains="Рассылка завершена", timeout=10)
        assert (await bot.deps.polls.status(POLL)).started_at is not None
        assert {i.chat_id for i in await bot.deps.polls.repo.instances(POLL)} == set(SUBSCRIBERS)


async def test_startpoll_send_after_the_poll_closed_sends_nothing(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await _setup(bot)
        confirmation = await say(api, ADMIN_ID, f"/startpoll {POLL}", contains="Send it?")
        await say(api, ADMIN_ID, f"/closepoll {POLL}", contains="Poll closed")
        answer = await press(
            api, ADMIN_ID, message_id(confirmation), _button(confirmation, "go")
        )
        assert answer.ok
        edited = await api.wait_for(
            lambda r: r.method == "editMessageText" and "This poll is closed." in r.params["text"]
        )
        assert "Cancelled: nothing was sent." in edited.params["text"]
        assert await _state(bot, confirmation) == "cancelled"
        assert _got(api, "sendPoll") == {EN: 0, RU: 0, KO: 0}
        assert (await bot.deps.polls.status(POLL)).started_at is None


async def test_publish_results_preview_shows_the_chart_uploaded_once_per_language(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await _setup(bot)
        confirmation = await say(
            api, ADMIN_ID, f"/publish_results {POLL}", contains="보낼까요", language_code="ko"
        )
        [preview] = api.calls("sendPhoto", ADMIN_ID, ok=True)
        assert "현재까지의 결과:" in preview.params["caption"]
        assert preview.files  # the chart, drawn and uploaded for the preview
        assert (await bot.deps.polls.status(POLL)).published_at is None

        await press(api, ADMIN_ID, message_id(confirmation), _button(confirmation, "go"))
        await api.wait_for_message(ADMIN_ID, contains="발송 완료", timeout=10)
        assert _got(api, "sendPhoto") == {EN: 1, RU: 1, KO: 1}
        # one chart per language: the Korean one is the preview's, sent by its file id
        uploads = [r for r in api.calls("sendPhoto", ok=True) if r.files]
        assert uploads[0] is preview and {r.chat_id for r in uploads[1:]} == {EN, RU}
        [korean] = api.calls("sendPhoto", KO, ok=True)
        assert korean.params["photo"] == preview.result["photo"][-1]["file_id"]
        captions = {r.chat_id: r.params["caption"] for r in api.calls("sendPhoto", ok=True)}
        assert "Results so far:" in captions[EN] and "Промежуточные результаты:" in captions[RU]
        assert (await bot.deps.polls.status(POLL)).published_at is not None


async def test_rate_preview_buttons_record_nothing(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        await _setup(bot)
        confirmation = await say(api, ADMIN_ID, f"/rate {EVENT}", contains="Send it?")
        preview = await api.wait_for_message(ADMIN_ID, contains="Rate this event")
        broadcast_id = _button(confirmation, "go").rsplit(":", 1)[1]
        assert callback_data(preview) == [f"bc:pv:{broadcast_id}"] * 5
        assert labels(preview) == [f"{n} ⭐" for n in range(1, 6)]
        for presser in (ADMIN_ID, USER):
            answer = await press(
                api, presser, message_id(preview), f"bc:pv:{broadcast_id}", user_id=presser
            )
            assert answer.params["text"] == "This is only a preview: its buttons do nothing."
        assert (await bot.deps.ratings.summary(EVENT)).votes == 0
        assert await _state(bot, confirmation) == "draft"

        await press(api, ADMIN_ID, message_id(confirmation), _button(confirmation, "go"))
        prompt = await api.wait_for_message(RU, contains="Оцените мероприятие")
        assert callback_data(prompt) == [f"rate:{EVENT}:{n}" for n in range(1, 6)]
