"""Scale benchmark: the real bot with 1,000,000 subscribers (not a test).

    python -m bench.scale                                   # 1,000,000 subscribers
    python -m bench.scale --subscribers 100000 --send 2000  # smaller, to try it out
    python -m bench.scale --json after.json                 # also write the figures
    python -m bench.scale --group-every 0                   # private chats only
    python -m bench.scale --profile bot.prof                # the bot under cProfile

Processes: this one seeds the database (through ``SubscriberRepository.add_many``: mixed
languages en/ru/ko, topics, one chat in 50 a supergroup), runs the fake Bot API on 127.0.0.1
(every answer after 50 ms; server-side limits 100 msg/s, 1000 msg/s for paid broadcasts) and
drives the bot; the bot is ``python -m bot run`` (the real application, ``PAID_BROADCAST=1``,
``BROADCAST_RATE=1000``) in its own process, so the fake's CPU is not the bot's and the
memory figures are the bot's alone: its peak RSS is the kernel's high-water mark (VmHWM) of
that process since it started; VmRSS is sampled every 50 ms to tell the phases apart.

Steps, each bounded in time:

1. idle: ``/stats`` from the admin and ``/help`` from a user, for reference;
2. previews: ``/broadcast`` with filters (``lang=ru,ko topic=researchers groups=no``) and
   without, twice each: time from the command to the preview with its counts by language;
3. queue: Send pressed on the unfiltered draft, time until the broadcast is ``running`` with
   ``total`` = every subscriber (read from the database by this process every 50 ms);
4. send: until the fake has answered the first ``--send`` (10,000) paid messages (the
   outbox goes in chat id order, so with the default mix these are the first 10,000 of the
   20,000 groups: negative ids come first);
5. cancel: ``/cancel_broadcast``: time to its reply, to the last message sent, and to the
   final report.

Throughout 3–5 the admin sends ``/stats`` (every 2 s) and three ordinary subscribers send
``/help`` or ``/events`` (every 0.5 s each, one at a time per user): each reply's latency is
measured from the update being queued at the fake to the fake answering the bot's
``sendMessage``, so it includes the reply's 50 ms answer delay (and up to another 50 ms when
the bot's ``getUpdates`` had just been answered and its next one was still being delayed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    GROUP_EVERY,
    ROOT,
    TOKEN,
    Row,
    cpu_seconds,
    memory,
    mixed_subscribers,
    print_table,
    row,
    seed,
)
from storage.broadcasts import BroadcastRepository
from storage.db import Database
from tests.chat_helpers import callback_data, message_id
from tests.fakebot import FakeBotApi, Request
from tests.fakebot.records import JSON, UploadedFile

ADMIN_ID = 4_000_000_001
"""The admin who sends the broadcast (not a subscriber)."""
OTHER_ADMINS = tuple(ADMIN_ID + n for n in range(1, 6))
"""Admins who only ask (previews, /stats): one chat gets one message a second after a short
burst, so one admin firing commands back to back would measure the per-chat pace, not the
bot."""
POOL = 12
"""Users per probing loop, taking turns: each sends at a person's pace (the flood guard drops
a fourth message in a second and a 21st in a minute, and a chat gets a reply a second)."""
DELAY = 0.05
PAID_RATE = 1000.0
TEXT = "Scale benchmark: the round table starts tomorrow at 10:00."
FILTERS = "lang=ru,ko topic=researchers groups=no"
REPLY_TIMEOUT = 60.0
"""A probe whose reply takes longer counts as this long (and is reported as a timeout)."""
MAX_PROBES = 5000
"""Per probing user, whatever the phases' lengths."""

GOAL_QUEUE = 30.0
GOAL_RSS = 150.0
GOAL_REPLY = 1.0


