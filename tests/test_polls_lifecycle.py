"""Closing (on time across a restart, or /closepoll), publishing, rights, and /poll."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from bot.config import Config
from bot.handlers.poll_lifecycle import CLOSE_JOB
from storage.clock import now_utc
from storage.db import Database
from storage.events import EventRepository
from tests.chat_helpers import callback_data, calm, confirm_draft, message_id, press, say
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi, objects
from tests.poll_helpers import (
    held,
    instances_recorded,
    poll_bot,
    seed_poll,
    subscribe,
    until,
    votes_handled,
)

CHATS = [30_001, 30_002, 30_003, 30_004, 30_005]
USER = 4242
REFUSAL = "Sorry, this command is for the bot's administrators."


async def test_closing_time_survives_a_restart_and_fires_once(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    poll = seed_poll(closes_at=now_utc() + timedelta(hours=1))
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")
        await subscribe(bot, [(c, "ru", "private") for c in CHATS])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals")
        instance_of = await instances_recorded(bot, poll.id, len(CHATS))
        assert bot.app.job_queue is not None
        assert bot.app.job_queue.get_jobs_by_name(CLOSE_JOB + poll.id)
        for n, user in enumerate(CHATS):
            api.inject_poll_answer(instance_of[user], user, [n % 2])
        await votes_handled(bot, len(CHATS))
        config = bot.config

    # The bot was down when the closing time came.
    db = await Database.open(config.database_path)
    await EventRepository(db).save_poll(
        replace(poll, closes_at=now_utc() - timedelta(minutes=5)), "en"
    )
    await db.close()
    # Telegram kept counting while the bot was down: a vote nobody stored.
    api.inject_poll_answer(instance_of[CHATS[0]], 55_555, [3])  # a forwarded copy's voter

    async with poll_bot(api, make_config) as bot:
        await api.wait_for_count("stopPoll", len(CHATS), timeout=10)
        repo = bot.deps.polls.repo

        async def all_final() -> bool:
            return all(i.final for i in await repo.instances(poll.id))

        await until(all_final, 10, "final counts from stopPoll")
        results = await bot.deps.polls.results(poll)
        assert (results.counts, results.voters) == held(api, list(instance_of.values()))
        assert results.closed and results.counts[3] == 1
        # late updates are ignored
        handled = bot.deps.votes.handled
        api.inject_update(
            {
                "poll_answer": objects.poll_answer(
                    instance_of[CHATS[1]], [2], ["x"], voter=api.user_data(CHATS[1])
                )
            }
        )
        await votes_handled(bot, handled + 1)
        assert (await bot.deps.polls.results(poll)).counts == results.counts
        reply = await say(api, CHATS[2], "/results us-goals", contains="Итоговые результаты")
        assert "Проголосовал" in reply.params["text"]

    async with poll_bot(api, make_config) as bot:
        assert bot.app.job_queue is not None
        assert not bot.app.job_queue.get_jobs_by_name(CLOSE_JOB + poll.id)
        assert api.stats.count("stopPoll") == len(CHATS)


async def test_closepoll_and_publish_results(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    poll = seed_poll()
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")
        languages = ["en", "ru", "ko", "ru", "en"]
        chats = zip(CHATS, languages, strict=True)
        await subscribe(bot, [(c, lang, "private") for c, lang in chats])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals")
        instance_of = await instances_recorded(bot, poll.id, len(CHATS))
        for user in CHATS:
            api.inject_poll_answer(instance_of[user], user, [0])

        reply = await say(api, ADMIN_ID, "/closepoll us-goals", contains="Poll closed")
        assert "stopping it in 5 chats" in reply.params["text"]
        await api.wait_for_count("stopPoll", len(CHATS))
        assert all(api.poll(t).is_closed for t in instance_of.values())
        await say(api, ADMIN_ID, "/closepoll us-goals", contains="This poll is closed.")
        await say(api, ADMIN_ID, "/startpoll us-goals", contains="This poll is closed.")

        await confirm_draft(api, ADMIN_ID, "/publish_results us-goals")
        await api.wait_for_count("sendPhoto", len(CHATS) + 1)  # + the admin's preview
        captions = {r.chat_id: r.params["caption"] for r in api.calls("sendPhoto", ok=True)}
        assert "Final results:" in captions[ADMIN_ID]
        assert "Final results:" in captions[CHATS[0]] and "5 (100%)" in captions[CHATS[0]]
        assert "Итоговые результаты:" in captions[CHATS[1]]
        assert "5 (100\xa0%)" in captions[CHATS[1]]
        assert "최종 결과:" in captions[CHATS[2]]
        # the chart is drawn and uploaded once per language (en, ru, ko), then sent by its
        # file id
        uploads = [r for r in api.calls("sendPhoto", ok=True) if r.files]
        assert len(uploads) == 3
        assert (await bot.deps.polls.status(poll.id)).published_at is not None


async def test_only_admins_start_close_publish_or_create(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    poll = seed_poll(hide_results=True)
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")
        await subscribe(bot, [(c, "en", "private") for c in (*CHATS, USER)])
        for command in (
            "/startpoll us-goals",
            "/closepoll us-goals",
            "/publish_results us-goals",
            "/poll Q? | A | B",
            "/rate riac-kf-2021",
        ):
            await calm(bot.deps.flood, USER)  # typed at a person's pace
            await say(api, USER, command, contains=REFUSAL)
        assert api.stats.count("sendPoll") == 0
        assert api.stats.count("stopPoll") == 0
        assert api.stats.count("sendPhoto") == 0
        status = await bot.deps.polls.status(poll.id)
        assert status.started_at is None and status.closed_at is None
        # hidden results: not for readers until closed; the admin sees them
        await calm(bot.deps.flood, USER)
        await say(api, USER, "/results us-goals", contains="shown when the poll closes")
        await say(api, ADMIN_ID, "/results us-goals", contains="Results so far:")
        await say(
            api, ADMIN_ID, "/publish_results us-goals", contains="close it first with /closepoll"
        )
        await say(api, ADMIN_ID, "/startpoll nope", contains="There is no poll with this id.")
        await say(api, ADMIN_ID, "/startpoll us-goals colour=red", contains="colour=red")
        await calm(bot.deps.flood, USER)
        await say(api, USER, "/results nope", contains="There is no poll with this id.")


async def test_poll_command_in_one_line_and_as_a_dialogue(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with poll_bot(api, make_config) as bot:
        reply = await say(api, ADMIN_ID, "/poll Best talk? | Lee | Ko hide", contains="is ready")
        poll_id = reply.params["text"].split("Poll ", 1)[1].split(" ", 1)[0]
        made = await bot.deps.polls.definition(poll_id)
        assert made is not None and made.hide_results and not made.anonymous
        assert [o.get("en") for o in made.options] == ["Lee", "Ko"]
        await say(api, ADMIN_ID, "/poll Q? | A", contains="at least two options")

        await say(api, ADMIN_ID, "/poll", contains="Send me the question")
        await say(api, ADMIN_ID, "Лучший доклад?", contains="send the options")
        await say(api, ADMIN_ID, "Ивашенцов", contains="Option 1 added")
        await say(api, ADMIN_ID, "Ивашенцов", contains="Two options are the same")
        await say(api, ADMIN_ID, "Ли", contains="Option 2 added")
        settings = await say(api, ADMIN_ID, "/done", contains="New poll")
        assert "poll:create" in callback_data(settings)
        msg = message_id(settings)
        await press(api, ADMIN_ID, msg, "poll:anonymous")
        await press(api, ADMIN_ID, msg, "poll:multiple")
        await press(api, ADMIN_ID, msg, "poll:closes")
        await api.wait_for_message(ADMIN_ID, "Send the closing time")
        await say(api, ADMIN_ID, "yesterday", contains="could not read the closing time")
        again = await say(api, ADMIN_ID, "2099-01-02 10:30", contains="New poll")
        assert "Anonymous: yes" in again.params["text"]
        assert "Multiple answers: yes" in again.params["text"]
        before = len(api.requests)
        await press(api, ADMIN_ID, message_id(again), "poll:create")
        ready = await api.wait_for(
            lambda r: r in api.requests[before:] and "is ready" in (r.text or "")
        )
        poll_id = ready.params["text"].split("Poll ", 1)[1].split(" ", 1)[0]
        made = await bot.deps.polls.definition(poll_id)
        assert made is not None
        assert made.question.get("en") == "Лучший доклад?"
        assert made.anonymous and made.multiple_answers and not made.hide_results
        assert made.closes_at is not None and made.closes_at.year == 2099
        assert bot.app.job_queue is not None
        assert bot.app.job_queue.get_jobs_by_name(CLOSE_JOB + poll_id)
        # the dialogue is over: its buttons are stale now
        answer = await press(api, ADMIN_ID, message_id(again), "poll:create")
        assert answer.params["text"] == "This button is no longer valid."
