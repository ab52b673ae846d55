"""``eventbot run`` as a real subprocess against the fake Bot API (for signal handling)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests.conftest import ADMIN_ID, TOKEN
from tests.fakebot import FakeBotApi

T = TypeVar("T")


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log: Path
    """stdout and stderr go to this file, not to a pipe: a pipe nobody reads would fill up
    with DEBUG lines and block the bot."""

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@asynccontextmanager
async def bot_process(api: FakeBotApi, workdir: Path, **settings: str) -> AsyncIterator[BotProcess]:
    """Start ``python -m bot run`` in ``workdir`` (no ``.env`` there) with the fake API,
    a database in ``workdir``, JSON logs at DEBUG and ``settings`` as extra variables.
    The process is killed on the way out if the test left it running."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "WEBHOOK_", "DATABASE_", "LOG_", "ADMIN_")) and key != "PORT"
    }
    environment.update(
        BOT_TOKEN=TOKEN,
        BOT_API_URL=api.base_url,
        BOT_API_FILE_URL=api.base_file_url,
        DATABASE_PATH=str(workdir / "eventbot.sqlite3"),
        ADMIN_IDS=str(ADMIN_ID),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    )
    environment.update(settings)
    log = workdir / "eventbot.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=workdir,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
        )
    try:
        yield BotProcess(process, log)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def terminate(bot: BotProcess, timeout: float = 10.0) -> str:
    """Send SIGTERM, wait for the exit (at most ``timeout`` s); returns the bot's output."""
    bot.process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(timeout):
        await bot.process.wait()
    return bot.output()


async def until(bot: BotProcess, waiting: Awaitable[T]) -> T:
    """Await ``waiting``, but fail at once (with the bot's output) if the process exits."""
    task = asyncio.ensure_future(waiting)
    exited = asyncio.ensure_future(bot.process.wait())
    await asyncio.wait({task, exited}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        exited.cancel()
        return task.result()
    task.cancel()
    raise AssertionError(
        f"eventbot run exited early with {bot.returncode}:\n{bot.output()[-3000:]}"
    )