class ScaleApi(FakeBotApi):
    """The fake Bot API, also counting the paid (broadcast) sends as they are answered."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paid_ok = 0
        self.paid_throttled = 0
        self.first_paid: float | None = None
        self.last_paid = 0.0
        self.paid_at: dict[int, float] = {}
        """Answer time of the n-th successful paid send, for the ``n`` asked in ``mark``."""
        self.marks: set[int] = set()

    def _record(
        self, method: str, params: JSON, files: dict[str, UploadedFile], status: int, payload: JSON
    ) -> None:
        if method == "sendMessage" and params.get("allow_paid_broadcast") is True:
            if status == 200:
                self.paid_ok += 1
                now = time.monotonic()
                self.last_paid = now
                if self.first_paid is None:
                    self.first_paid = now
                if self.paid_ok in self.marks:
                    self.paid_at[self.paid_ok] = now
            elif status == 429:
                self.paid_throttled += 1
        super()._record(method, params, files, status, payload)


# the bot process ----------------------------------------------------------------------------


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


async def start_bot(
    api: FakeBotApi, folder: Path, db_path: Path, profile: Path | None = None
) -> BotProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "WEBHOOK_", "DATABASE_", "LOG_", "ADMIN_", "BROADCAST_"))
        and key not in ("PORT", "PAID_BROADCAST")
    }
    environment.update(
        BOT_TOKEN=TOKEN,
        BOT_API_URL=api.base_url,
        BOT_API_FILE_URL=api.base_file_url,
        DATABASE_PATH=str(db_path),
        ADMIN_IDS=",".join(str(a) for a in (ADMIN_ID, *OTHER_ADMINS)),
        BROADCAST_RATE=str(PAID_RATE),
        PAID_BROADCAST="1",
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    log = folder / "eventbot.log"
    with log.open("wb") as sink:  # a file, not a pipe nobody reads
        profiler = [] if profile is None else ["-m", "cProfile", "-o", str(profile)]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *profiler,
            "-m",
            "bot",
            "run",
            cwd=folder,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
        )
    return BotProcess(process, log)


async def stop_bot(bot: BotProcess, timeout: float = 30.0) -> None:
    if bot.process.returncode is not None:
        return
    bot.process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(timeout):
            await bot.process.wait()
    except TimeoutError:
        bot.process.kill()
        await bot.process.wait()


class Sampler:
    """The bot's VmRSS every 50 ms, the largest per phase, and its VmHWM."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.phase = "start"
        self.peak_by_phase: dict[str, float] = {}
        self.hwm = 0.0
        self.cpu: dict[str, tuple[float, float, float]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def enter(self, phase: str) -> None:
        self._sample()
        bot, own = cpu_seconds(self.pid) or 0.0, time.process_time()
        now = time.monotonic()
        self.cpu[self.phase + ">"] = (bot, own, now)
        self.phase = phase
        self.cpu["<" + phase] = (bot, own, now)

    def cpu_of(self, phase: str) -> tuple[float, float, float] | None:
        """CPU seconds the bot and this process (the fake, the driver) used during ``phase``,
        and its length, once it is over."""
        if "<" + phase not in self.cpu or phase + ">" not in self.cpu:
            return None
        end, start = self.cpu[phase + ">"], self.cpu["<" + phase]
        return (end[0] - start[0], end[1] - start[1], end[2] - start[2])

    def _sample(self) -> None:
        figures = memory(self.pid)
        if figures is None:
            return
        self.hwm = max(self.hwm, figures.peak_mb)
        previous = self.peak_by_phase.get(self.phase, 0.0)
        self.peak_by_phase[self.phase] = max(previous, figures.rss_mb)

    async def _run(self) -> None:
        while True:
            self._sample()
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._sample()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# asking and measuring -----------------------------------------------------------------------


def _reply_to(chat_id: int, contains: str | None) -> Callable[[Request], bool]:
    def reply(r: Request) -> bool:
        return (
            r.method == "sendMessage"
            and r.ok
            and r.chat_id == chat_id
            and r.params.get("allow_paid_broadcast") is not True
            and (contains is None or contains in r.params["text"])
        )

    return reply


async def ask(
    api: FakeBotApi,
    chat_id: int,
    text: str,
    contains: str | None,
    *,
    timeout: float = REPLY_TIMEOUT,
) -> tuple[float, Request | None]:
    """Queue a message from ``chat_id``; the seconds until the bot's reply (containing
    ``contains``) was answered, and the reply (None after ``timeout``: the seconds are then
    ``timeout``)."""
    waiter = asyncio.create_task(api.wait_for(_reply_to(chat_id, contains), timeout=timeout))
    await asyncio.sleep(0)  # the waiter is registered before the update exists
    started = time.monotonic()
    api.inject_message(chat_id, text, user_id=chat_id)
    try:
        reply = await waiter
    except AssertionError:  # wait_for's timeout
        return timeout, None
    return reply.time - started, reply


@dataclass
class Probe:
    command: str
    chat_ids: Sequence[int]
    """Taking turns, one message each."""
    contains: str | None
    interval: float


@dataclass
class Probes:
    """One loop per probing chat: ask, wait for the reply, pause ``interval``, again."""

    api: FakeBotApi
    probes: Sequence[Probe]
    phase: str = "queue"
    latencies: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    timeouts: dict[tuple[str, str], int] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(probe)) for probe in self.probes]

    async def _loop(self, probe: Probe) -> None:
        label = "/stats" if probe.command == "/stats" else "/help, /events"
        for turn in range(MAX_PROBES):
            if self._stop.is_set():
                return
            phase = self.phase
            chat_id = probe.chat_ids[turn % len(probe.chat_ids)]
            seconds, reply = await ask(self.api, chat_id, probe.command, probe.contains)
            self.latencies.setdefault((phase, label), []).append(seconds)
            if reply is None:
                self.timeouts[(phase, label)] = self.timeouts.get((phase, label), 0) + 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(probe.interval):
                    await self._stop.wait()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.01)


