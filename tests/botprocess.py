"""``eventbot run`` as a real subprocess against the fake Bot API (for signal handling)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import ADMIN_ID, TOKEN
from tests.fakebot import FakeBotApi


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
