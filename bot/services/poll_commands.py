"""Parsing admin input for polls: the one-line ``/poll`` and the audience arguments. Pure."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from telegram.constants import PollLimit

from bot.config import SUPPORTED_LANGUAGES
from storage.models import TOPICS

MIN_OPTIONS = 2
MAX_OPTIONS: int = PollLimit.MAX_OPTION_NUMBER
MAX_QUESTION: int = PollLimit.MAX_QUESTION_LENGTH
MAX_OPTION: int = PollLimit.MAX_OPTION_LENGTH

_CLOSES = r"closes=(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})(Z|[+-]\d{2}:?\d{2})?"
_FLAG_AT_END = re.compile(rf"(?:^|\s+)(anonymous|multiple|hide|{_CLOSES})\s*$", re.IGNORECASE)


class DraftProblem(enum.Enum):
    NO_QUESTION = "no question"
    QUESTION_TOO_LONG = "question too long"
    TOO_FEW_OPTIONS = "too few options"
    TOO_MANY_OPTIONS = "too many options"
    OPTION_TOO_LONG = "option too long"
    DUPLICATE_OPTIONS = "duplicate options"
    BAD_CLOSING_TIME = "bad closing time"
    CLOSING_IN_PAST = "closing time in the past"


class DraftError(ValueError):
    def __init__(self, problem: DraftProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class PollDraft:
    question: str
    options: tuple[str, ...]
    anonymous: bool = False
    multiple_answers: bool = False
    hide_results: bool = False
    closes_at: datetime | None = None


def parse_closing_time(text: str, now: datetime) -> datetime:
    """``YYYY-MM-DD HH:MM`` (UTC unless an offset such as ``+03:00`` follows), in the future."""
    match = re.fullmatch(_CLOSES, "closes=" + text.strip(), re.IGNORECASE)
    if match is None:
        raise DraftError(DraftProblem.BAD_CLOSING_TIME)
    return _closing_time(match.group(1), match.group(2), match.group(3), now)


def _closing_time(day: str, clock: str, zone: str | None, now: datetime) -> datetime:
    offset = "+00:00" if not zone or zone.upper() == "Z" else zone
    if len(offset) == 5:
        offset = offset[:3] + ":" + offset[3:]
    try:
        moment = datetime.fromisoformat(f"{day}T{clock.zfill(5)}{offset}")
    except ValueError:
        raise DraftError(DraftProblem.BAD_CLOSING_TIME) from None
    if moment <= now:
        raise DraftError(DraftProblem.CLOSING_IN_PAST)
    return moment.astimezone(UTC)


def validate_draft(draft: PollDraft) -> PollDraft:
    """Check a draft against Telegram's limits; raises :class:`DraftError`."""
    if not draft.question:
        raise DraftError(DraftProblem.NO_QUESTION)
    if len(draft.question) > MAX_QUESTION:
        raise DraftError(DraftProblem.QUESTION_TOO_LONG)
    check_options(draft.options)
    if len(draft.options) < MIN_OPTIONS:
        raise DraftError(DraftProblem.TOO_FEW_OPTIONS)
    return draft


def check_options(options: Sequence[str]) -> None:
    """Limits that hold while options are still being added (at most 12, 100 chars, unique)."""
    if len(options) > MAX_OPTIONS:
        raise DraftError(DraftProblem.TOO_MANY_OPTIONS)
    if any(len(option) > MAX_OPTION for option in options):
        raise DraftError(DraftProblem.OPTION_TOO_LONG)
    if len({option.casefold() for option in options}) != len(options):
        raise DraftError(DraftProblem.DUPLICATE_OPTIONS)


def parse_poll_line(text: str, now: datetime) -> PollDraft:
    """``Question? | Option 1 | Option 2 … [anonymous] [multiple] [hide] [closes=…]``.

    Settings are words at the end (after the last option, or as ``| settings`` segments).
    """
    parts = [part.strip() for part in text.split("|")]
    flags: dict[str, bool] = {"anonymous": False, "multiple": False, "hide": False}
    closes_at: datetime | None = None
    while parts:
        match = _FLAG_AT_END.search(parts[-1])
        if match is None:
            if parts[-1]:
                break
            parts.pop()
            continue
        word = match.group(1).lower()
        if word.startswith("closes="):
            closes_at = _closing_time(match.group(2), match.group(3), match.group(4), now)
        else:
            flags[word] = True
        parts[-1] = parts[-1][: match.start()].strip()
    if not parts or not parts[0]:
        raise DraftError(DraftProblem.NO_QUESTION)
    return validate_draft(
        PollDraft(
            question=parts[0],
            options=tuple(part for part in parts[1:] if part),
            anonymous=flags["anonymous"],
            multiple_answers=flags["multiple"],
            hide_results=flags["hide"],
            closes_at=closes_at,
        )
    )


@dataclass(frozen=True)
class AudienceArgs:
    """``lang=ru,ko topic=business groups=yes``: who a poll, prompt or result goes to."""

    languages: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    groups: bool = False
    unknown: tuple[str, ...] = field(default=())
    """Arguments that are not understood (the handler reports them)."""


def parse_audience(args: Sequence[str]) -> AudienceArgs:
    languages: set[str] = set()
    topics: set[str] = set()
    groups = False
    unknown: list[str] = []
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.lower()
        values = [v.strip().lower() for v in value.split(",") if v.strip()]
        if not sep or not values:
            unknown.append(arg)
        elif key in ("lang", "language") and all(v in SUPPORTED_LANGUAGES for v in values):
            languages.update(values)
        elif key == "topic" and all(v in TOPICS for v in values):
            topics.update(values)
        elif key == "groups" and len(values) == 1 and values[0] in ("yes", "no"):
            groups = values[0] == "yes"
        else:
            unknown.append(arg)
    return AudienceArgs(frozenset(languages), frozenset(topics), groups, tuple(unknown))