def _users(subscribers: int, group_every: int) -> list[list[int]]:
    """Three pools of ``POOL`` ordinary private subscribers far down the queue (beyond the
    first sends)."""
    pools = []
    for share in (0.61, 0.77, 0.93):
        pool: list[int] = []
        chat = int(subscribers * share) + 1
        while len(pool) < POOL:
            if not (group_every and chat % group_every == 0):
                pool.append(chat)
            chat += 1
        pools.append(pool)
    return pools


# the run ------------------------------------------------------------------------------------


async def benchmark(
    subscribers: int,
    send: int,
    tmp: str | None,
    *,
    group_every: int = GROUP_EVERY,
    profile: Path | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "subscribers": subscribers,
        "send": send,
        "groups": subscribers // group_every if group_every else 0,
    }
    with tempfile.TemporaryDirectory(prefix="eventbot-scale-", dir=tmp) as name:
        folder = Path(name)
        db_path = folder / "eventbot.sqlite3"
        started = time.monotonic()
        added = await seed(db_path, mixed_subscribers(subscribers, group_every))
        result["seed_s"] = time.monotonic() - started
        assert added == subscribers, added
        print(f"seeded {added:,} subscribers in {result['seed_s']:.1f} s", file=sys.stderr)

        api = ScaleApi(token=TOKEN, record_params=False, delay=DELAY)
        api.rate_limit(100.0, paid_per_second=PAID_RATE)
        api.marks = {1, send}
        await api.start()
        bot = await start_bot(api, folder, db_path, profile)
        sampler = Sampler(bot.pid)
        sampler.start()
        db = await Database.open(db_path, migrate=False)
        try:
            users = _users(subscribers, group_every)
            await _drive(api, sampler, BroadcastRepository(db), users, send, result)
        except (TimeoutError, AssertionError) as error:
            result["error"] = str(error)
            print(f"run stopped: {error}\n--- bot log ---\n{bot.tail()}", file=sys.stderr)
        finally:
            await sampler.stop()
            result["rss_hwm_mb"] = sampler.hwm
            result["rss_by_phase_mb"] = sampler.peak_by_phase
            await db.close()
            await stop_bot(bot)
            await api.stop()
            result["bot_log_errors"] = [
                line for line in bot.tail(100_000).splitlines() if "ERROR" in line
            ][:20]
    return result


