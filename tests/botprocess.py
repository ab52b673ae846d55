"""``eventbot run`` as a real subprocess against the fake Bot API (for signal handling)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from tests.conftest import ADMIN_ID, TOKEN
from tests.fakebot import FakeBotApi

T = TypeVar("T")


@asynccontextmanager
async def bot_process(
    api: FakeBotApi, workdir: Path, **settings: str
) -> AsyncIterator[asyncio.subprocess.Process]:
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
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def terminate(process: asyncio.subprocess.Process, timeout: float = 10.0) -> str:
    """Send SIGTERM, wait for the exit (at most ``timeout`` s); returns stdout + stderr."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(timeout):
        out, err = await process.communicate()
    return out.decode() + err.decode()


async def until(process: asyncio.subprocess.Process, waiting: Awaitable[T]) -> T:
    """Await ``waiting``, but fail at once (with the bot's output) if the process exits."""
    task = asyncio.ensure_future(waiting)
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({task, exited}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        exited.cancel()
        return task.result()
    task.cancel()
    out, err = await process.communicate()
    output = (out + err).decode()[-3000:]
    raise AssertionError(f"eventbot run exited early with {process.returncode}:\n{output}")
