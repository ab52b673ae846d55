"""Vote intake benchmark against the fake Bot API on 127.0.0.1 (not a test).

    python -m bench.votes                 # 20,000 poll_answer updates, 3 rounds
    python -m bench.votes --updates 5000 --rounds 1

The fake server runs in its own process. In the same run, two bot sides take the same
number of ``poll_answer`` updates through ``getUpdates`` (long polling, batches of 100):

* **bare**: a python-telegram-bot application whose ``PollAnswerHandler`` does nothing
  (it only counts, to know when it is done);
* **eventbot**: the real application (``build_application``: every handler, the language
  step, the vote intake with its write buffer), timed until every vote is *committed* to
  SQLite (the buffer's last flush included), then checked against the database.

The updates are queued before a side starts polling, so both are timed from the first
``getUpdates`` to the last vote handled (bare) or stored (eventbot). The sides alternate
over the rounds; the table shows each round and the ratio of the medians (goal ≥ 0.8).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKEN = "123456:BENCH-token"
ROOT = Path(__file__).resolve().parent.parent
INSTANCES = 100
"""Telegram polls the votes are spread over (group chats: anyone may vote in each)."""
POLL_ID = "bench"


# server process ------------------------------------------------------------------------------


async def serve() -> None:
    """The fake Bot API; commands (JSON lines) on stdin, answers on stdout."""
    from tests.fakebot import FakeBotApi

    api = FakeBotApi(token=TOKEN, record_params=False)
    await api.start()
    print(json.dumps({"port": api.port}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        if command["cmd"] == "inject":
            polls: list[str] = command["polls"]
            first_user: int = command["first_user"]
            for index in range(command["n"]):
                api.inject_poll_answer(polls[index % len(polls)], first_user + index, [index % 4])
        print(json.dumps({"pending": len(api.pending_updates)}), flush=True)
    await api.stop()


class Server:
    """The server process, driven from the bot side."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port

    @classmethod
    async def start(cls) -> Server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.votes",
            "server",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        port = int(json.loads(await process.stdout.readline())["port"])
        return cls(process, port)

    async def command(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        answer: dict[str, Any] = json.loads(await self.process.stdout.readline())
        return answer

    async def inject(self, n: int, polls: list[str], first_user: int) -> None:
        answer = await self.command(cmd="inject", n=n, polls=polls, first_user=first_user)
        assert answer["pending"] == n, answer

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"


# bot sides --------------------------------------------------------------------------------


@dataclass
class Run:
    side: str
    updates: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def _telegram_poll_ids(round_number: int) -> list[str]:
    return [f"{round_number}{i:015d}" for i in range(INSTANCES)]


async def _wait(condition: Callable[[], bool], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the bot side did not finish in time")
        await asyncio.sleep(0.002)


async def bare_side(server: Server, updates: int, round_number: int) -> Run:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, PollAnswerHandler

    handled = 0

    async def nothing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal handled
        handled += 1

    application = ApplicationBuilder().token(TOKEN).base_url(server.url).build()
    application.add_handler(PollAnswerHandler(nothing))
    await application.initialize()
    await application.start()
    await server.inject(updates, _telegram_poll_ids(round_number), 1_000_000 * round_number)
    assert application.updater is not None
    started = time.perf_counter()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await _wait(lambda: handled >= updates, timeout=600)
    elapsed = time.perf_counter() - started
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    return Run("bare", updates, elapsed)


async def eventbot_side(server: Server, updates: int, round_number: int) -> Run:
    from bot.app import build_application
    from bot.config import Config
    from bot.deps import app_deps
    from bot.runtime import shutdown, startup, stop_work
    from storage.models import Localized, PollDef
    from storage.polls import PollInstance

    with tempfile.TemporaryDirectory(prefix="eventbot-votes-") as folder:
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
        deps = app_deps(application)
        poll = PollDef(
            POLL_ID,
            Localized({"en": "Which session was the most useful?"}, "en"),
            tuple(Localized({"en": f"Session {n}"}, "en") for n in range(1, 5)),
        )
        await deps.events.save_poll(poll, "en")
        poll_ids = _telegram_poll_ids(round_number)
        for index, telegram_poll_id in enumerate(poll_ids):
            await deps.polls.record_instance(
                PollInstance(telegram_poll_id, POLL_ID, -1_000_000 - index, index + 1, "en")
            )
        await server.inject(updates, poll_ids, 1_000_000 * round_number)
        buffer = deps.votes.buffer
        assert application.updater is not None
        started = time.perf_counter()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await _wait(lambda: buffer.stored >= updates, timeout=600)
        elapsed = time.perf_counter() - started
        stored = await deps.polls.repo.vote_rows(POLL_ID)
        assert stored == updates, f"{stored} votes stored, {updates} sent"
        results = await deps.polls.results(poll)
        assert results.voters == updates and sum(results.counts) == updates
        await application.updater.stop()
        await application.stop()
        await stop_work(application)
        await application.shutdown()
        await shutdown(application)
    return Run("eventbot", updates, elapsed)


Side = Callable[[Server, int, int], Awaitable[Run]]


async def benchmark(updates: int, rounds: int) -> list[Run]:
    server = await Server.start()
    runs: list[Run] = []
    try:
        sides: list[Side] = [bare_side, eventbot_side]
        for round_number in range(1, rounds + 1):
            order = sides if round_number % 2 else sides[::-1]
            for side in order:
                run = await side(server, updates, round_number * 2 + len(runs) % 2)
                runs.append(run)
                print(f"  round {round_number}: {run.side:8} {run.rate:8.0f} votes/s", flush=True)
    finally:
        await server.stop()
    return runs


def report(runs: list[Run]) -> float:
    bare = statistics.median(r.rate for r in runs if r.side == "bare")
    ours = statistics.median(r.rate for r in runs if r.side == "eventbot")
    updates = runs[0].updates
    print()
    print(f"{updates:,} poll_answer updates via getUpdates, median of {len(runs) // 2} rounds")
    print(f"  bare PTB, no-op PollAnswerHandler : {bare:8.0f} updates/s")
    print(f"  eventbot, votes stored in SQLite  : {ours:8.0f} votes/s")
    ratio = ours / bare
    verdict = "ok" if ratio >= 0.8 else "BELOW GOAL"
    print(f"  ratio                             : {ratio:8.2f}   (goal >= 0.80: {verdict})")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.votes", description=__doc__)
    parser.add_argument("role", nargs="?", default="bench", choices=("bench", "server"))
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.role == "server":
        asyncio.run(serve())
        return 0
    runs = asyncio.run(benchmark(args.updates, args.rounds))
    return 0 if report(runs) >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