async def _drive(
    api: ScaleApi,
    sampler: Sampler,
    repo: BroadcastRepository,
    users: list[list[int]],
    send: int,
    result: dict[str, Any],
) -> None:
    pool_a, pool_b, pool_c = users
    # Start-up (the update waits at the fake until the bot polls).
    seconds, reply = await ask(api, ADMIN_ID, "/help", None, timeout=120)
    assert reply is not None, "the bot did not start within 120 s"
    result["startup_reply_s"] = seconds

    sampler.enter("idle")
    idle: dict[str, list[float]] = {"/stats": [], "/help": []}
    for n in range(3):
        admin = OTHER_ADMINS[n]
        idle["/stats"].append((await ask(api, admin, "/stats", "subscribers in total"))[0])
        idle["/help"].append((await ask(api, pool_a[n], "/help", None))[0])
    result["idle"] = idle

    sampler.enter("preview")
    previews: dict[str, list[float]] = {"filtered": [], "all": []}
    draft: Request | None = None
    askers = iter((OTHER_ADMINS[3], OTHER_ADMINS[4], OTHER_ADMINS[0], ADMIN_ID))
    for variant, command in (
        ("filtered", f"/broadcast {FILTERS} {TEXT}"),
        ("all", f"/broadcast {TEXT}"),
    ):
        for _ in range(2):
            seconds, draft = await ask(api, next(askers), command, "Send it?")
            assert draft is not None, f"no preview for {command!r}"
            previews[variant].append(seconds)
    result["preview_s"] = previews
    assert draft is not None
    go = next(d for d in callback_data(draft) if d.startswith("bc:go:"))
    broadcast_id = int(go.rsplit(":", 1)[1])

    probes = Probes(
        api,
        [
            Probe("/stats", OTHER_ADMINS[1:3], "subscribers in total", 1.0),
            Probe("/help", pool_a, None, 0.5),
            Probe("/events", pool_b, None, 0.5),
            Probe("/help", pool_c, None, 0.5),
        ],
    )
    sampler.enter("queue")
    probes.start()
    try:
        # Send: the button press, then the database until the outbox is complete.
        pressed = time.monotonic()
        api.inject_callback_query(ADMIN_ID, go, message_id=message_id(draft), user_id=ADMIN_ID)
        state = None
        deadline = pressed + 600
        while time.monotonic() < deadline:
            state = await repo.get(broadcast_id)
            if state is not None and state.state == "running" and state.total > 0:
                break
            await asyncio.sleep(0.05)
        assert state is not None and state.state == "running", f"not queued: {state}"
        result["queue_s"] = time.monotonic() - pressed
        result["queued_total"] = state.total

        sampler.enter("send")
        probes.phase = "send"
        await wait_for(lambda: api.first_paid is not None, 120, "the first paid send")
        assert api.first_paid is not None
        result["first_send_after_press_s"] = api.first_paid - pressed
        await wait_for(lambda: api.paid_ok >= send, send / PAID_RATE * 5 + 120, f"{send} sends")
        first, last = api.paid_at.get(1, api.first_paid), api.paid_at[send]
        result["send_rate"] = (send - 1) / (last - first) if last > first else None
        result["throttled"] = api.paid_throttled

        sampler.enter("cancel")
        probes.phase = "cancel"
        before = api.paid_ok
        asked = time.monotonic()
        seconds, reply = await ask(
            api, ADMIN_ID, f"/cancel_broadcast {broadcast_id}", f"#{broadcast_id} cancelled"
        )
        assert reply is not None, "no answer to /cancel_broadcast"
        result["cancel_reply_s"] = seconds
        cancelled_at = time.monotonic()
        at_reply = api.paid_ok
        report = await api.wait_for(_reply_to(ADMIN_ID, "Broadcast stopped"), timeout=300)
        result["cancel_report_s"] = report.time - cancelled_at + seconds
        result["sent_after_cancel_reply"] = api.paid_ok - at_reply
        result["last_send_after_cancel_s"] = max(api.last_paid - asked, 0.0)
        result["sent_during_cancel"] = api.paid_ok - before
        result["sent_total"] = api.paid_ok
        final = await repo.get(broadcast_id)
        result["final_state"] = None if final is None else final.state
        figures = await repo.figures(broadcast_id)
        result["final_figures"] = figures.counts
        sampler.enter("end")
    finally:
        await probes.stop()
    result["cpu_s"] = {
        phase: sampler.cpu_of(phase) for phase in ("idle", "preview", "queue", "send", "cancel")
    }
    result["probes"] = {f"{phase} {label}": v for (phase, label), v in probes.latencies.items()}
    result["probe_timeouts"] = {f"{p} {label}": n for (p, label), n in probes.timeouts.items()}


