"""What the benchmarks share: seeding subscribers, memory and CPU of a process, the table."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from storage.db import Database
from storage.models import TOPICS
from storage.subscribers import NewSubscriber, SubscriberRepository

TOKEN = "123456:BENCH-token"
ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ru", "ko")
GROUP_EVERY = 50
"""In mixed seeding, one chat in this many is a supergroup (the others private chats)."""
GROUP_BASE = -1_000_000_000_000
"""Supergroup chat ids are ``GROUP_BASE - n`` (Telegram's ``-100…`` range)."""

Row = tuple[str, str, str, str]


# seeding ------------------------------------------------------------------------------------


def plain_subscribers(count: int) -> Iterator[NewSubscriber]:
    """Private chats ``1…count``, languages en/ru/ko in turn, no topics."""
    for chat in range(1, count + 1):
        yield NewSubscriber(chat, LANGUAGES[chat % 3], user_id=chat)


def mixed_subscribers(count: int, group_every: int = GROUP_EVERY) -> Iterator[NewSubscriber]:
    """``count`` chats: about half en, a third ru, the rest ko; every ``group_every``-th a
    supergroup (negative id; 0: none); topics any subset of the three (an eighth have none)."""
    subsets = [tuple(t for bit, t in enumerate(TOPICS) if mask >> bit & 1) for mask in range(8)]
    for n in range(1, count + 1):
        spread = n * 2654435761 % 4294967296  # Knuth's multiplicative hash: no stripes
        language = "en" if spread % 6 < 3 else ("ru" if spread % 6 < 5 else "ko")
        topics = subsets[(spread >> 8) % 8]
        if group_every and n % group_every == 0:
            chat = GROUP_BASE - n
            yield NewSubscriber(chat, language, "supergroup", title=f"Group {n}", topics=topics)
        else:
            yield NewSubscriber(n, language, user_id=n, topics=topics)


async def seed(db_path: Path, subscribers: Iterator[NewSubscriber]) -> int:
    """Create (migrate) the database at ``db_path`` and bulk-insert ``subscribers`` through
    the repository; returns how many were added."""
    db = await Database.open(db_path)
    try:
        return await SubscriberRepository(db).add_many(subscribers)
    finally:
        await db.close()


# process figures ----------------------------------------------------------------------------


def own_peak_rss_mb() -> float:
    """Peak RSS of this process so far (``ru_maxrss``), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Memory:
    rss_mb: float
    """Resident set size now (VmRSS)."""
    peak_mb: float
    """The kernel's high-water mark of the resident set since the process started (VmHWM)."""


def memory(pid: int) -> Memory | None:
    """VmRSS and VmHWM of a running process (Linux ``/proc``); None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values: dict[str, float] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024  # kB
    if "VmRSS" not in values or "VmHWM" not in values:
        return None
    return Memory(values["VmRSS"], values["VmHWM"])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a running process has used (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15)


# a fake Bot API in another process --------------------------------------------------------


class ServerProcess:
    """A benchmark's fake Bot API in its own process (``python -m MODULE server``): it prints
    its port, then answers one JSON line per JSON command on stdin; closing stdin stops it."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port

    @classmethod
    async def start_module(cls, module: str) -> Self:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, "server", cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=2**24,
        )  # fmt: skip
        assert process.stdout is not None
        port = int(json.loads(await process.stdout.readline())["port"])
        return cls(process, port)

    async def command(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        answer: dict[str, Any] = json.loads(await self.process.stdout.readline())
        return answer

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"


# the table ---------------------------------------------------------------------------------


def row(name: str, figure: str, goal: str, ok: bool | None) -> Row:
    """One line of the table; ``ok`` None leaves the verdict empty (an informative figure)."""
    verdict = "" if ok is None else ("yes" if ok else "NO")
    return (name, figure, goal, verdict)


def print_table(rows: Sequence[Row], out: Callable[[str], None] = print) -> None:
    header = ("measure", "figure", "goal", "met")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "+".join("-" * (w + 2) for w in widths)
    out(line)
    out(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    out(line)
    for entry in rows:
        out(" | ".join(c.ljust(w) for c, w in zip(entry, widths, strict=True)))
    out(line)
