"""Vote intake benchmark against the fake Bot API on 127.0.0.1 (not a test).

    python -m bench.votes                 # 20,000 poll_answer updates, 5 rounds
    python -m bench.votes --updates 5000 --rounds 1
    python -m bench.votes --log-level INFO 2>/dev/null   # with production logging

The fake server runs in its own process. In the same run, two bot sides take the same
number of ``poll_answer`` updates through ``getUpdates`` (long polling, batches of 100):

* **bare**: a python-telegram-bot application whose ``PollAnswerHandler`` does nothing
  (it only counts, to know when it is done);
* **eventbot**: the real application (``build_application``: every handler, the language
  step, the vote intake with its write buffer), timed until every vote is *committed* to
  SQLite (the buffer's last flush included), then checked against the database.

The updates are queued before a side starts polling, so both are timed from the first
``getUpdates`` to the last vote handled (bare) or stored (eventbot). A round runs both sides
back to back (alternating which goes first), so that both see the same machine load; the
result is the median of the rounds' ratios (goal ≥ 0.8), with each side's median rate and
CPU time per update (this process only: the server runs in its own).

Logging is not configured by default (Python's default: warnings only), as in a bare
application; ``--log-level INFO`` sets up eventbot's logging as ``eventbot run`` does, which
adds its one log line per update (``bot/handlers/trace.py``) to the eventbot side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import ServerProcess

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


class Server(ServerProcess):
    """The server process, driven from the bot side."""

    @classmethod
    async def start(cls) -> Server:
        return await cls.start_module("bench.votes")

    async def inject(self, n: int, polls: list[str], first_user: int) -> None:
        answer = await self.command(cmd="inject", n=n, polls=polls, first_user=first_user)
        assert answer["pending"] == n, answer


# bot sides --------------------------------------------------------------------------------


@dataclass
class Run:
    side: str
    updates: int
    seconds: float
    cpu: float
    """CPU seconds of this process (the bot side) while it was timed."""

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_per_update(self) -> float:
        return self.cpu / self.updates * 1e6


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
    started, cpu = time.perf_counter(), time.process_time()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await _wait(lambda: handled >= updates, timeout=600)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    return Run("bare", updates, elapsed, cpu)


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
        started, cpu = time.perf_counter(), time.process_time()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await _wait(lambda: buffer.stored >= updates, timeout=600)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stored = await deps.polls.repo.vote_rows(POLL_ID)
        assert stored == updates, f"{stored} votes stored, {updates} sent"
        results = await deps.polls.results(poll)
        assert results.voters == updates and sum(results.counts) == updates
        await application.updater.stop()
        await application.stop()
        await stop_work(application)
        await application.shutdown()
        await shutdown(application)
    return Run("eventbot", updates, elapsed, cpu)


async def benchmark(updates: int, rounds: int) -> list[tuple[Run, Run]]:
    """``rounds`` pairs of (bare, eventbot) runs."""
    server = await Server.start()
    pairs: list[tuple[Run, Run]] = []
    try:
        for number in range(1, rounds + 1):
            first, second = (bare_side, eventbot_side) if number % 2 else (eventbot_side, bare_side)
            one = await first(server, updates, 2 * number)
            two = await second(server, updates, 2 * number + 1)
            bare, ours = (one, two) if one.side == "bare" else (two, one)
            pairs.append((bare, ours))
            print(
                f"  round {number}: bare {bare.rate:6.0f}/s ({bare.cpu_per_update:3.0f} µs CPU)"
                f"   eventbot {ours.rate:6.0f}/s ({ours.cpu_per_update:3.0f} µs CPU)"
                f"   ratio {ours.rate / bare.rate:4.2f}",
                flush=True,
            )
    finally:
        await server.stop()
    return pairs


def report(pairs: list[tuple[Run, Run]]) -> float:
    bare = [b for b, _ in pairs]
    ours = [o for _, o in pairs]
    ratio = statistics.median(o.rate / b.rate for b, o in pairs)
    updates = bare[0].updates
    print()
    print(f"{updates:,} poll_answer updates via getUpdates, {len(pairs)} rounds (medians)")
    print(
        f"  bare PTB, no-op PollAnswerHandler : {statistics.median(r.rate for r in bare):6.0f}"
        f" updates/s  {statistics.median(r.cpu_per_update for r in bare):4.0f} µs CPU/update"
    )
    print(
        f"  eventbot, votes stored in SQLite  : {statistics.median(r.rate for r in ours):6.0f}"
        f" votes/s    {statistics.median(r.cpu_per_update for r in ours):4.0f} µs CPU/update"
    )
    verdict = "ok" if ratio >= 0.8 else "BELOW GOAL"
    print(f"  ratio (median of the rounds)      : {ratio:6.2f}   (goal >= 0.80: {verdict})")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.votes", description=__doc__)
    parser.add_argument("role", nargs="?", default="bench", choices=("bench", "server"))
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING"), default=None)
    args = parser.parse_args(argv)
    if args.role == "server":
        asyncio.run(serve())
        return 0
    if args.log_level is not None:
        from bot.logging_setup import setup_logging

        setup_logging(args.log_level, [TOKEN], "json")
    pairs = asyncio.run(benchmark(args.updates, args.rounds))
    return 0 if report(pairs) >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
