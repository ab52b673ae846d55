"""Digest benchmark: ``/digest`` of the seed event (8 messages per recipient) against a plain
``/announce`` (one message) to the same audience, in the same run (not a test).

    python -m bench.digest                          # 10,000 subscribers
    python -m bench.digest --subscribers 2000       # smaller, to try it out
    python -m bench.digest --json digest.json       # also write the figures

The machinery is ``bench/scale.py``'s: the real bot (``python -m bot run``, ``PAID_BROADCAST=1``,
``BROADCAST_RATE=1000``) in its own process, the fake Bot API in this one (every answer after
50 ms; server-side limits 100 msg/s, 1000 msg/s for paid broadcasts), the bot's VmRSS sampled
every 50 ms per phase and its VmHWM. Subscribers are private chats (en/ru/ko in turn); the seed
event (``examples/riac-kf-2021.toml``) is imported before the bot starts.

Phases, each timed from the admin's Send to the final report reaching the admin:

1. announce: the event card, one message per subscriber;
2. digest: header, six speakers, "Rate this event": eight messages per subscriber, each
   chat's parts at least a second apart (the fake measures the smallest gap between two
   messages to one chat), the engine interleaving chats meanwhile: it should take about
   messages / rate, not 8 s per recipient one after the other ("serialized").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import ROOT, TOKEN, Row, plain_subscribers, print_table, row, seed
from bench.scale import (
    ADMIN_ID,
    DELAY,
    PAID_RATE,
    Sampler,
    ScaleApi,
    ask,
    start_bot,
    stop_bot,
    wait_for,
)
from bot.content import parse_event
from storage.db import Database
from storage.events import EventRepository
from tests.chat_helpers import callback_data, message_id
from tests.fakebot.records import JSON, UploadedFile

SEED = ROOT / "examples" / "riac-kf-2021.toml"
PARTS = 8
GOAL_RSS = 150.0


class DigestApi(ScaleApi):
    """Also the smallest gap between two paid messages to one chat."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last_at: dict[int, float] = {}
        self.min_gap = float("inf")
        self.close_gaps = 0
        """Gaps under a second."""

    def _record(
        self, method: str, params: JSON, files: dict[str, UploadedFile], status: int, payload: JSON
    ) -> None:
        if method == "sendMessage" and status == 200 and params.get("allow_paid_broadcast"):
            chat, now = int(params["chat_id"]), time.monotonic()
            last = self.last_at.get(chat)
            if last is not None:
                self.min_gap = min(self.min_gap, now - last)
                self.close_gaps += now - last < 1.0
            self.last_at[chat] = now
        super()._record(method, params, files, status, payload)


async def _phase(
    api: DigestApi, sampler: Sampler, name: str, command: str, expected: int
) -> dict[str, Any]:
    """Preview, Send, wait for the final report; the figures of the phase."""
    seconds, draft = await ask(api, ADMIN_ID, command, "Send it?")
    assert draft is not None, f"no preview for {command!r}"
    go = next(d for d in callback_data(draft) if d.startswith("bc:go:"))
    api.last_at.clear()
    api.min_gap, api.close_gaps = float("inf"), 0
    before, throttled = api.paid_ok, api.paid_throttled
    sampler.enter(name)
    pressed = time.monotonic()
    api.inject_callback_query(ADMIN_ID, go, message_id=message_id(draft), user_id=ADMIN_ID)
    await wait_for(lambda: api.paid_ok - before >= expected, expected / 100 + 120, name)
    last = api.last_paid
    report = await api.wait_for(
        lambda r: r.method == "sendMessage" and r.ok and r.chat_id == ADMIN_ID
        and "Broadcast finished" in r.params["text"],
        timeout=120,
    )
    sampler.enter(name + " done")
    sent = api.paid_ok - before
    cpu = sampler.cpu_of(name)
    return {
        "cpu_bot_s": None if cpu is None else cpu[0],
        "cpu_fake_s": None if cpu is None else cpu[1],
        "preview_s": seconds,
        "messages": sent,
        "send_to_report_s": report.time - pressed,
        "send_to_last_message_s": last - pressed,
        "rate": sent / (last - pressed) if last > pressed else None,
        "throttled": api.paid_throttled - throttled,
        "min_gap_s": None if api.min_gap == float("inf") else api.min_gap,
        "gaps_under_1s": api.close_gaps,
        "report": report.params["text"],
    }


