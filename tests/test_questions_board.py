"""The audience's board end to end: ranking, sections, pages, 👍 toggles updated in place,
200 presses within a second, forged buttons, /forget; in the three languages."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.services.questions import question_key
from storage.questions import APPROVED, PENDING, Action, NewQuestion, Question
from tests.chat_helpers import callback_data, calm, edits, labels, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi
from tests.question_helpers import EVENT, question_bot, stored

USER = 1001
AUTHOR = 7000


async def seed(bot: BotHarness, texts: list[str], *, approve: bool = True) -> list[Question]:
    """Questions by authors 7000, 7001…, approved unless told not to."""
    made: list[Question] = []
    for number, text in enumerate(texts):
        _, question = await bot.deps.questions.ask(
            NewQuestion(EVENT, "lee" if number % 2 else None, AUTHOR + number, "Author", "en",
                        text, question_key(text)),
            max_pending=3,
        )  # fmt: skip
        assert question is not None
        if approve:
            question, _ = await bot.deps.questions.moderate(
                question.id, Action.APPROVE, PENDING, ADMIN_ID
            )
            assert question is not None
        made.append(question)
    return made


def vote_data(question: Question, page: int = 0, language: str = "en") -> str:
    return f"qv:{EVENT}:{question.id}:{page}:{language}"


async def test_votes_toggle_rank_and_update_in_place(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        first, second, third = await seed(bot, ["First <one>", "Second & two", "Third three"])
        [waiting] = await seed(bot, ["Still waiting"], approve=False)
        board = await say(api, USER, f"/questions {EVENT}")
        text = board.params["text"]
        assert "First &lt;one&gt;" in text and "Second &amp; two" in text
        assert "Still waiting" not in text and "Author" not in text
        assert labels(board)[:3] == ["1 · 👍 0", "2 · 👍 0", "3 · 👍 0"]
        msg = message_id(board)

        answer = await press(api, USER, msg, vote_data(third))
        assert answer.params["text"] == "👍 Thank you! Votes: 1"
        shown = edits(api, USER, msg)[-1]  # answered after the edit
        assert labels(shown)[0] == "1 · 👍 1"
        assert shown.params["text"].index("Third three") < shown.params["text"].index("First")
        assert callback_data(shown)[0] == vote_data(third)
        await press(api, 1002, 77, vote_data(second))
        again = await press(api, USER, msg, vote_data(third))
        assert again.params["text"] == "Your vote is taken back. Votes: 0"
        # now Second leads (1 vote), then First and Third, oldest first
        order = edits(api, USER, msg)[-1].params["text"]
        assert order.index("Second") < order.index("First") < order.index("Third")
        assert [q.upvotes for q in await stored(bot)] == [0, 1, 0, 0]

        own = await press(api, AUTHOR, 5, vote_data(first))
        assert own.params["text"] == "You cannot vote for your own question."
        before = len(api.calls("editMessageText"))
        for data in (
            vote_data(waiting),  # not approved
            f"qv:other-event:{first.id}:0:en",  # another event's question id
            f"qv:{EVENT}:{10**9}:0:en",
            f"qv:{EVENT}:{first.id}:0",
            f"qv:{EVENT}:{first.id}:-1:en",
            f"qv:{EVENT}:{first.id}:99999:en",
            f"qv:{EVENT}:{first.id}:0:xx",
            f"qv:{EVENT}:{9 * 10**18}:0:en",
            "qv:x",
            f"qp:{EVENT}:-1:en",
            f"qp:{EVENT}:0:de",
            "qp:nope:0:en",
            f"ql:{EVENT}:xx",
            "ql:nope:en",
        ):
            refused = await press(api, USER, msg, data)
            assert refused.params["show_alert"] is True, data
            assert refused.params["text"] in (
                "This button is no longer valid.",
                "This question is no longer open for votes.",
            ), data
        assert [q.upvotes for q in await stored(bot)] == [0, 1, 0, 0]
        assert len(api.calls("editMessageText")) - before <= 1  # the waiting one refreshes

        # answered: it moves to its own section, without a button
        await bot.deps.questions.moderate(second.id, Action.ANSWER, APPROVED, ADMIN_ID)
        late = await press(api, USER, msg, vote_data(second))
        assert late.params["text"] == "This question is no longer open for votes."
        final = edits(api, USER, msg)[-1]
        body = final.params["text"]
        assert body.index("First") < body.index("Answered questions") < body.index("Second")
        assert vote_data(second) not in callback_data(final)


async def test_pages_and_the_card_button_in_russian_and_korean(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        made = await seed(bot, [f"Вопрос номер {n}" for n in range(7)])
        card = await say(api, USER, f"/start ev_{EVENT}", contains="Стратегическая",
                         language_code="ru")  # fmt: skip
        await press(api, USER, message_id(card), f"ql:{EVENT}:ru", language_code="ru")
        board = await api.wait_for_message(USER, "Вопросы")
        assert "Страница 1/2" in board.params["text"]
        assert "кому: Ли Гын" in board.params["text"]
        assert "Вопрос номер 5" not in board.params["text"]
        assert f"qp:{EVENT}:1:ru" in callback_data(board)
        await press(api, USER, message_id(board), f"qp:{EVENT}:1:ru", language_code="ru")
        page2 = edits(api, USER, message_id(board))[-1]
        assert "Вопрос номер 5" in page2.params["text"] and "Страница 2/2" in page2.params["text"]
        assert labels(page2)[0] == "6 · 👍 0"
        answer = await press(api, USER, message_id(board), vote_data(made[6], 1, "ru"),
                             language_code="ru")  # fmt: skip
        assert answer.params["text"] == "👍 Спасибо! Голосов: 1"
        # the top question now leads page 1; page 2 is what was pressed, shown again
        assert "Вопрос номер 6" not in edits(api, USER, message_id(board))[-1].params["text"]

        ko_user = 1005
        ko = await say(api, ko_user, f"/questions {EVENT}", language_code="ko")
        assert "가장 많은 지지를 받은 질문이 먼저입니다" in ko.params["text"]
        assert labels(ko)[0] == "1 · 👍 1"
        reply = await press(api, ko_user, message_id(ko), vote_data(made[6], 0, "ko"),
                            language_code="ko")  # fmt: skip
        assert reply.params["text"] == "👍 감사합니다! 득표: 2"
        # in a group, one board for everybody: it keeps its language whoever presses
        group = -1005550011
        shared = await say(api, group, f"/questions {EVENT}", user_id=ko_user, language_code="ko")
        assert vote_data(made[6], 0, "ko") in callback_data(shared)
        answer = await press(api, group, message_id(shared), vote_data(made[6], 0, "ko"),
                             user_id=1006, language_code="ru")  # fmt: skip
        assert answer.params["text"] == "👍 Спасибо! Голосов: 3"
        assert "가장 많은 지지를" in edits(api, group, message_id(shared))[-1].params["text"]
        await calm(bot.deps.flood, ko_user)
        empty = await say(api, ko_user, "/questions", language_code="ko")
        assert empty.params["text"] == "사용법: /questions 행사_ID"


async def test_two_hundred_presses_within_a_second_count_exactly(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    group = -1005550010
    async with question_bot(api, make_config) as bot:
        [question] = await seed(bot, ["Which question wins?"])
        board = await say(api, group, f"/questions {EVENT}", user_id=USER)
        msg = message_id(board)
        voters = range(20_000, 20_200)
        ids = [
            api.inject_callback_query(group, vote_data(question), message_id=msg, user_id=user)[
                "callback_query"
            ]["id"]
            for user in voters
        ]
        answered = await api.wait_for_count("answerCallbackQuery", 200, timeout=30)
        assert answered == 200
        answers = {str(r.params["callback_query_id"]): r for r in api.calls("answerCallbackQuery")}
        assert set(ids) <= set(answers)
        assert all(answers[i].ok and answers[i].params["text"].startswith("👍") for i in ids)
        assert (await bot.deps.questions.get(question.id)).upvotes == 200  # type: ignore[union-attr]
        shown = edits(api, group, msg)
        assert labels(shown[-1])[0] == "1 · 👍 200"
        # batched and coalesced: far fewer transactions and edits than presses
        transactions, edit_count = bot.deps.upvotes.transactions, len(shown)
        print(f"200 presses: {transactions} vote transactions, {edit_count} edits")
        assert transactions < 200 and edit_count < 200

        # the same 200 take their votes back: 0, exactly
        for user in voters:
            api.inject_callback_query(group, vote_data(question), message_id=msg, user_id=user)
        await api.wait_for_count("answerCallbackQuery", 400, timeout=30)
        assert (await bot.deps.questions.get(question.id)).upvotes == 0  # type: ignore[union-attr]
        assert labels(edits(api, group, msg)[-1])[0] == "1 · 👍 0"


async def test_forget_takes_votes_and_questions_away(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with question_bot(api, make_config) as bot:
        theirs = (await seed(bot, ["Someone else's question"]))[0]
        await say(api, USER, "/start", language_code="en")
        await bot.deps.questions.ask(
            NewQuestion(EVENT, None, USER, "Me", "en", "My own question", "my own question"),
            max_pending=3,
        )
        await press(api, USER, 3, vote_data(theirs))
        await press(api, 1002, 3, vote_data(theirs))
        assert (await bot.deps.questions.get(theirs.id)).upvotes == 2  # type: ignore[union-attr]
        await calm(bot.deps.flood, USER)
        question = await say(api, USER, "/forget")
        await press(api, USER, message_id(question), "fgt:yes")
        assert [q.text for q in await stored(bot)] == ["Someone else's question"]
        assert (await bot.deps.questions.get(theirs.id)).upvotes == 1  # type: ignore[union-attr]
