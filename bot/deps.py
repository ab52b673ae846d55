"""Everything a handler needs, built once at start-up and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext

from bot.broadcast.budget import SendBudget
from bot.broadcast.engine import BroadcastEngine
from bot.config import Config
from bot.services.engagement import Engagement
from bot.services.flood import FloodGuard
from bot.services.languages import LanguagePreferences
from bot.services.polls import PollService
from bot.services.upvotes import UpvoteIntake
from bot.services.votes import VoteIntake
from storage.broadcasts import BroadcastRepository
from storage.db import Database
from storage.engagement import EngagementRepository
from storage.events import EventRepository
from storage.live import LiveRepository
from storage.polls import PollRepository
from storage.question_votes import QuestionVoteRepository
from storage.questions import QuestionRepository
from storage.ratings import RatingRepository
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
    broadcasts: BroadcastRepository
    broadcaster: BroadcastEngine
    """Started (with the bot) in ``runtime.startup``."""
    votes: VoteIntake
    """Validates poll votes and writes them in batches (flushed in ``runtime.shutdown``)."""
    polls: PollService
    ratings: RatingRepository
    flood: FloodGuard
    """How fast each chat may ask (bot/handlers/flood.py)."""
    engagement: Engagement
    """Records what the audience does with events, in batches (flushed in ``shutdown``)."""
    questions: QuestionRepository
    upvotes: UpvoteIntake
    """👍 presses on audience questions, written in batches (closed in ``runtime.shutdown``)."""


def build_deps(config: Config, db: Database, budget: SendBudget | None = None) -> Deps:
    """``budget``: the application's rate limiter, which broadcasts share with replies."""
    subscribers = SubscriberRepository(db)
    events = EventRepository(db)
    broadcasts = BroadcastRepository(db)
    poll_repo = PollRepository(db)
    votes = VoteIntake(poll_repo)
    ratings = RatingRepository(db)
    return Deps(
        config=config,
        db=db,
        subscribers=subscribers,
        languages=LanguagePreferences(subscribers),
        events=events,
        broadcasts=broadcasts,
        broadcaster=BroadcastEngine(
            broadcasts,
            subscribers,
            events,
            rate=config.send_rate,
            paid=config.paid_broadcast,
            budget=budget,
            ratings=ratings,
        ),
        votes=votes,
        polls=PollService(events, poll_repo, votes),
        ratings=ratings,
        flood=FloodGuard(),
        engagement=Engagement(
            EngagementRepository(db), live_followers=LiveRepository(db).follower_count
        ),
        questions=QuestionRepository(db),
        upvotes=UpvoteIntake(QuestionVoteRepository(db)),
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
