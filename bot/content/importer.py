"""Import validated content into storage: all files or none.

Every file is parsed and checked (including poll ids against the other files and against
the database) before the first one is saved, so a problem anywhere writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.locate import SourceMap
from bot.content.parser import decode, parse_event
from bot.content.problems import ContentError, FieldPath, format_problem
from storage.events import EventRepository, PollIdTakenError
from storage.models import Event


@dataclass(frozen=True)
class Imported:
    source: str
    event: Event
    created: bool
    """True when the event was new, False when an event with its id was updated in place."""


@dataclass(frozen=True)
class _Parsed:
    source: str
    text: str
    event: Event

    def problem(self, path: FieldPath, message: str) -> str:
        return format_problem(self.source, message, path=path, line=SourceMap(self.text).line(path))


async def import_files(
    events: EventRepository, files: Sequence[tuple[str, str | bytes]]
) -> list[Imported]:
    """Parse ``(source, data)`` files and save their events; :class:`ContentError` lists every
    problem of every file, and then nothing has been written."""
    problems: list[str] = []
    parsed: list[_Parsed] = []
    for source, data in files:
        try:
            parsed.append(_Parsed(source, decode(data, source), parse_event(data, source)))
        except ContentError as error:
            problems.extend(error.problems)
    problems.extend(_conflicts_between(parsed))
    problems.extend(await _conflicts_with_storage(events, parsed))
    if problems:
        raise ContentError(problems)
    imported: list[Imported] = []
    for item in parsed:
        try:
            created = await events.save(item.event)
        except PollIdTakenError as error:  # a poll saved meanwhile by someone else
            raise ContentError([item.problem(("polls",), str(error))]) from None
        imported.append(Imported(item.source, item.event, created))
    return imported


def _conflicts_between(parsed: Sequence[_Parsed]) -> list[str]:
    problems: list[str] = []
    events: dict[str, str] = {}
    polls: dict[str, str] = {}
    for item in parsed:
        if item.event.id in events:
            problems.append(item.problem(
                ("id",), f"event id {item.event.id!r} is also in {events[item.event.id]}"
            ))
        events.setdefault(item.event.id, item.source)
        for index, poll in enumerate(item.event.polls):
            if poll.id in polls and polls[poll.id] != item.source:
                problems.append(item.problem(
                    ("polls", index, "id"), f"poll id {poll.id!r} is also in {polls[poll.id]}"
                ))
            polls.setdefault(poll.id, item.source)
    return problems


async def _conflicts_with_storage(events: EventRepository, parsed: Sequence[_Parsed]) -> list[str]:
    problems: list[str] = []
    for item in parsed:
        for index, poll in enumerate(item.event.polls):
            stored = await events.get_poll(poll.id)
            if stored is not None and stored.event_id not in (None, item.event.id):
                problems.append(item.problem(
                    ("polls", index, "id"),
                    f"poll id {poll.id!r} is already used by event {stored.event_id!r}",
                ))
    return problems
