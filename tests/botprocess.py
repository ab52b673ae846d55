"""The ``eventbot`` command as a real subprocess against the fake Bot API: ``run`` (for signal
handling, crashes, the installed package) and one-shot commands such as ``import``/``doctor``.

By default the command is the checkout's (``python -m bot`` in the test venv); a
:class:`Launcher` runs another one, e.g. the ``eventbot`` script of a venv the wheel was
installed into (``tests/test_installed.py``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tests.conftest import ADMIN_ID, TOKEN
from tests.fakebot import FakeBotApi

T = TypeVar("T")
COMMAND_TIMEOUT = 60.0
"""Seconds a one-shot command may take (:func:`run_command`)."""


@dataclass(frozen=True)
class Launcher:
    """How to start ``eventbot``: the argv before the subcommand, and environment changes
    (a ``None`` value removes the variable)."""

    argv: tuple[str, ...]
    environment: Mapping[str, str | None] = field(default_factory=dict)


IN_TREE = Launcher((sys.executable, "-m", "bot"))
"""The checkout's code, as installed (editable) in the venv that runs the tests."""


def environment(
    api: FakeBotApi, workdir: Path, launcher: Launcher, settings: Mapping[str, str]
) -> dict[str, str]:
    """The test process's environment without any eventbot setting, then the fake API, a
    database in ``workdir``, JSON logs at DEBUG, the launcher's changes and ``settings``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "WEBHOOK_", "DATABASE_", "LOG_", "ADMIN_")) and key != "PORT"
    }
    env.update(
        BOT_TOKEN=TOKEN,
        BOT_API_URL=api.base_url,
        BOT_API_FILE_URL=api.base_file_url,
        DATABASE_PATH=str(workdir / "eventbot.sqlite3"),
        ADMIN_IDS=str(ADMIN_ID),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    )
    for key, value in launcher.environment.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env.update(settings)
    return env


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
async def bot_process(
    api: FakeBotApi, workdir: Path, launcher: Launcher = IN_TREE, /, **settings: str
) -> AsyncIterator[BotProcess]:
    """Start ``eventbot run`` in ``workdir`` (no ``.env`` there) with the fake API, a database
    in ``workdir``, JSON logs at DEBUG and ``settings`` as extra variables.
    The process is killed on the way out if the test left it running.

    ``launcher`` is positional-only, so that any ``**settings`` can be passed."""
    log = workdir / "eventbot.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            *launcher.argv,
            "run",
            cwd=workdir,
            env=environment(api, workdir, launcher, settings),
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


@dataclass(frozen=True)
class Finished:
    returncode: int
    out: str
    err: str


async def run_command(
    api: FakeBotApi,
    workdir: Path,
    args: Sequence[str],
    launcher: Launcher = IN_TREE,
    /,
    **settings: str,
) -> Finished:
    """Run ``eventbot ARGS`` to its end (at most a minute) in ``workdir``, with
    :func:`bot_process`'s environment.

    Asynchronous, so that the fake Bot API in this event loop keeps answering (``doctor``
    calls it). Small outputs only: both pipes are read to the end."""
    process = await asyncio.create_subprocess_exec(
        *launcher.argv,
        *args,
        cwd=workdir,
        env=environment(api, workdir, launcher, settings),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(COMMAND_TIMEOUT):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


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
