"""Moderating end to end: decisions and the askers' notices (in their language), a second
moderator, Reject and block, the Q&A group, who may press, the queue with its pages and
speaker filter, forged buttons, and moderators past the flood guard."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.services.questions import question_key
from storage.live import LiveRepository
from storage.question_votes import Press
from storage.questions import ANSWERED, APPROVED, PENDING, REJECTED, Action, NewQuestion
from tests.chat_helpers import callback_data, calm, edits, labels, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.question_helpers import EVENT, MODERATOR, QA_CHAT, ask, question_bot, stored

USER, OTHER, SPAMMER, MEMBER = 1001, 1002, 1003, 1004


def notices(api: FakeBotApi, chat_id: int, contains: str) -> list[Request]:
    return [r for r in api.sent_messages(chat_id) if contains in r.params["text"]]


async def test_approve_answer_reject_and_block_with_notices(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        await ask(bot, USER, "Что будет с АТР в 2030 году?", language_code="ru")
        [question] = await stored(bot)
        mine = await api.wait_for_message(MODERATOR, f"#{question.id}")
        admins = await api.wait_for_message(ADMIN_ID, f"#{question.id}")
        approve = f"qm:approve:{question.id}:pending"
        assert approve in callback_data(mine) and approve in callback_data(admins)

        answer = await press(api, MODERATOR, message_id(mine), approve)
        assert answer.params["text"] == "Approved. The author is told."
        card = edits(api, MODERATOR, message_id(mine))[-1]
        assert "✅ Approved · 👍 0" in card.params["text"]
        assert labels(card) == ["Answered", "Reject"]
        notice = await api.wait_for_message(USER, "Он одобрен")
        assert "Что будет с АТР в 2030 году?" in notice.params["text"]
        assert callback_data(notice) == [f"ql:{EVENT}:ru"]

        # the admin still has the old card: the same button changes nothing
        late = await press(api, ADMIN_ID, message_id(admins), approve)
        assert late.params["show_alert"] is True
        assert late.params["text"] == (
            "Another moderator has handled this question already. Status: Approved"
        )
        assert labels(edits(api, ADMIN_ID, message_id(admins))[-1]) == ["Answered", "Reject"]
        [now] = await stored(bot)
        assert (now.status, now.moderated_by) == (APPROVED, MODERATOR)
        # nor can Reject from what was a waiting card
        late = await press(api, ADMIN_ID, message_id(admins), f"qm:reject:{question.id}:pending")
        assert "already" in late.params["text"]

        answer_data = f"qm:answer:{question.id}:approved"
        answered = await press(api, MODERATOR, message_id(mine), answer_data)
        assert answered.params["text"] == "Marked as answered. The author is told."
        await api.wait_for_message(USER, "На него ответили")
        assert len(notices(api, USER, "Он одобрен")) == 1
        assert (await stored(bot))[0].status == ANSWERED
        assert not callback_data(edits(api, MODERATOR, message_id(mine))[-1])

        # rejected: the asker is not told
        await ask(bot, OTHER, "Is this question fine?")
        other = (await stored(bot))[-1]
        card = await api.wait_for_message(MODERATOR, f"#{other.id}")
        rejected = await press(api, MODERATOR, message_id(card), f"qm:reject:{other.id}:pending")
        assert rejected.params["text"] == "Rejected."
        assert (await bot.deps.questions.get(other.id)).status == REJECTED  # type: ignore[union-attr]
        assert [r.params["text"] for r in api.sent_messages(OTHER)] == [
            "Thank you! Your question to Everyone waits for moderation. I will tell you when "
            "it is approved."
        ]

        # Reject and block: that author cannot ask about this event any more
        await ask(bot, SPAMMER, "Buy cheap stuff here")
        spam = (await stored(bot))[-1]
        card = await api.wait_for_message(MODERATOR, f"#{spam.id}")
        blocked = await press(api, MODERATOR, message_id(card), f"qm:block:{spam.id}:pending")
        assert "can ask no more questions" in blocked.params["text"]
        assert (
            "can ask no more questions"
            in edits(api, MODERATOR, message_id(card))[-1].params["text"]
        )
        refused = await ask(bot, SPAMMER, "Let me ask again")
        assert refused.params["text"] == "Sorry, you can no longer ask questions about this event."
        assert len(await stored(bot)) == 3


async def test_qa_group_and_who_may_press(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config, qa_chat_id=QA_CHAT) as bot:
        await ask(bot, USER, "A question for the group")
        [question] = await stored(bot)
        posted = await api.wait_for_message(QA_CHAT, f"#{question.id}")
        group_msg = message_id(posted)
        approve = f"qm:approve:{question.id}:pending"
        refused = await press(api, QA_CHAT, group_msg, approve, user_id=MEMBER)
        assert refused.params["text"] == "Sorry, only moderators can do this."
        refused = await press(api, MEMBER, 5, approve)  # forged, in a private chat
        assert refused.params["text"] == "Sorry, only moderators can do this."
        public = -1005550002
        refused = await press(api, public, 5, approve, user_id=MODERATOR)
        assert "private chat with me or in the Q&A group" in refused.params["text"]
        assert not edits(api, QA_CHAT, group_msg)
        assert (await stored(bot))[0].status == PENDING
        for data in (f"qm:approve:{10**9}:pending", f"qm:explode:{question.id}:pending",
                     f"qm:approve:{question.id}", "qm:approve:x:pending",
                     f"qm:approve:{10**18 * 9}:pending"):  # fmt: skip
            forged = await press(api, MODERATOR, 7, data)
            assert forged.params["text"] == "This button is no longer valid.", data
        assert (await stored(bot))[0].status == PENDING

        done = await press(api, QA_CHAT, group_msg, approve, user_id=MODERATOR)
        assert done.params["text"] == "Approved. The author is told."
        assert "✅ Approved" in edits(api, QA_CHAT, group_msg)[-1].params["text"]
        await api.wait_for_message(USER, "It was approved")


async def _seed_queue(bot: BotHarness) -> dict[str, list[int]]:
    """6 waiting (the 2nd and 5th to Geun Lee), 2 approved (1 and 3 votes), 1 answered,
    1 rejected; returns their ids by status."""
    repo = bot.deps.questions
    ids: dict[str, list[int]] = {PENDING: [], APPROVED: [], ANSWERED: [], REJECTED: []}
    plan = [PENDING] * 6 + [APPROVED, APPROVED, ANSWERED, REJECTED]
    for number, status in enumerate(plan):
        text = f"Queued question {number}"
        speaker = "lee" if number in (1, 4, 7) else None
        _, question = await repo.ask(
            NewQuestion(EVENT, speaker, 5000 + number, f"Asker{number}", "en", text,
                        question_key(text)),
            max_pending=3,
        )  # fmt: skip
        assert question is not None
        if status != PENDING:
            await repo.moderate(question.id, Action.APPROVE, PENDING, ADMIN_ID)
        if status == ANSWERED:
            await repo.moderate(question.id, Action.ANSWER, APPROVED, ADMIN_ID)
        if status == REJECTED:
            await repo.moderate(question.id, Action.REJECT, APPROVED, ADMIN_ID)
        ids[status].append(question.id)
    first, second = ids[APPROVED]
    presses = [Press(EVENT, first, u) for u in (1,)] + [Press(EVENT, second, u) for u in (1, 2, 3)]
    await bot.deps.upvotes.press(presses[0])
    for p in presses[1:]:
        await bot.deps.upvotes.press(p)
    return ids


def cards_between(api: FakeBotApi, chat_id: int, start: int) -> list[str]:
    return [r.params["text"] for r in api.sent_messages(chat_id)[start:]]


async def test_moderators_queue_pages_and_speaker_filter(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        ids = await _seed_queue(bot)
        start = len(api.sent_messages(MODERATOR))
        footer = await say(api, MODERATOR, f"/questions {EVENT}", contains="Moderation")
        texts = cards_between(api, MODERATOR, start)
        assert len(texts) == 6 and texts[-1] == footer.params["text"]
        for text, question_id in zip(texts[:5], ids[PENDING][:5], strict=True):
            assert f"Question #{question_id}" in text  # waiting ones, oldest first
        assert "From: Asker0" in texts[0] and "To: Geun Lee" in texts[1]
        assert "Waiting: 6 · approved: 2 · answered: 1 · rejected: 1" in footer.params["text"]
        assert "1–5 of 8" in footer.params["text"]
        assert labels(footer)[0] == "▶️"

        start = len(api.sent_messages(MODERATOR))
        await press(api, MODERATOR, message_id(footer), callback_data(footer)[0])
        second = await api.wait_for_message(MODERATOR, "6–8 of 8", timeout=15)
        texts = cards_between(api, MODERATOR, start)
        last_pending, more_votes, fewer_votes = ids[PENDING][-1], ids[APPROVED][1], ids[APPROVED][0]
        assert len(texts) == 4
        for text, question_id in zip(texts, (last_pending, more_votes, fewer_votes), strict=False):
            assert f"Question #{question_id}" in text  # then approved ones, most votes first
        assert "👍 3" in texts[1] and "👍 1" in texts[2]
        assert labels(second)[0] == "◀️"

        # the speaker filter, from the footer's buttons (the Everyone one is there too)
        assert "Everyone" in labels(second) and "• All speakers" in labels(second)
        to_lee = next(d for d, label in zip(callback_data(second), labels(second), strict=True)
                      if label == "Geun Lee")  # fmt: skip
        start = len(api.sent_messages(MODERATOR))
        await press(api, MODERATOR, message_id(second), to_lee)
        lee = await api.wait_for_message(MODERATOR, "Speaker: Geun Lee", timeout=15)
        texts = cards_between(api, MODERATOR, start)
        assert len(texts) == 4 and "1–3 of 3" in lee.params["text"]
        assert all("To: Geun Lee" in t for t in texts[:-1])
        assert "• Geun Lee" in labels(lee)

        await calm(bot.deps.flood, MODERATOR)
        api.inject_message(MODERATOR, f"/questions {EVENT} nobody")
        await api.wait_for_message(MODERATOR, "This event has no speaker with this id.", timeout=15)
        # in a public group a moderator sees what everybody sees: no waiting questions
        board = await say(api, -1005550003, f"/questions {EVENT}", user_id=MODERATOR)
        assert "Queued question 0" not in board.params["text"]
        assert "Queued question 7" in board.params["text"]
        forged = await press(api, USER, 3, f"qq:{EVENT}:0:-2")
        assert forged.params["text"] == "Sorry, only moderators can do this."
        for data in (f"qq:{EVENT}:0:9", f"qq:{EVENT}:-1:-2", "qq:nope:0:-2", f"qq:{EVENT}:0"):
            refused = await press(api, MODERATOR, 3, data)
            assert refused.params["text"] == "This button is no longer valid.", data


async def test_moderators_are_not_throttled_by_the_flood_guard(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        for chat in (MODERATOR, USER):
            for _ in range(5):
                api.inject_message(chat, "/help")
        await api.wait_for_count("sendMessage", 5 + 3 + 1, timeout=15)
        assert len(api.sent_messages(MODERATOR)) == 5
        assert not [t for t in api.sent_texts(MODERATOR) if "Too many requests" in t]
        user_texts = api.sent_texts(USER)
        assert len([t for t in user_texts if "Too many requests" in t]) == 1
        assert bot.deps.flood.refused == 2


async def test_a_russian_moderator_and_a_korean_asker(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        await bot.deps.subscribers.subscribe(MODERATOR, language="ru", user_id=MODERATOR)
        await ask(bot, USER, "한국과 러시아의 협력은 어떻게 될까요?", language_code="ko")
        [question] = await stored(bot)
        card = await api.wait_for_message(MODERATOR, f"Вопрос №{question.id}")
        assert labels(card) == ["Одобрить", "Отклонить", "Отклонить и заблокировать"]
        assert "Кому: Всем" in card.params["text"] and "Ждёт проверки" in card.params["text"]
        ru = {"language_code": "ru"}
        done = await press(api, MODERATOR, message_id(card), callback_data(card)[0], **ru)
        assert done.params["text"] == "Одобрено. Автор получит уведомление."
        assert labels(edits(api, MODERATOR, message_id(card))[-1]) == ["Отвечен", "Отклонить"]
        notice = await api.wait_for_message(USER, "승인되었습니다")
        assert "한국과 러시아의 협력은" in notice.params["text"]
        answered = await press(
            api, MODERATOR, message_id(card), f"qm:answer:{question.id}:approved", **ru
        )
        assert answered.params["text"] == (
            "Вопрос отмечен как отвеченный. Автор получит уведомление."
        )
        await api.wait_for_message(USER, "답변이 완료되었습니다")


async def test_during_the_live_mode_the_current_speakers_questions_come_first(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        ids = await _seed_queue(bot)
        live = LiveRepository(bot.deps.db)
        session, _ = await live.start(EVENT, ADMIN_ID)
        await live.set_current_speaker(session.id, "lee")
        start = len(api.sent_messages(MODERATOR))
        await say(api, MODERATOR, f"/questions {EVENT}", contains="Moderation")
        texts = cards_between(api, MODERATOR, start)
        # Lee's two waiting questions (the 2nd and 5th asked) first, then the others in order
        lee_first = [ids[PENDING][1], ids[PENDING][4], ids[PENDING][0], ids[PENDING][2]]
        for text, question_id in zip(texts, lee_first, strict=False):
            assert f"Question #{question_id}" in text
        assert "To: Geun Lee" in texts[0] and "To: Geun Lee" in texts[1]
