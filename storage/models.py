"""Domain objects that storage reads and writes. Plain data: no Telegram, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")

TOPICS: tuple[str, ...] = ("business", "researchers", "students")
"""Audience sections of the seed site: For business, For researchers, For students."""
MAX_DIGEST_AFTER = timedelta(days=30)
"""The latest an event's automatic digest may go out after its end."""


@dataclass(frozen=True)
class Localized(Generic[T]):
    """A value in several languages; a missing language falls back to ``default``'s."""

    values: Mapping[str, T]
    default: str

    def get(self, language: str) -> T:
        if language in self.values:
            return self.values[language]
        return self.values[self.default]

    def languages(self) -> frozenset[str]:
        return frozenset(self.values)


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    user_id: int | None
    chat_type: str
    language: str
    topics: frozenset[str]
    active: bool
    joined_at: datetime
    left_at: datetime | None = None
    title: str | None = None


@dataclass(frozen=True)
class Person:
    name: Localized[str]
    position: Localized[str] | None = None


@dataclass(frozen=True)
class Speaker:
    key: str
    name: Localized[str]
    position: Localized[str] | None
    summary: Localized[tuple[str, ...]]
    role: Localized[str] | None = None
    """What the speaker did, e.g. "Opening remarks" or "Main session"."""


@dataclass(frozen=True)
class PollDef:
    id: str
    question: Localized[str]
    options: tuple[Localized[str], ...]
    multiple_answers: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None
    hide_results: bool = False
    event_id: str | None = None


@dataclass(frozen=True)
class Event:
    id: str
    default_language: str
    timezone: str
    starts_at: datetime
    """Aware datetime in the event's time zone."""
    title: Localized[str]
    ends_at: datetime | None = None
    format: Localized[str] | None = None
    organisers: tuple[Localized[str], ...] = ()
    description: Localized[str] | None = None
    moderator: Person | None = None
    link: str | None = None
    topics: tuple[str, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    polls: tuple[PollDef, ...] = ()
    reminders: tuple[timedelta, ...] = ()
    """Reminder broadcasts, as offsets before ``starts_at``."""
    digest_after: timedelta | None = None
    """The automatic digest: this long after the end (the start if it has none)."""
    languages: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RatingSummary:
    """Ratings of an event: how many people rated it and the mean of their 1–5 stars."""

    votes: int
    average: float | None
