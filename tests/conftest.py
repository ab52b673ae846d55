"""Fixtures: a fake Bot API server on 127.0.0.1 and the real Application talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Config
from bot.deps import AnyApp, Deps, app_deps
from bot.runtime import running
from tests.fakebot import FakeBotApi

TOKEN = "123456:TEST-secret-token"
ADMIN_ID = 9001
"""The admin of every test bot; user ids below 9000 are ordinary users."""


@dataclass
class BotHarness:
    api: FakeBotApi
    app: AnyApp
    config: Config

    @property
    def deps(self) -> Deps:
        return app_deps(self.app)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


@pytest.fixture
def make_config(tmp_path: Path, fake_api: FakeBotApi) -> Callable[..., Config]:
    def make(**overrides: Any) -> Config:
        config = Config(
            token=TOKEN,
            admin_ids=frozenset({ADMIN_ID}),
            database_path=tmp_path / "eventbot.sqlite3",
            api_url=fake_api.base_url,
            file_url=fake_api.base_file_url,
        )
        return replace(config, **overrides)

    return make


@pytest.fixture
async def bot(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> AsyncIterator[BotHarness]:
    """The bot running with long polling against the fake Bot API."""
    config = make_config()
    application = build_application(config)
    async with running(application):
        yield BotHarness(api=fake_api, app=application, config=config)
