"""Polls end to end: sent to hundreds of chats, votes in, results that add up exactly."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.services.polls import largest_remainder
from tests.chat_helpers import confirm_draft
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi, objects
from tests.poll_helpers import (
    LANGUAGES,
    held,
    instances_recorded,
    poll_bot,
    seed_poll,
    subscribe,
    votes_handled,
)

PRIVATE = [10_001 + i for i in range(300)]
GROUPS = [-100_500_000_001 - i for i in range(3)]


async def test_poll_to_hundreds_of_chats_adds_up(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    poll = seed_poll()
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")
        await subscribe(bot, [(c, LANGUAGES[i % 3], "private") for i, c in enumerate(PRIVATE)])
        await subscribe(bot, [(g, "ru", "supergroup") for g in GROUPS])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals groups=yes")
        await api.wait_for_message(ADMIN_ID, "Sending poll us-goals")
        chats = len(PRIVATE) + len(GROUPS)
        await api.wait_for_count("sendPoll", chats + 1, timeout=20)  # + the admin's preview
        instance_of = await instances_recorded(bot, poll.id, chats)
        assert set(instance_of) == {*PRIVATE, *GROUPS}

        # each chat got the poll in its own language, options in the same order
        for index, chat in enumerate(PRIVATE[:6]):
            [sent] = api.calls("sendPoll", chat)
            language = LANGUAGES[index % 3]
            assert sent.params["question"] == poll.question.get(language)
            assert [o["text"] for o in sent.params["options"]] == [
                o.get(language) for o in poll.options
            ]
            assert sent.params.get("is_anonymous") is False
            assert sent.params.get("allows_revoting") is True

        # votes: one per private chat, some changed, some retracted; five voters per group
        injected = 0
        for user in PRIVATE:
            api.inject_poll_answer(instance_of[user], user, [user % 4])
            injected += 1
        for user in PRIVATE[::7]:
            api.inject_poll_answer(instance_of[user], user, [(user + 1) % 4])
            injected += 1
        for user in PRIVATE[::11]:
            api.inject_poll_answer(instance_of[user], user, [])
            injected += 1
        for n, group in enumerate(GROUPS):
            for member in range(5):
                api.inject_poll_answer(instance_of[group], 70_000 + 10 * n + member, [member % 3])
                injected += 1
        # forged or impossible votes (Telegram's held counts do not change): another user
        # through a private chat's poll, an unknown poll, an option that does not exist
        answer = objects.poll_answer
        intruder = api.user_data(PRIVATE[1])
        forged = [
            answer(instance_of[PRIVATE[0]], [0], ["x"], voter=intruder),
            answer("999", [0], ["x"], voter=intruder),
            answer(instance_of[PRIVATE[1]], [7], ["x"], voter=intruder),
        ]
        for update in forged:
            api.inject_update({"poll_answer": update})
            injected += 1
        await votes_handled(bot, injected)

        expected_counts, expected_voters = held(api, list(instance_of.values()))
        assert expected_voters == len(PRIVATE) - len(PRIVATE[::11]) + 5 * len(GROUPS)
        results = await bot.deps.polls.results(poll)
        assert results.counts == expected_counts
        assert results.voters == expected_voters

        # /results: the admin's language, "n (p%)" per option, voters, and the chart
        before = len(api.requests)
        api.inject_message(ADMIN_ID, "/results us-goals")
        photo = await api.wait_for(
            lambda r: r in api.requests[before:] and r.method == "sendPhoto" and r.ok
        )
        [text] = [
            r.params["text"]
            for r in api.requests[before:]
            if r.method == "sendMessage"
            and r.chat_id == ADMIN_ID
            and "Broadcast finished" not in r.params["text"]  # the poll's own report
        ]
        for count, percent in zip(expected_counts, largest_remainder(expected_counts), strict=True):
            assert f"{count} ({percent}%)" in text
        assert f"{expected_voters} people voted" in text
        assert "Results so far:" in text
        assert photo.files["photo"].content.startswith(b"\x89PNG")


async def test_anonymous_poll_aggregates_latest_counts_per_chat(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    poll = seed_poll(anonymous=True)
    chats = [20_001, 20_002, 20_003, *GROUPS]
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")
        await subscribe(bot, [(c, "ko" if c > 0 else "en", "private" if c > 0 else "group")
                              for c in chats])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals groups=yes")
        instance_of = await instances_recorded(bot, poll.id, len(chats))
        assert all(r.params["is_anonymous"] is True for r in api.calls("sendPoll"))
        for n, chat in enumerate(chats):
            api.inject_poll(instance_of[chat], [n, 1, 0, 2])
            api.inject_poll(instance_of[chat], [n + 1, 2, 3, 0])  # the latest counts win
        # a poll_answer for an anonymous poll cannot come from Telegram: ignored
        api.inject_update(
            {
                "poll_answer": objects.poll_answer(
                    instance_of[chats[0]], [0], ["x"], voter=api.user_data(chats[0])
                )
            }
        )
        await votes_handled(bot, 2 * len(chats) + 1)
        results = await bot.deps.polls.results(poll)
        expected_counts, expected_voters = held(api, list(instance_of.values()))
        assert results.counts == expected_counts == (
            sum(range(1, len(chats) + 1)), 2 * len(chats), 3 * len(chats), 0
        )
        assert results.voters == expected_voters


async def test_votes_survive_a_restart(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    poll = seed_poll()
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")
        await subscribe(bot, [(c, "en", "private") for c in PRIVATE[:5]])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals")
        instance_of = await instances_recorded(bot, poll.id, 5)
        for user in PRIVATE[:5]:
            api.inject_poll_answer(instance_of[user], user, [1])
        await votes_handled(bot, 5)
        # no explicit flush: the shutdown writes what is still buffered
    async with poll_bot(api, make_config) as bot:
        results = await bot.deps.polls.results(poll)
        assert results.counts == (0, 5, 0, 0) and results.voters == 5
