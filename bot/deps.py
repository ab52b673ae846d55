"""Everything a handler needs, built once at start-up and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext

from bot.config import Config
from bot.services.languages import LanguagePreferences
from storage.db import Database
from storage.events import EventRepository
from storage.subscribers import SubscriberRepository

DEPS_KEY = "eventbot.deps"
AnyApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Deps:
    config: Config
    db: Database
    subscribers: SubscriberRepository
    languages: LanguagePreferences
    events: EventRepository


def build_deps(config: Config, db: Database) -> Deps:
    subscribers = SubscriberRepository(db)
    return Deps(
        config=config,
        db=db,
        subscribers=subscribers,
        languages=LanguagePreferences(subscribers),
        events=EventRepository(db),
    )


def deps(context: CallbackContext[Any, Any, Any, Any]) -> Deps:
    """The :class:`Deps` of the running application."""
    value = context.bot_data[DEPS_KEY]
    assert isinstance(value, Deps)
    return value


def app_deps(application: AnyApp) -> Deps:
    value = application.bot_data[DEPS_KEY]
    assert isinstance(value, Deps)
    return value