async def benchmark(subscribers: int, tmp: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"subscribers": subscribers}
    with tempfile.TemporaryDirectory(prefix="eventbot-digest-", dir=tmp) as name:
        folder = Path(name)
        db_path = folder / "eventbot.sqlite3"
        assert await seed(db_path, plain_subscribers(subscribers)) == subscribers
        db = await Database.open(db_path)
        event = parse_event(SEED.read_bytes(), str(SEED))
        await EventRepository(db).save(event)
        await db.close()

        api = DigestApi(token=TOKEN, record_params=False, delay=DELAY)
        api.rate_limit(100.0, paid_per_second=PAID_RATE)
        await api.start()
        bot = await start_bot(api, folder, db_path)
        sampler = Sampler(bot.pid)
        sampler.start()
        try:
            _, reply = await ask(api, ADMIN_ID, "/help", None, timeout=120)
            assert reply is not None, "the bot did not start within 120 s"
            sampler.enter("idle")
            result["announce"] = await _phase(
                api, sampler, "announce", f"/announce {event.id}", subscribers
            )
            result["digest"] = await _phase(
                api, sampler, "digest", f"/digest {event.id}", subscribers * PARTS
            )
        except (TimeoutError, AssertionError) as error:
            result["error"] = str(error)
            print(f"run stopped: {error}\n--- bot log ---\n{bot.tail()}", file=sys.stderr)
        finally:
            await sampler.stop()
            result["rss_hwm_mb"] = sampler.hwm
            result["rss_by_phase_mb"] = sampler.peak_by_phase
            await stop_bot(bot)
            await api.stop()
    return result


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def report(result: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    n = result["subscribers"]
    phases = result.get("rss_by_phase_mb", {})
    for name, label in (("announce", "/announce (1 message)"), ("digest", "/digest (8 messages)")):
        figures = result.get(name)
        if figures is None:
            continue
        rate = figures["rate"]
        rows.append(
            row(
                f"{label} to {n:,}: Send -> report",
                _seconds(figures["send_to_report_s"]),
                "",
                None,
            )
        )
        rows.append(
            row(
                "  messages, rate (429s)",
                f"{figures['messages']:,}, {rate or 0:.0f} msg/s ({figures['throttled']})",
                "(1000/s)",
                None,
            )
        )
        if figures.get("cpu_bot_s") is not None:
            bot_ms = figures["cpu_bot_s"] / max(figures["messages"], 1) * 1000
            rows.append(
                row(
                    "  CPU: bot per message, fake+driver",
                    f"{bot_ms:.2f} ms, {figures['cpu_fake_s']:.0f} s",
                    "",
                    None,
                )
            )
        peak = max(phases.get(name, 0.0), phases.get(name + " done", 0.0))
        rows.append(row("  bot peak VmRSS in the phase", f"{peak:.1f} MB", "", None))
        if name == "digest":
            ideal = n * PARTS / PAID_RATE
            took = figures["send_to_last_message_s"]
            rows.append(
                row(
                    "  last message: x messages/rate (serialized)",
                    f"{took / ideal:.2f}x of {ideal:.0f} s ({n * PARTS:,} s)",
                    "interleaved",
                    took < 2 * ideal + 10,
                )
            )
            gap = figures["min_gap_s"]
            rows.append(
                row(
                    "  smallest gap, one chat (gaps < 1 s)",
                    f"{gap:.3f} s ({figures['gaps_under_1s']})" if gap else "-",
                    ">= 1 s (0)",
                    gap is not None and gap >= 1.0 and figures["gaps_under_1s"] == 0,
                )
            )
    hwm = result.get("rss_hwm_mb")
    if hwm:
        rows.append(row("bot peak RSS (VmHWM), whole run", f"{hwm:.1f} MB", "<= 150 MB",
                        hwm <= GOAL_RSS))
    if "error" in result:
        rows.append(row("RUN STOPPED", result["error"][:60], "", False))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--tmp", help="folder for the temporary database (default: system's)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = asyncio.run(benchmark(args.subscribers, args.tmp))
    print(json.dumps(result), file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(report(result))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    raise SystemExit(main())