# the report ---------------------------------------------------------------------------------


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def _spread(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"max {max(values):.2f} s, median {statistics.median(values):.2f} s, n={len(values)}"


def report(result: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    n = result["subscribers"]
    groups = result.get("groups", 0)
    rows.append(
        row(f"seeding {n:,} subscribers ({groups:,} groups)", _fmt(result.get("seed_s")), "", None)
    )
    previews = result.get("preview_s", {})
    for variant, label in (("all", "everyone"), ("filtered", FILTERS)):
        values = previews.get(variant, [])
        if values:
            rows.append(
                row(
                    f"preview with counts ({label})",
                    " / ".join(f"{v:.2f} s" for v in values),
                    "< 1 s",
                    max(values) < GOAL_REPLY,
                )
            )
    queue = result.get("queue_s")
    if queue is not None:
        total = result.get("queued_total")
        rows.append(
            row(
                f"queue: Send -> running, total {total:,}",
                _fmt(queue),
                "<= 30 s",
                queue <= GOAL_QUEUE and total == n,
            )
        )
        first = _fmt(result.get("first_send_after_press_s"))
        rows.append(row("first paid send after Send", first, "", None))
    rate = result.get("send_rate")
    if rate is not None:
        rows.append(
            row(
                f"paid rate, first {result['send']:,} (429s)",
                f"{rate:.0f} msg/s ({result.get('throttled', 0)})",
                "(1000/s)",
                None,
            )
        )
    idle = result.get("idle", {})
    probes: dict[str, list[float]] = result.get("probes", {})
    timeouts: dict[str, int] = result.get("probe_timeouts", {})
    stats_all = list(idle.get("/stats", []))
    replies_all = list(idle.get("/help", []))
    rows.append(row("/stats, idle", _spread(idle.get("/stats", [])), "< 1 s", None))
    for phase in ("queue", "send", "cancel"):
        for label in ("/stats", "/help, /events"):
            values = probes.get(f"{phase} {label}", [])
            (stats_all if label == "/stats" else replies_all).extend(values)
            lost = timeouts.get(f"{phase} {label}", 0)
            figure = _spread(values) + (f", {lost} timed out" if lost else "")
            rows.append(row(f"{label} during {phase}", figure, "< 1 s", None))
    if stats_all:
        rows.append(row("/stats, worst of all", _fmt(max(stats_all)), "< 1 s", max(stats_all) < 1))
    if replies_all:
        worst = max(replies_all)
        rows.append(row("interactive replies, worst", _fmt(worst), "< 1 s", worst < GOAL_REPLY))
    if "cancel_reply_s" in result:
        rows.append(row("/cancel_broadcast reply", _fmt(result["cancel_reply_s"]), "", None))
        last = _fmt(result.get("last_send_after_cancel_s"))
        rows.append(row("cancel -> last message out", last, "", None))
        rows.append(
            row(
                "cancel -> final report (sent meanwhile)",
                f"{_fmt(result.get('cancel_report_s'))} ({result.get('sent_during_cancel')})",
                "",
                None,
            )
        )
    hwm = result.get("rss_hwm_mb")
    if hwm:
        rows.append(row("bot peak RSS (VmHWM)", f"{hwm:.1f} MB", "<= 150 MB", hwm <= GOAL_RSS))
        phases = result.get("rss_by_phase_mb", {})
        rows.append(
            row(
                "  VmRSS peak by phase",
                ", ".join(f"{k} {v:.0f}" for k, v in phases.items()),
                "",
                None,
            )
        )
    for phase, figures in result.get("cpu_s", {}).items():
        if figures is not None and phase in ("queue", "send", "cancel"):
            bot, own, length = figures
            rows.append(
                row(
                    f"CPU in {phase} phase: bot, fake+driver",
                    f"{bot:.1f} s, {own:.1f} s (in {length:.1f} s)",
                    "",
                    None,
                )
            )
    if "error" in result:
        rows.append(row("RUN STOPPED", result["error"][:60], "", False))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--send", type=int, default=10_000, help="paid sends before cancelling")
    parser.add_argument(
        "--group-every",
        type=int,
        default=GROUP_EVERY,
        help=f"one subscriber in this many is a supergroup (default {GROUP_EVERY}; 0: none)",
    )
    parser.add_argument("--tmp", help="folder for the temporary database (default: system's)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--profile", type=Path, help="run the bot under cProfile, its stats to this file"
    )
    args = parser.parse_args(argv)
    profile = None if args.profile is None else args.profile.resolve()
    result = asyncio.run(
        benchmark(
            args.subscribers, args.send, args.tmp, group_every=args.group_every, profile=profile
        )
    )
    print(json.dumps(result), file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(report(result))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    raise SystemExit(main())
