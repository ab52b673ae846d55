"""The sections of an event file: the moderator (a person), ``[[speakers]]`` and ``[[polls]]``."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.content.fields import Reader
from bot.content.problems import FieldPath
from bot.content.rules import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_PARAGRAPH_LENGTH,
    MAX_QUESTION_LENGTH,
    MIN_OPTIONS,
)
from storage.models import Localized, Person, PollDef, Speaker

PERSON_KEYS = ("name", "position")
SPEAKER_KEYS = ("id", "name", "position", "role", "summary")
POLL_KEYS = (
    "id", "question", "options", "multiple_answers", "anonymous", "hide_results", "closes",
)
POLL_FLAGS = ("multiple_answers", "anonymous", "hide_results")


def read_person(read: Reader, value: object, path: FieldPath) -> Person | None:
    table = read.table(value, path)
    if table is None:
        return None
    read.known_keys(table, path, PERSON_KEYS)
    name_value = read.required(table, (*path, "name"))
    name = None if name_value is None else read.short_text(name_value, (*path, "name"))
    position = None
    if "position" in table:
        position = read.text(table["position"], (*path, "position"), limit=MAX_PARAGRAPH_LENGTH)
    return None if name is None else Person(name, position)


def read_speakers(read: Reader, value: object) -> list[Speaker]:
    seen: dict[str, int] = {}
    speakers: list[Speaker] = []
    for index, table in enumerate(read.tables(value, ("speakers",), "speakers")):
        path: FieldPath = ("speakers", index)
        read.known_keys(table, path, SPEAKER_KEYS)
        key = read.unique_id(table, path, seen, "speaker")
        person = read_person(read, {k: table[k] for k in PERSON_KEYS if k in table}, path)
        role = None
        if "role" in table:
            role = read.short_text(table["role"], (*path, "role"))
        summary: Localized[tuple[str, ...]] | None = Localized(
            {read.default_language: ()}, read.default_language
        )
        if "summary" in table:
            summary = read.bullets(table["summary"], (*path, "summary"))
        if key is None or person is None or summary is None:
            continue
        speakers.append(Speaker(key, person.name, person.position, summary, role))
    return speakers


def read_polls(read: Reader, value: object, zone: tzinfo) -> list[PollDef]:
    seen: dict[str, int] = {}
    polls: list[PollDef] = []
    for index, table in enumerate(read.tables(value, ("polls",), "polls")):
        path: FieldPath = ("polls", index)
        read.known_keys(table, path, POLL_KEYS)
        poll_id = read.unique_id(table, path, seen, "poll")
        question_value = read.required(table, (*path, "question"))
        question = None
        if question_value is not None:
            question = read.text(
                question_value,
                (*path, "question"),
                limit=MAX_QUESTION_LENGTH,
                too_long="too long for a Telegram poll question",
            )
        options = _options(read, table, path)
        flags = {
            name: read.boolean(table[name], (*path, name)) if name in table else False
            for name in POLL_FLAGS
        }
        closes = None
        if "closes" in table:
            closes = read.moment(table["closes"], (*path, "closes"), zone)
        if poll_id is None or question is None or options is None:
            continue
        if "closes" in table and closes is None:
            continue
        polls.append(
            PollDef(
                id=poll_id,
                question=question,
                options=options,
                multiple_answers=flags["multiple_answers"],
                anonymous=flags["anonymous"],
                hide_results=flags["hide_results"],
                closes_at=closes,
            )
        )
    return polls


def _options(
    read: Reader, table: dict[str, Any], path: FieldPath
) -> tuple[Localized[str], ...] | None:
    value = read.required(table, (*path, "options"))
    if value is None:
        return None
    if not isinstance(value, list):
        read.wrong_type((*path, "options"), "an array", value)
        return None
    count_ok = MIN_OPTIONS <= len(value) <= MAX_OPTIONS
    if not count_ok:
        read.problem(
            (*path, "options"),
            f"a Telegram poll has {MIN_OPTIONS} to {MAX_OPTIONS} options, got {len(value)}",
        )
    options = [
        read.text(
            item,
            (*path, "options", index),
            limit=MAX_OPTION_LENGTH,
            too_long="too long for a Telegram poll option",
        )
        for index, item in enumerate(value)
    ]
    valid = [option for option in options if option is not None]
    return tuple(valid) if count_ok and len(valid) == len(options) else None
