"""The figures of ``/stats EVENT_ID``, gathered from the repositories: queries, no scans of
Telegram state, nothing kept in memory.

Deliveries come from the outbox figures of the broadcasts made for the event
(``broadcasts.event_id``: announcements, ``/schedule``, reminders, digests, rating prompts),
by category: a reminder has its offset, a digest its kind, a rating prompt its kind, and any
other broadcast for the event is an announcement (``/announce`` sends kind ``rendered``, and a
scheduled card becomes one when it fires).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.services.engagement import Engagement
from bot.services.polls import PollService
from storage.broadcasts import BroadcastRepository, EventBroadcast, Figures
from storage.engagement import EngagementFigures
from storage.models import Event, PollDef, RatingSummary
from storage.ratings import RatingRepository

ANNOUNCEMENT = "announcement"
REMINDER = "reminder"
DIGEST = "digest"
RATING = "rating"
CATEGORIES = (ANNOUNCEMENT, REMINDER, DIGEST, RATING)

RATING_KIND = "rating_prompt"
"""``bot.handlers.ratings.KIND_RATING`` (not imported: services know no handlers)."""


@dataclass(frozen=True)
class Deliveries:
    """The broadcasts of one category and their outbox rows by state, added up."""

    broadcasts: int = 0
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class EventStats:
    event: Event
    deliveries: dict[str, Deliveries]
    """Category -> its deliveries (every category present, maybe empty)."""
    engagement: EngagementFigures
    polls: tuple[tuple[PollDef, int], ...]
    """The event's polls with their voters."""
    rating: RatingSummary
    live_followers: int | None = None
    """None when the live mode does not provide the figure."""


def category(broadcast: EventBroadcast) -> str:
    if broadcast.reminder:
        return REMINDER
    if broadcast.digest:
        return DIGEST
    if broadcast.kind == RATING_KIND:
        return RATING
    return ANNOUNCEMENT


def add_up(broadcasts: Iterable[EventBroadcast]) -> dict[str, Deliveries]:
    """Every category's broadcasts and summed figures."""
    totals: dict[str, tuple[int, dict[str, int]]] = {name: (0, {}) for name in CATEGORIES}
    for broadcast in broadcasts:
        count, states = totals[category(broadcast)]
        for state, rows in broadcast.figures.counts.items():
            states[state] = states.get(state, 0) + rows
        totals[category(broadcast)] = (count + 1, states)
    return {name: Deliveries(count, Figures(states)) for name, (count, states) in totals.items()}


async def event_stats(
    event: Event,
    *,
    broadcasts: BroadcastRepository,
    engagement: Engagement,
    polls: PollService,
    ratings: RatingRepository,
) -> EventStats:
    """Everything ``/stats EVENT_ID`` shows; buffered votes and engagement records are
    written first, so the figures are exact."""
    voters: list[tuple[PollDef, int]] = []
    for poll in event.polls:
        voters.append((poll, (await polls.results(poll)).voters))
    return EventStats(
        event=event,
        deliveries=add_up(await broadcasts.of_event(event.id)),
        engagement=await engagement.figures(event.id),
        polls=tuple(voters),
        rating=await ratings.summary(event.id),
        live_followers=await engagement.followers(event.id),
    )
