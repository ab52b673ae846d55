"""The bot token never reaches the logs, even at DEBUG, whatever the bot does."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import REDACTED, setup_logging
from tests.chat_helpers import message_id, press, say
from tests.conftest import ADMIN_ID, TOKEN, BotHarness
from tests.sample_events import round_table

SECRET = TOKEN.split(":", 1)[1]
QUIET = ("httpx", "httpcore", "aiohttp.access")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """``setup_logging("DEBUG", ...)`` as ``eventbot run`` does, its handler writing here."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in QUIET}
    setup_logging("DEBUG", [TOKEN])
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


async def _exercise(bot: BotHarness) -> None:
    """Start-up happened already; now commands, buttons, inline mode, a file and a failure."""
    api = bot.api
    await bot.deps.events.save(round_table())
    reply = await say(api, 3001, "/start ev_riac-kf-2021", language_code="ru")
    await press(api, 3001, message_id(reply), "spk:riac-kf-2021:0:ru")
    await press(api, 3001, message_id(reply), "ics:riac-kf-2021")
    await press(api, 3001, message_id(reply), "spk:nope:99")
    api.inject_inline_query(3001, "riac")
    await api.wait_for(lambda r: r.method == "answerInlineQuery")
    await say(api, ADMIN_ID, "/stats")
    api.fail_next("sendMessage", 3002, status=500)
    api.inject_message(3002, "/help")
    await api.wait_for(lambda r: r.method == "sendMessage" and r.chat_id == 3002 and r.ok)


async def test_token_never_logged_at_debug(log_output: io.StringIO, bot: BotHarness) -> None:
    await _exercise(bot)
    text = log_output.getvalue()
    assert "DEBUG" in text and "error while handling an update" in text
    assert TOKEN not in text
    assert SECRET not in text


async def test_transport_logs_are_redacted(log_output: io.StringIO, bot: BotHarness) -> None:
    """httpx (getUpdates) logs each request URL, token included, at INFO; the filter catches it."""
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    logging.getLogger("httpcore").setLevel(logging.DEBUG)
    await _exercise(bot)
    text = log_output.getvalue()
    assert f"/bot{REDACTED}/getUpdates" in text
    assert TOKEN not in text
    assert SECRET not in text
