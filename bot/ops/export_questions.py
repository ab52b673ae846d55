"""``eventbot export-questions EVENT_ID [--out FILE]``: an event's audience questions as CSV.

UTF-8, a header row, one row per question in the order they were asked: for the moderators'
screen during the event and for the event report afterwards. Needs only ``DATABASE_PATH``.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Config
from storage.db import Database, SchemaTooNewError
from storage.events import EventRepository
from storage.models import Event
from storage.questions import Question, QuestionRepository

HEADER = ("id", "speaker", "text", "author_id", "status", "upvotes", "asked_at", "answered_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet: it gets a leading ``'``
(OWASP's advice against CSV injection), so that the audience's text is only ever shown."""


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _speaker(event: Event, key: str | None) -> str:
    """The speaker's name in the event's default language; empty for "everyone"."""
    if key is None:
        return ""
    for speaker in event.speakers:
        if speaker.key == key:
            return speaker.name.get(event.default_language)
    return key


def write_csv(event: Event, questions: list[Question], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for question in questions:
        writer.writerow(
            (
                question.id,
                _cell(_speaker(event, question.speaker_key)),
                _cell(question.text),
                question.author_id,
                question.status,
                question.upvotes,
                question.asked_at.isoformat(timespec="seconds"),
                ""
                if question.answered_at is None
                else question.answered_at.isoformat("T", "seconds"),
            )
        )


async def _load(path: Path, event_id: str) -> tuple[Event, list[Question]] | None:
    db = await Database.open(path)
    try:
        event = await EventRepository(db).get(event_id)
        if event is None:
            return None
        return event, await QuestionRepository(db).for_event(event_id)
    finally:
        await db.close()


def cmd_export_questions(config: Config, event_id: str, out_path: str | None) -> int:
    if not config.database_path.is_file():
        print(f"eventbot export-questions: database {config.database_path} does not exist",
              file=sys.stderr)  # fmt: skip
        return 1
    try:
        found = asyncio.run(_load(config.database_path, event_id))
    except SchemaTooNewError as error:
        print(f"eventbot export-questions: {error}", file=sys.stderr)
        return 1
    if found is None:
        print(f"eventbot export-questions: there is no event {event_id!r}", file=sys.stderr)
        return 1
    event, questions = found
    if out_path is None:
        write_csv(event, questions, sys.stdout)
        return 0
    target = Path(out_path)
    try:
        with target.open("w", encoding="utf-8", newline="") as handle:
            write_csv(event, questions, handle)
    except OSError as error:
        print(f"eventbot export-questions: cannot write {target}: {error.strerror}",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"exported {len(questions)} questions of {event_id} to {target}")
    return 0
