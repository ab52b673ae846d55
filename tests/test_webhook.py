"""Webhook mode: python-telegram-bot's server, the secret token checked on every request."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import build_application
from bot.config import Config, load_config
from bot.ops.health import health_problems
from bot.runtime import running_webhook
from bot.webhook import local_address, webhook_path
from tests.botprocess import bot_process, terminate, until
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeBotApi, objects

SECRET = "webhook-Secret_42"
PUBLIC_URL = "https://bot.example.org/telegram/hook"
CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebhookBot:
    api: FakeBotApi
    config: Config
    url: str
    session: aiohttp.ClientSession
    update_ids: int = 500

    def command(self, user_id: int, text: str) -> dict[str, Any]:
        """A private-chat command update, as Telegram would POST it."""
        self.update_ids += 1
        chat = objects.chat(user_id, "private")
        message = objects.message(
            self.update_ids,
            chat,
            from_user=objects.user(user_id, language_code="en"),
            text=text,
            entities=objects.command_entities(text),
        )
        return {"update_id": self.update_ids, "message": message}

    async def post(self, update: dict[str, Any], secret: str | None) -> int:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self.session.post(self.url, json=update, headers=headers) as response:
            await response.read()
            return response.status


@pytest.fixture
async def webhook_bot(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> AsyncIterator[WebhookBot]:
    port = _free_port()
    config = make_config(
        webhook_url=PUBLIC_URL,
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    application = build_application(config)
    async with (
        running_webhook(
            application,
            listen=config.webhook_listen,
            port=port,
            url_path=webhook_path(PUBLIC_URL),
            webhook_url=PUBLIC_URL,
            secret_token=SECRET,
        ),
        aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as session,
    ):
        url = f"http://127.0.0.1:{port}/{webhook_path(PUBLIC_URL)}"
        yield WebhookBot(fake_api, config, url, session)


def test_webhook_path_and_local_address() -> None:
    assert webhook_path(PUBLIC_URL) == "telegram/hook"
    assert webhook_path("https://bot.example.org") == ""
    assert local_address("0.0.0.0") == "127.0.0.1"
    assert local_address("::") == "::1"
    assert local_address("10.1.2.3") == "10.1.2.3"


async def test_start_sets_the_webhook_with_the_secret(webhook_bot: WebhookBot) -> None:
    api = webhook_bot.api
    request = await api.wait_for(lambda r: r.method == "setWebhook" and r.ok)
    assert request.params["url"] == PUBLIC_URL
    assert request.params["secret_token"] == SECRET
    assert api.webhook_url == PUBLIC_URL
    assert not api.calls("getUpdates"), "webhook mode never polls"


async def test_valid_update_is_processed(webhook_bot: WebhookBot) -> None:
    status = await webhook_bot.post(webhook_bot.command(ADMIN_ID, "/addchannel"), SECRET)
    assert status == 200
    reply = await webhook_bot.api.wait_for_message(ADMIN_ID, "/addchannel")
    assert "Usage" in reply.params["text"]


async def test_wrong_or_missing_secret_is_refused_and_not_processed(
    webhook_bot: WebhookBot,
) -> None:
    api = webhook_bot.api
    wrong, missing = 4101, 4102
    assert await webhook_bot.post(webhook_bot.command(wrong, "/addchannel"), "not-it") == 403
    assert await webhook_bot.post(webhook_bot.command(missing, "/addchannel"), None) == 403
    assert await webhook_bot.post(webhook_bot.command(wrong, "/addchannel"), SECRET[:-1]) == 403
    # A valid update sent after them is answered; the refused ones never reached the bot.
    assert await webhook_bot.post(webhook_bot.command(ADMIN_ID, "/addchannel"), SECRET) == 200
    await api.wait_for_message(ADMIN_ID)
    assert api.calls(chat_id=wrong) == [] and api.calls(chat_id=missing) == []


async def test_health_sees_the_webhook_server(webhook_bot: WebhookBot) -> None:
    assert await asyncio.to_thread(health_problems, webhook_bot.config) == []


async def test_eventbot_run_serves_the_webhook_and_stops_on_sigterm(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """``eventbot run`` with WEBHOOK_URL: sets the webhook, answers a valid POST, refuses a
    wrong secret, is healthy, and exits 0 on SIGTERM."""
    port = _free_port()
    settings = {
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "PORT": str(port),
    }
    async with bot_process(fake_api, tmp_path, **settings) as process:
        await until(process, fake_api.wait_for(lambda r: r.method == "setWebhook", timeout=30))
        config = load_config(
            {**settings, "DATABASE_PATH": str(tmp_path / "eventbot.sqlite3")},
            dotenv=None,
            require_token=False,
        )
        # PTB sets the webhook, then starts listening: wait for the port to answer.
        async with asyncio.timeout(10):
            while await asyncio.to_thread(health_problems, config):
                await asyncio.sleep(0.05)
        async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as session:
            client = WebhookBot(fake_api, config, f"http://127.0.0.1:{port}/telegram/hook", session)
            assert await client.post(client.command(4103, "/addchannel"), "wrong") == 403
            assert await client.post(client.command(ADMIN_ID, "/addchannel"), SECRET) == 200
            await fake_api.wait_for_message(ADMIN_ID, "/addchannel")
        output = await terminate(process)
    assert process.returncode == 0, output[-3000:]
    assert fake_api.calls(chat_id=4103) == []
    messages = [json.loads(line)["message"] for line in output.splitlines() if line.strip()]
    assert f"starting eventbot with a webhook at {PUBLIC_URL}" in messages
    assert "eventbot stopped" in messages
    assert SECRET not in output
