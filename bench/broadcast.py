"""Broadcast benchmark against the fake Bot API on 127.0.0.1 (not a test).

    python -m bench.broadcast            # the full run (about 10 minutes)
    python -m bench.broadcast --quick    # smaller numbers, to try it out

The fake server runs in its own process (answering every request after 50 ms, with a
server-side rate limit), and each bot side in another, so the bot's CPU time
(``time.process_time``) and peak RSS (``ru_maxrss``) are its own. Every pacing phase runs
twice, side by side: against the fake's token buckets (which forgive a burst after a quiet
spell) and against its strict limiter (sliding one-second windows, a flood window after each
violation, ``retry_after`` doubling on repeated violations). Prints one table:

1. free tier: server limit 100 msg/s, 3,000 recipients, bot at 100/s — achieved rate / limit
   (goal >= 0.95 on the strict server), 429s after the first second (goal 0); and a naive
   sequential ``await bot.send_message`` loop over the same recipients;
2. configured at twice the real limit: bot at 200/s, server 100/s, 3,000 recipients —
   achieved rate / real limit (goal >= 0.85), share of sends answered 429 (goal < 2 %);
3. paid tier: server limit 1000 msg/s, ``PAID_BROADCAST``, 10,000 recipients — msg/s (goal
   >= 950) and bot CPU per delivered message (goal <= 0.5 ms); httpx transport as baseline;
4. peak RSS of the bot broadcasting to 100,000 subscribers (goal <= 150 MB).
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


async def serve(
    delay: float, limit: float, paid_limit: float, strict: bool, escalate: bool
) -> None:
    """Run the fake Bot API until stdin closes; print its port, then its counters as JSON."""
    from tests.fakebot import FakeBotApi, most_in_window

    api = FakeBotApi(token=TOKEN, record_params=False, delay=delay)
    api.rate_limit(limit, paid_per_second=paid_limit, strict=strict, escalate=escalate)
    api.timeline = []
    await api.start()
    print(json.dumps({"port": api.port}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await api.stop()
    sends = [(at, status) for at, method, status in api.timeline if method == "sendMessage"]
    first = sends[0][0] if sends else 0.0
    accepted = [at for at, status in sends if status == 200]
    print(
        json.dumps(
            {
                "sends": len(sends),
                "ok": len(accepted),
                "too_many": sum(1 for _, status in sends if status == 429),
                "too_many_late": sum(
                    1 for at, status in sends if status == 429 and at > first + 1.0
                ),
                "peak_second": most_in_window(accepted),
                "sending_s": accepted[-1] - first if accepted else 0.0,
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
                result["rate_end"] = engine.pacer.rate
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
    strict: bool = False


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
            *(["--strict", "--escalate"] if phase.strict else []),
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


LIMITERS = ("bucket", "strict")


def _pacing_rows(results: dict[str, dict[str, Any]], phase: str, real_limit: float) -> list[Row]:
    """Rows for one pacing phase, token bucket and strict limiter next to each other."""
    rows: list[Row] = []
    label = {"free": "1. free 100/s", "double": "2. at 2x (200 vs 100/s)"}[phase]
    for limiter in LIMITERS:
        result = results.get(f"{phase}-{limiter}")
        if not result:
            continue
        bot, server = result["bot"], result["server"]
        rate = bot["sent"] / bot["elapsed"]
        ratio = rate / real_limit
        share = server["too_many"] / max(server["sends"], 1)
        name = f"{label} [{limiter}]"
        rows.append(row(f"{name}: msg/s", f"{rate:.1f}", "", None))
        if phase == "free":
            rows.append(
                row(f"{name}: rate / limit", f"{ratio:.3f}", ">= 0.95", ratio >= 0.95)
            )
            rows.append(
                row(
                    f"{name}: 429s after 1st second",
                    f"{server['too_many_late']} (all: {server['too_many']})",
                    "0",
                    server["too_many_late"] == 0,
                )
            )
        else:
            rows.append(
                row(f"{name}: rate / real limit", f"{ratio:.3f}", ">= 0.85", ratio >= 0.85)
            )
            rows.append(
                row(
                    f"{name}: 429 share",
                    f"{share:.2%} ({server['too_many']})",
                    "< 2%",
                    share < 0.02,
                )
            )
        rows.append(
            row(
                f"{name}: peak accepted in 1 s, pauses",
                f"{server['peak_second']}, {bot.get('pauses', 0)}",
                "",
                None,
            )
        )
        rows.append(
            row(
                f"{name}: copies / chats",
                f"{server['copies']} / {server['chats']}",
                f"= {bot['recipients']}",
                server["copies"] == bot["recipients"] == server["chats"],
            )
        )
    return rows


def report(results: dict[str, dict[str, Any]]) -> list[Row]:
    rows = _pacing_rows(results, "free", 100.0)
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
    rows += _pacing_rows(results, "double", 100.0)
    for key in ("paid-httpx", *(f"paid-{limiter}" for limiter in LIMITERS)):
        paid = results.get(key)
        if not paid:
            continue
        name = "httpx [bucket]" if key == "paid-httpx" else f"aiohttp [{key[5:]}]"
        bot, server = paid["bot"], paid["server"]
        rate = bot["sent"] / bot["elapsed"]
        cpu_ms = bot["cpu"] / max(bot["sent"], 1) * 1000
        baseline = key == "paid-httpx"
        sending = (server["ok"] - 1) / server["sending_s"] if server["sending_s"] else 0.0
        rows.append(
            row(
                f"3. paid {name}: msg/s, first to last send",
                f"{sending:.0f}",
                "(baseline)" if baseline else ">= 950",
                None if baseline else sending >= 950,
            )
        )
        rows.append(row(f"3. paid {name}: msg/s incl. queueing", f"{rate:.0f}", "", None))
        rows.append(
            row(
                f"3. paid {name}: bot CPU/msg",
                f"{cpu_ms:.3f} ms",
                "(baseline)" if baseline else "<= 0.5 ms",
                None if baseline else cpu_ms <= 0.5,
            )
        )
        rows.append(
            row(
                f"3. paid {name}: 429s, copies",
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
                f"4. peak RSS, {bot['recipients']:,} subscribers [strict]",
                f"{bot['max_rss_mb']:.1f} MB",
                "<= 150 MB",
                bot["max_rss_mb"] <= 150,
            )
        )
        rows.append(row("4. (that run) msg/s", f"{bot['sent'] / bot['elapsed']:.0f}", "", None))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller numbers, to try it out")
    parser.add_argument("--delay", type=float, default=0.05, help="server answer delay, s")
    parser.add_argument("--only", help="comma-separated phases: free,double,naive,paid,rss")
    sub = parser.add_subparsers(dest="role")
    server = sub.add_parser("server")
    server.add_argument("--delay", type=float, default=0.05)
    server.add_argument("--limit", type=float, default=100.0)
    server.add_argument("--paid-limit", type=float, default=1000.0)
    server.add_argument("--strict", action="store_true")
    server.add_argument("--escalate", action="store_true")
    bot = sub.add_parser("bot")
    bot.add_argument("--port", type=int, required=True)
    bot.add_argument("--recipients", type=int, required=True)
    bot.add_argument("--rate", type=float, required=True)
    bot.add_argument("--paid", action="store_true")
    bot.add_argument("--naive", action="store_true")
    bot.add_argument("--transport", choices=("httpx", "aiohttp"), default="aiohttp")
    args = parser.parse_args(argv)

    if args.role == "server":
        asyncio.run(serve(args.delay, args.limit, args.paid_limit, args.strict, args.escalate))
        return 0
    if args.role == "bot":
        result = asyncio.run(
            run_bot(args.port, args.recipients, args.rate, args.paid, args.transport, args.naive)
        )
        print(json.dumps(result), flush=True)
        return 0

    scale = 10 if args.quick else 1
    phases: dict[str, Phase] = {}
    for limiter in LIMITERS:
        strict = limiter == "strict"
        phases[f"free-{limiter}"] = Phase("free", 3000 // scale, 100, 100, strict=strict)
        phases[f"double-{limiter}"] = Phase("double", 3000 // scale, 200, 100, strict=strict)
    phases["naive"] = Phase("naive", 3000 // scale, rate=100, limit=100, naive=True)
    phases["paid-httpx"] = Phase("paid-httpx", 10_000 // scale, 1000, 1000, True, "httpx")
    for limiter in LIMITERS:
        phases[f"paid-{limiter}"] = Phase(
            f"paid-{limiter}", 10_000 // scale, 1000, 1000, True, strict=limiter == "strict"
        )
    phases["rss"] = Phase("rss", 100_000 // scale, rate=1000, limit=1000, paid=True, strict=True)
    wanted = set((args.only or "free,double,naive,paid,rss").split(","))
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
