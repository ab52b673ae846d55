"""Upvote benchmark: 👍 presses on audience questions against the fake Bot API (not a test).

    python -m bench.questions                  # 20,000 presses from 2,000 users, 3 rounds
    python -m bench.questions --presses 5000 --users 500 --rounds 1

The fake server runs in its own process, on 127.0.0.1. In the same run, two bot sides take
the same ``callback_query`` updates through ``getUpdates`` (long polling, batches of 100):

* **bare**: a python-telegram-bot application as ``ApplicationBuilder`` makes it (updates
  one at a time, its default HTTPX client) whose ``CallbackQueryHandler`` only answers the
  query;
* **bare-fast**: the same handler with what eventbot runs on: ``concurrent_updates(True)``
  and eventbot's aiohttp transport (``bot/transport.py``). (PTB's HTTPX client with
  concurrent updates is slower than either: about 200 answers/s here.) The ratio to it is
  the cost of the upvote path itself;
* **eventbot**: the real application (``build_application``: every handler, the flood
  guard, the language step) with an event of 10 approved questions: each press toggles the
  presser's vote (written in batches, counted in SQL), edits the board in place and answers.

Each user has the board's two pages in a private chat and presses 10 times on questions
picked at random among the 10 (the same seed for both sides), so a user who presses the
same question twice takes the vote back: votes are real toggles. The updates are queued
before a side starts polling; a side is timed from its first ``getUpdates`` until the
server has answered every ``answerCallbackQuery``. The eventbot side is then checked: the
stored count of every question equals the number of users who pressed it an odd number of
times. Rounds alternate which side goes first; the figures are the medians of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import TOKEN, ServerProcess

EVENT = "bench-event"
QUESTIONS = 10
PER_USER = 10
PAGE = 5
AUTHOR_BASE = 10_000_000
"""Authors of the questions (no presser is one)."""

Presses = list[tuple[int, int, int]]
"""(user id = private chat id, question number 0-9, page)."""


# server process ------------------------------------------------------------------------------


async def serve() -> None:
    """The fake Bot API; commands (JSON lines) on stdin, answers on stdout."""
    from tests.fakebot import FakeBotApi

    api = FakeBotApi(token=TOKEN, record_params=False)
    await api.start()
    print(json.dumps({"port": api.port}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        if command["cmd"] == "inject":
            ids: list[int] = command["ids"]
            for user, number, page in command["presses"]:
                data = f"qv:{EVENT}:{ids[number]}:{page}:en"
                api.inject_callback_query(user, data, message_id=page + 1, user_id=user)
        answers = api.stats.count("answerCallbackQuery", 200)
        edits = api.stats.count("editMessageText", None)
        print(
            json.dumps({"pending": len(api.pending_updates), "answers": answers, "edits": edits}),
            flush=True,
        )
    await api.stop()


class Server(ServerProcess):
    """The server process, driven from the bot side."""

    @classmethod
    async def start(cls) -> Server:
        return await cls.start_module("bench.questions")

    async def inject(self, presses: Presses, ids: list[int]) -> dict[str, int]:
        return await self.command(cmd="inject", presses=presses, ids=ids)

    async def counts(self) -> dict[str, int]:
        return await self.command(cmd="counts")

    async def answered(self, target: int, timeout: float) -> None:
        """Until the server has answered ``target`` callback queries in all (polled every
        10 ms; bounded by ``timeout``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (await self.counts())["answers"] < target:
            if loop.time() > deadline:
                raise TimeoutError("the bot side did not answer every press in time")
            await asyncio.sleep(0.01)


# the presses --------------------------------------------------------------------------------


def make_presses(users: int, presses: int, first_user: int, seed: int) -> Presses:
    rng = random.Random(seed)
    per_user = max(1, presses // users)
    made = [
        (first_user + user, number, number // PAGE)
        for user in range(users)
        for number in (rng.randrange(QUESTIONS) for _ in range(per_user))
    ]
    rng.shuffle(made)
    return made[:presses]


def expected_counts(presses: Presses) -> dict[int, int]:
    """Question number -> users who pressed it an odd number of times."""
    times = Counter((user, number) for user, number, _ in presses)
    counts = dict.fromkeys(range(QUESTIONS), 0)
    for (_, number), n in times.items():
        counts[number] += n % 2
    return counts


# bot sides --------------------------------------------------------------------------------


@dataclass
class Run:
    side: str
    presses: int
    seconds: float
    cpu: float
    """CPU seconds of this process (the bot side) while it was timed."""
    edits: int = 0
    transactions: int = 0

    @property
    def rate(self) -> float:
        return self.presses / self.seconds

    @property
    def cpu_per_press(self) -> float:
        return self.cpu / self.presses * 1e6


async def bare_side(server: Server, presses: Presses, *, fast: bool = False) -> Run:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

    from bot.transport import AiohttpRequest

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    builder = ApplicationBuilder().token(TOKEN).base_url(server.url)
    if fast:
        builder = builder.concurrent_updates(True).request(AiohttpRequest(connection_pool_size=256))
    application = builder.build()
    application.add_handler(CallbackQueryHandler(answer))
    await application.initialize()
    await application.start()
    before = (await server.inject(presses, list(range(1, QUESTIONS + 1))))["answers"]
    assert application.updater is not None
    started, cpu = time.perf_counter(), time.process_time()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await server.answered(before + len(presses), timeout=900)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    return Run("bare-fast" if fast else "bare", len(presses), elapsed, cpu)


async def bare_fast_side(server: Server, presses: Presses) -> Run:
    return await bare_side(server, presses, fast=True)


async def _seed(application: Any) -> list[int]:
    """The event and its 10 approved questions; returns their ids."""
    from bot.deps import app_deps
    from bot.services.questions import question_key
    from storage.questions import Action, AskOutcome, NewQuestion
    from tests.sample_events import round_table

    deps = app_deps(application)
    await deps.events.save(round_table(EVENT))
    ids: list[int] = []
    for number in range(QUESTIONS):
        text = f"Question number {number + 1}: what comes next in the region?"
        outcome, question = await deps.questions.ask(
            NewQuestion(EVENT, None, AUTHOR_BASE + number, "Author", "en", text,
                        question_key(text)),
            max_pending=1,
        )  # fmt: skip
        assert outcome is AskOutcome.ASKED and question is not None
        await deps.questions.moderate(question.id, Action.APPROVE, "pending", 1)
        ids.append(question.id)
    return ids


async def eventbot_side(server: Server, presses: Presses) -> Run:
    from bot.app import build_application
    from bot.config import Config
    from bot.deps import app_deps
    from bot.handlers.question_board import EDITS_KEY
    from bot.runtime import shutdown, startup, stop_work

    with tempfile.TemporaryDirectory(prefix="eventbot-questions-") as folder:
        config = Config(
            token=TOKEN,
            database_path=Path(folder) / "bench.sqlite3",
            api_url=server.url,
            file_url=f"http://127.0.0.1:{server.port}/file/bot",
        )
        application = build_application(config)
        await application.initialize()
        await startup(application)
        await application.start()
        ids = await _seed(application)
        deps = app_deps(application)
        counts = await server.inject(presses, ids)
        before, edits_before = counts["answers"], counts["edits"]
        assert application.updater is not None
        started, cpu = time.perf_counter(), time.process_time()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await server.answered(before + len(presses), timeout=900)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        edits = (await server.counts())["edits"] - edits_before
        expected = expected_counts(presses)
        for number, question_id in enumerate(ids):
            question = await deps.questions.get(question_id)
            assert question is not None
            assert question.upvotes == expected[number], (number, question, expected[number])
        transactions = deps.upvotes.transactions
        assert application.bot_data[EDITS_KEY] is not None
        await application.updater.stop()
        await application.stop()
        await stop_work(application)
        await application.shutdown()
        await shutdown(application)
    return Run("eventbot", len(presses), elapsed, cpu, edits, transactions)


async def benchmark(presses: int, users: int, rounds: int) -> list[dict[str, Run]]:
    """``rounds`` runs of each side over the same presses (the order turns each round)."""
    server = await Server.start()
    results: list[dict[str, Run]] = []
    sides = [bare_side, bare_fast_side, eventbot_side]
    try:
        for number in range(1, rounds + 1):
            first_user = 1_000_000 * number
            made = make_presses(users, presses, first_user, seed=number)
            order = sides[number % 3 :] + sides[: number % 3]
            runs = {run.side: run for run in [await side(server, made) for side in order]}
            results.append(runs)
            bare, fast, ours = runs["bare"], runs["bare-fast"], runs["eventbot"]
            print(
                f"  round {number}: bare {bare.rate:5.0f}/s ({bare.cpu_per_press:4.0f} µs CPU)"
                f"  bare-fast {fast.rate:5.0f}/s ({fast.cpu_per_press:4.0f} µs)"
                f"  eventbot {ours.rate:5.0f}/s ({ours.cpu_per_press:4.0f} µs,"
                f" {ours.edits} edits, {ours.transactions} transactions)",
                flush=True,
            )
    finally:
        await server.stop()
    return results


def report(results: list[dict[str, Run]], users: int) -> None:
    def median(side: str, figure: str) -> float:
        return statistics.median(float(getattr(runs[side], figure)) for runs in results)

    def ratio(side: str) -> float:
        return statistics.median(runs["eventbot"].rate / runs[side].rate for runs in results)

    presses = results[0]["eventbot"].presses
    print()
    print(f"{presses:,} 👍 presses from {users:,} users via getUpdates, {len(results)} rounds"
          " (medians)")  # fmt: skip
    lines = (
        ("bare", "bare PTB (defaults), handler only answers", "presses/s"),
        ("bare-fast", "bare PTB, concurrent + aiohttp, only answers", "presses/s"),
        ("eventbot", "eventbot: vote toggled in SQLite, board edited", "votes/s  "),
    )
    for side, label, unit in lines:
        print(
            f"  {label:48}: {median(side, 'rate'):6.0f} {unit}"
            f" {median(side, 'cpu_per_press'):5.0f} µs CPU/press"
        )
    print(f"  eventbot / bare       : {ratio('bare'):5.2f}")
    print(f"  eventbot / bare-fast  : {ratio('bare-fast'):5.2f}")
    print(
        f"  eventbot per round    : {median('eventbot', 'edits'):.0f} edits,"
        f" {median('eventbot', 'transactions'):.0f} vote transactions"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.questions", description=__doc__)
    parser.add_argument("role", nargs="?", default="bench", choices=("bench", "server"))
    parser.add_argument("--presses", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.role == "server":
        asyncio.run(serve())
        return 0
    results = asyncio.run(benchmark(args.presses, args.users, args.rounds))
    report(results, args.users)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
