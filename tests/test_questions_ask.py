"""Asking end to end: ❓ on the card, whom, the text (reply or next message), /ask in one
step, the rules (length, repeats, three waiting), /cancel, the prompt's expiry, groups,
forged buttons; in English, Russian and Korean."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config import Config
from bot.handlers import question_ask
from storage.questions import PENDING
from tests.chat_helpers import callback_data, calm, edits, labels, message_id, press, say
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi
from tests.question_helpers import EVENT, MODERATOR, QA_CHAT, ask, question_bot, stored

USER = 1001


async def test_ask_from_the_card_to_a_speaker_by_replying_to_the_prompt(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config, qa_chat_id=QA_CHAT) as bot:
        card = await say(api, USER, f"/start ev_{EVENT}", contains="Strategic", first_name="Anna")
        assert "❓ Ask a question" in labels(card) and "❔ Questions" in labels(card)
        await press(api, USER, message_id(card), f"qa:{EVENT}")
        picker = await api.wait_for_message(USER, "Whom would you like to ask?")
        assert labels(picker) == [
            "Gleb Ivashentsov", "Geun Lee", "Ekaterina Koldunova", "👥 Everyone",
        ]  # fmt: skip
        await press(api, USER, message_id(picker), callback_data(picker)[1])
        prompt = edits(api, USER, message_id(picker))[-1]
        assert "Your question to Geun Lee" in prompt.params["text"]
        assert "3–500 characters" in prompt.params["text"]
        await calm(bot.deps.flood, USER)
        text = "Will <b>Korea</b> & Russia\ntalk more?"
        reply = await say(api, USER, text, reply_to_message=message_id(picker), first_name="Anna")
        assert reply.params["text"] == (
            "Thank you! Your question to Geun Lee waits for moderation. I will tell you when "
            "it is approved."
        )
        [question] = await stored(bot)
        assert (question.text, question.speaker_key, question.status) == (text, "lee", PENDING)
        assert (question.author_id, question.author_name, question.language) == (
            USER, "Anna", "en",
        )  # fmt: skip
        for chat in (ADMIN_ID, MODERATOR, QA_CHAT):
            card_sent = await api.wait_for_message(chat, f"Question #{question.id}")
            assert labels(card_sent) == ["Approve", "Reject", "Reject and block"]
            assert "To: Geun Lee" in card_sent.params["text"]
            assert "From: Anna" in card_sent.params["text"]
            assert (
                "Will &lt;b&gt;Korea&lt;/b&gt; &amp; Russia\ntalk more?"
                in (card_sent.params["text"])
            )
        # the conversation is over: the next message is no question
        await calm(bot.deps.flood, USER)
        await say(api, USER, "hello again", contains="I understand commands only")
        assert len(await stored(bot)) == 1


async def test_russian_prompt_refuses_bad_texts_and_takes_the_next_message(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    ru = {"language_code": "ru"}
    async with question_bot(api, make_config) as bot:
        picker = await say(api, USER, f"/ask {EVENT}", contains="Кому", **ru)
        assert labels(picker)[-1] == "👥 Всем"
        await press(api, USER, message_id(picker), callback_data(picker)[-1], **ru)
        prompt = edits(api, USER, message_id(picker))[-1]
        assert "Ваш вопрос (кому: Всем)" in prompt.params["text"]
        await calm(bot.deps.flood, USER)
        short = await say(api, USER, "  аб ", **ru)
        assert short.params["text"] == "В вопросе должно быть хотя бы 3 символа."
        await calm(bot.deps.flood, USER)
        sticker = {"file_id": "s1", "file_unique_id": "u1", "width": 1, "height": 1,
                   "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
        api.inject_message(USER, None, sticker=sticker, language_code="ru")
        await api.wait_for_message(USER, "Пожалуйста, отправьте вопрос текстом или /cancel.")
        await calm(bot.deps.flood, USER)
        long = await say(api, USER, "я" * 501, **ru)
        assert long.params["text"] == (
            "В вопросе может быть не больше 500 символов, а в этом — 501."
        )
        assert await stored(bot) == []
        await calm(bot.deps.flood, USER)
        done = await say(api, USER, "Что будет с АТР?", **ru)
        assert done.params["text"].startswith("Спасибо! Ваш вопрос (кому: Всем) ждёт проверки")
        [question] = await stored(bot)
        assert (question.text, question.speaker_key, question.language) == (
            "Что будет с АТР?", None, "ru",
        )  # fmt: skip
        assert await bot.deps.subscribers.get(USER) is None  # asking needs no subscription


async def test_korean_ask_in_one_step_repeats_and_three_waiting(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    ko = {"language_code": "ko"}
    async with question_bot(api, make_config) as bot:
        first = await ask(bot, USER, "한반도의 미래는?", **ko)
        assert first.params["text"].startswith("감사합니다! 질문(받는 분: 모두에게)")
        again = await ask(bot, USER, "한반도의   미래는", **ko)
        assert again.params["text"] == "이미 같은 질문을 하셨습니다."
        await ask(bot, USER, "두 번째 질문입니다", **ko)
        await ask(bot, USER, "세 번째 질문입니다", **ko)
        fourth = await ask(bot, USER, "네 번째 질문입니다", **ko)
        assert fourth.params["text"] == (
            "이 행사에 대해 검토를 기다리는 질문이 3개 있습니다. 진행자가 확인할 때까지 "
            "기다려 주세요."
        )
        assert [q.text for q in await stored(bot)] == [
            "한반도의 미래는?", "두 번째 질문입니다", "세 번째 질문입니다",
        ]  # fmt: skip
        assert await bot.deps.subscribers.get(USER) is None
        usage = await ask(bot, USER, "", event="", **ko)
        assert usage.params["text"] == "사용법: /ask 행사_ID [질문]"
        unknown = await ask(bot, USER, "질문", event="nope", **ko)
        assert unknown.params["text"] == "이 ID의 행사가 없습니다."


async def test_cancel_leaves_and_nothing_is_stored(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        picker = await say(api, USER, f"/ask {EVENT}")
        await press(api, USER, message_id(picker), callback_data(picker)[0])
        await calm(bot.deps.flood, USER)
        await say(api, USER, "/cancel", contains="All right: no question was sent.")
        await calm(bot.deps.flood, USER)
        await say(api, USER, "A question after all?", contains="I understand commands only")
        assert await stored(bot) == []


async def test_an_abandoned_prompt_expires(
    fake_api: FakeBotApi, make_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = fake_api
    monkeypatch.setattr(question_ask, "TIMEOUT", 1)
    async with question_bot(api, make_config) as bot:
        picker = await say(api, USER, f"/ask {EVENT}", language_code="ru")
        await press(api, USER, message_id(picker), callback_data(picker)[0], language_code="ru")
        expired = await api.wait_for_message(USER, "Время на ввод вопроса истекло")
        assert "❓" in expired.params["text"]
        await calm(bot.deps.flood, USER)
        await say(api, USER, "Too late?", contains="Я понимаю только команды", language_code="ru")
        assert await stored(bot) == []


async def test_groups_are_sent_to_a_private_chat_and_forged_buttons_refused(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    group = -1005550001
    async with question_bot(api, make_config) as bot:
        answer = await press(api, group, 1, f"qa:{EVENT}", user_id=USER)
        assert answer.params["show_alert"] is True
        assert f"private chat with me: open it and send /ask {EVENT}" in answer.params["text"]
        answer = await press(api, group, 1, f"qt:{EVENT}:0", user_id=USER)
        assert "private chat" in answer.params["text"]
        hint = await say(api, group, f"/ask {EVENT} A question in public?", user_id=USER)
        assert "private chat" in hint.params["text"]
        for data in ("qa:nope", f"qt:{EVENT}:99", f"qt:{EVENT}:-5", f"qt:{EVENT}:x", "qt:nope:0",
                     f"qa:{EVENT}:extra", "qt:"):  # fmt: skip
            refused = await press(api, USER, 1, data)
            assert refused.params["show_alert"] is True, data
            assert refused.params["text"] == "This button is no longer valid.", data
        await calm(bot.deps.flood, USER)
        await say(api, USER, "Not a question", contains="I understand commands only")
        assert await stored(bot) == []
        assert not api.sent_messages(ADMIN_ID)
