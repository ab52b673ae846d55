"""Broadcast benchmark against the fake Bot API on 127.0.0.1 (not a test).

    python -m bench.broadcast            # the full run (about 5 minutes)
    python -m bench.broadcast --quick    # smaller numbers, to try it out

The fake server runs in its own process (answering every request after 50 ms, with a
server-side rate limit), and each bot side in another, so the bot's CPU time
(``time.process_time``) and peak RSS (``ru_maxrss``) are its own. Prints one table:

1. pacing at the free limit: server limit 100 msg/s (429 above), 3,000 recipients, bot at
   100/s — achieved rate / limit (goal ≥ 0.97), share of 429 answers (goal < 1%); and a naive
   sequential ``await bot.send_message`` loop over the same recipients;
2. paid tier: server limit 1000 msg/s, ``PAID_BROADCAST``, 10,000 recipients — msg/s (goal
   ≥ 950) and bot CPU per delivered message (goal ≤ 0.5 ms), httpx and aiohttp transports;
3. peak RSS of the bot broadcasting to 100,000 subscribers (goal ≤ 150 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    TOKEN,
    Row,
    own_peak_rss_mb,
    plain_subscribers,
    print_table,
    row,
    seed,
)

TEXT = "Benchmark broadcast: the round table starts tomorrow at 10:00."


# server process ------------------------------------------------------------------------------


async def serve(delay: float, limit: float, paid_limit: float) -> None:
    """Run the fake Bot API until stdin closes; print its port, then its counters as JSON."""
    from tests.fakebot import FakeBotApi

    api = FakeBotApi(token=TOKEN, record_params=False, delay=delay)
    api.rate_limit(limit, paid_per_second=paid_limit)
    await api.start()
    print(json.dumps({"port": api.port}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await api.stop()
    sends = api.stats.count("sendMessage")
    print(
        json.dumps(
            {
                "sends": sends,
                "ok": api.stats.count("sendMessage", 200),
                "too_many": api.stats.count("sendMessage", 429),
                "chats": len(api.delivered),
                "copies": sum(api.delivered.values()),
                "server_cpu": time.process_time(),
            }
        ),
        flush=True,
    )


# bot process --------------------------------------------------------------------------------


def _request(transport: str) -> Any:
    if transport == "aiohttp":
        from bot.transport import AiohttpRequest

        return AiohttpRequest(connection_pool_size=256)
    from telegram.request import HTTPXRequest

    return HTTPXRequest(connection_pool_size=256)


async def run_bot(
    port: int, recipients: int, rate: float, paid: bool, transport: str, naive: bool
) -> dict[str, Any]:
    """One bot side: a broadcast through the engine (or the naive loop); its figures."""
    from telegram import Bot

    from bot.broadcast import Audience, BroadcastEngine, start_broadcast
    from storage.broadcasts import BroadcastRepository
    from storage.db import Database
    from storage.subscribers import SubscriberRepository

    with tempfile.TemporaryDirectory(prefix="eventbot-bench-") as folder:
        db_path = Path(folder) / "bench.sqlite3"
        await seed(db_path, plain_subscribers(recipients))
        bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=_request(transport))
        await bot.initialize()
        result: dict[str, Any] = {"recipients": recipients}
        if naive:
            started = time.monotonic()
            cpu = time.process_time()
            for chat_id in range(1, recipients + 1):
                await bot.send_message(chat_id, TEXT)
            result["elapsed"] = time.monotonic() - started
            result["cpu"] = time.process_time() - cpu
            result["sent"] = recipients
        else:
            db = await Database.open(db_path)
            repo = BroadcastRepository(db)
            engine = BroadcastEngine(repo, SubscriberRepository(db), rate=rate, paid=paid)
            try:
                await engine.start(bot)
                cpu = time.process_time()
                started = time.monotonic()
                broadcast_id = await start_broadcast(
                    engine,
                    kind="text",
                    payload={"text": TEXT},
                    audience=Audience(),
                    created_by=None,
                    title="bench",
                )
                # generous: a slow transport may not keep up with the rate at all
                timeout = max(recipients / rate * 3, recipients * 0.05) + 120
                figures = await engine.wait_finished(broadcast_id, timeout=timeout)
                result["elapsed"] = time.monotonic() - started
                result["cpu"] = time.process_time() - cpu
                result["sent"] = figures.get("sent")
                result["figures"] = figures.counts
                result["pauses"] = engine.pacer.pauses
            finally:
                await engine.stop()
                await db.close()  # an open aiosqlite thread would keep the process alive
        await bot.shutdown()
    result["max_rss_mb"] = own_peak_rss_mb()
    return result


# orchestration ------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    recipients: int
    rate: float
    limit: float
    paid: bool = False
    transport: str = "aiohttp"
    naive: bool = False


def _python() -> list[str]:
    return [sys.executable, "-m", "bench.broadcast"]


def run_phase(phase: Phase, delay: float) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [
            *_python(),
            "server",
            "--delay",
            str(delay),
            "--limit",
            str(phase.limit if not phase.paid else 100.0),
            "--paid-limit",
            str(phase.limit if phase.paid else 1000.0),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        port = json.loads(server.stdout.readline())["port"]
        command = [
            *_python(),
            "bot",
            "--port",
            str(port),
            "--recipients",
            str(phase.recipients),
            "--rate",
            str(phase.rate),
            "--transport",
            phase.transport,
        ]
        if phase.paid:
            command.append("--paid")
        if phase.naive:
            command.append("--naive")
        timeout = phase.recipients * (delay + 0.05) + phase.recipients / phase.rate * 3 + 120
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"bot side of {phase.name} failed:\n{done.stderr[-3000:]}")
        bot = json.loads(done.stdout.strip().splitlines()[-1])
        server.stdin.close()
        stats = json.loads(server.stdout.readline())
    finally:
        if not server.stdin.closed:
            server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {"bot": bot, "server": stats}


def report(results: dict[str, dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    free = results.get("free")
    if free:
        bot, server = free["bot"], free["server"]
        rate = bot["sent"] / bot["elapsed"]
        share = server["too_many"] / max(server["sends"], 1)
        rows.append(row("1. free: achieved rate", f"{rate:.1f} msg/s", "", None))
        rows.append(
            row(
                "1. free: rate / limit (100/s)", f"{rate / 100:.3f}", ">= 0.97", rate / 100 >= 0.97
            )
        )
        rows.append(
            row("1. free: 429 share", f"{share:.2%} ({server['too_many']})", "< 1%", share < 0.01)
        )
        rows.append(
            row(
                "1. free: copies / chats",
                f"{server['copies']} / {server['chats']}",
                f"= {bot['recipients']}",
                server["copies"] == bot["recipients"],
            )
        )
    naive = results.get("naive")
    if naive:
        bot = naive["bot"]
        rows.append(
            row(
                f"1. naive loop ({bot['recipients']} sends)",
                f"{bot['sent'] / bot['elapsed']:.1f} msg/s",
                "(comparison)",
                None,
            )
        )
    for transport in ("httpx", "aiohttp"):
        paid = results.get(f"paid-{transport}")
        if not paid:
            continue
        bot, server = paid["bot"], paid["server"]
        rate = bot["sent"] / bot["elapsed"]
        cpu_ms = bot["cpu"] / max(bot["sent"], 1) * 1000
        rows.append(row(f"2. paid {transport}: msg/s", f"{rate:.0f}", ">= 950", rate >= 950))
        rows.append(
            row(
                f"2. paid {transport}: bot CPU/msg", f"{cpu_ms:.3f} ms", "<= 0.5 ms", cpu_ms <= 0.5
            )
        )
        rows.append(
            row(
                f"2. paid {transport}: 429s, copies",
                f"{server['too_many']}, {server['copies']}/{bot['recipients']}",
                "",
                None,
            )
        )
    rss = results.get("rss")
    if rss:
        bot = rss["bot"]
        rows.append(
            row(
                f"3. peak RSS, {bot['recipients']:,} subscribers",
                f"{bot['max_rss_mb']:.1f} MB",
                "<= 150 MB",
                bot["max_rss_mb"] <= 150,
            )
        )
        rows.append(row("3. (that run) msg/s", f"{bot['sent'] / bot['elapsed']:.0f}", "", None))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller numbers, to try it out")
    parser.add_argument("--delay", type=float, default=0.05, help="server answer delay, s")
    parser.add_argument("--only", help="comma-separated phases: free,naive,paid,rss")
    sub = parser.add_subparsers(dest="role")
    server = sub.add_parser("server")
    server.add_argument("--delay", type=float, default=0.05)
    server.add_argument("--limit", type=float, default=100.0)
    server.add_argument("--paid-limit", type=float, default=1000.0)
    bot = sub.add_parser("bot")
    bot.add_argument("--port", type=int, required=True)
    bot.add_argument("--recipients", type=int, required=True)
    bot.add_argument("--rate", type=float, required=True)
    bot.add_argument("--paid", action="store_true")
    bot.add_argument("--naive", action="store_true")
    bot.add_argument("--transport", choices=("httpx", "aiohttp"), default="aiohttp")
    args = parser.parse_args(argv)

    if args.role == "server":
        asyncio.run(serve(args.delay, args.limit, args.paid_limit))
        return 0
    if args.role == "bot":
        result = asyncio.run(
            run_bot(args.port, args.recipients, args.rate, args.paid, args.transport, args.naive)
        )
        print(json.dumps(result), flush=True)
        return 0

    scale = 10 if args.quick else 1
    phases = {
        "free": Phase("free", 3000 // scale, rate=100, limit=100),
        "naive": Phase("naive", 3000 // scale, rate=100, limit=100, naive=True),
        "paid-httpx": Phase("paid-httpx", 10_000 // scale, 1000, 1000, True, "httpx"),
        "paid-aiohttp": Phase("paid-aiohttp", 10_000 // scale, 1000, 1000, True, "aiohttp"),
        "rss": Phase("rss", 100_000 // scale, rate=1000, limit=1000, paid=True),
    }
    wanted = set((args.only or "free,naive,paid,rss").split(","))
    results: dict[str, dict[str, Any]] = {}
    for key, phase in phases.items():
        if key.split("-")[0] not in wanted:
            continue
        print(f"running {key} ({phase.recipients} recipients)…", file=sys.stderr, flush=True)
        try:
            results[key] = run_phase(phase, args.delay)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print(f"  {key} failed: {error}", file=sys.stderr, flush=True)
            continue
        print(f"  {json.dumps(results[key])}", file=sys.stderr, flush=True)
    print_table(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
