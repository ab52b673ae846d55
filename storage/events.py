"""Repository for event content: events, speakers with their summaries, and poll definitions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

import aiosqlite

from storage.clock import from_db, now_utc, optional_from_db, to_db
from storage.db import Database
from storage.models import MAX_DIGEST_AFTER, Event, Localized, Person, PollDef, Speaker

T = TypeVar("T")


class PollIdTakenError(ValueError):
    """A poll id in the content is already used by a poll of another event."""


class EventRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, event: Event) -> bool:
        """Insert or update (in place, by id) an event with its speakers and polls, in one
        transaction. Returns True when the event was new.

        Polls keep their rows (and so their votes) across re-imports; a poll that left the
        file stays stored, detached from nothing.
        """
        async with self.db.transaction() as conn:
            await self._check_poll_ids(conn, event)
            async with conn.execute("SELECT 1 FROM events WHERE id = ?", (event.id,)) as cur:
                created = await cur.fetchone() is None
            await conn.execute(
                "INSERT INTO events (id, default_language, timezone, starts_at, ends_at, link,"
                " topics, reminders, imported_at, digest_after)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET default_language = excluded.default_language,"
                " timezone = excluded.timezone, starts_at = excluded.starts_at,"
                " ends_at = excluded.ends_at, link = excluded.link, topics = excluded.topics,"
                " reminders = excluded.reminders, imported_at = excluded.imported_at,"
                " digest_after = excluded.digest_after",
                (
                    event.id,
                    event.default_language,
                    event.timezone,
                    to_db(event.starts_at),
                    None if event.ends_at is None else to_db(event.ends_at),
                    event.link,
                    ",".join(event.topics),
                    ",".join(str(int(r.total_seconds())) for r in event.reminders),
                    to_db(now_utc()),
                    None if event.digest_after is None else int(event.digest_after.total_seconds()),
                ),
            )
            for table in ("event_texts", "event_organisers", "speakers"):
                await conn.execute(f"DELETE FROM {table} WHERE event_id = ?", (event.id,))
            await conn.executemany(
                "INSERT INTO event_texts (event_id, language, title, format, description,"
                " moderator_name, moderator_position) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        event.id,
                        language,
                        _text(event.title, language),
                        _text(event.format, language),
                        _text(event.description, language),
                        _text(event.moderator.name if event.moderator else None, language),
                        _text(event.moderator.position if event.moderator else None, language),
                    )
                    for language in sorted(_event_languages(event))
                ],
            )
            await conn.executemany(
                "INSERT INTO event_organisers (event_id, ordinal, language, name)"
                " VALUES (?, ?, ?, ?)",
                [
                    (event.id, ordinal, language, name)
                    for ordinal, organiser in enumerate(event.organisers)
                    for language, name in organiser.values.items()
                ],
            )
            for ordinal, speaker in enumerate(event.speakers):
                await _insert_speaker(conn, event.id, ordinal, speaker)
            for ordinal, poll in enumerate(event.polls):
                await _upsert_poll(conn, poll, event.id, ordinal, event.default_language)
        return created

    async def save_poll(self, poll: PollDef, default_language: str) -> None:
        """Store a poll that belongs to no event (made by an admin in chat)."""
        async with self.db.transaction() as conn:
            await _upsert_poll(conn, poll, poll.event_id, 0, default_language)

    async def get(self, event_id: str) -> Event | None:
        async with self.db.read("SELECT * FROM events WHERE id = ?", (event_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else await self._load(row)

    async def exists(self, event_id: str) -> bool:
        async with self.db.read("SELECT 1 FROM events WHERE id = ?", (event_id,)) as cur:
            return await cur.fetchone() is not None

    async def list_events(
        self, now: datetime | None = None, *, upcoming: int = 10, recent: int = 10
    ) -> tuple[list[Event], list[Event]]:
        """``(upcoming, recent)``: events not yet ended, soonest first; then ended ones, latest
        first."""
        moment = to_db(now or now_utc())
        async with self.db.read(
            "SELECT * FROM events WHERE COALESCE(ends_at, starts_at) >= ?"
            " ORDER BY starts_at LIMIT ?",
            (moment, upcoming),
        ) as cur:
            future = [await self._load(row) for row in await cur.fetchall()]
        async with self.db.read(
            "SELECT * FROM events WHERE COALESCE(ends_at, starts_at) < ?"
            " ORDER BY starts_at DESC LIMIT ?",
            (moment, recent),
        ) as cur:
            past = [await self._load(row) for row in await cur.fetchall()]
        return future, past

    async def digest_times(self, now: datetime) -> dict[str, tuple[str, datetime, int]]:
        """The automatic digests events ask for that are still to come: event id →
        (title in the default language, when, seconds after the end)."""
        async with self.db.read(
            "SELECT e.id, COALESCE(e.ends_at, e.starts_at), e.digest_after, t.title"
            " FROM events e JOIN event_texts t"
            " ON t.event_id = e.id AND t.language = e.default_language"
            " WHERE e.digest_after IS NOT NULL AND COALESCE(e.ends_at, e.starts_at) >= ?",
            (to_db(now - MAX_DIGEST_AFTER),),
        ) as cur:
            rows = await cur.fetchall()
        found: dict[str, tuple[str, datetime, int]] = {}
        for row in rows:
            at = from_db(row[1]) + timedelta(seconds=int(row[2]))
            if at > now:
                found[str(row[0])] = (str(row[3] or row[0]), at, int(row[2]))
        return found

    async def get_poll(self, poll_id: str) -> PollDef | None:
        async with self.db.read("SELECT * FROM polls WHERE id = ?", (poll_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else await self._load_poll(row)

    async def _check_poll_ids(self, conn: aiosqlite.Connection, event: Event) -> None:
        for poll in event.polls:
            async with conn.execute("SELECT event_id FROM polls WHERE id = ?", (poll.id,)) as cur:
                row = await cur.fetchone()
            if row is not None and row[0] is not None and row[0] != event.id:
                raise PollIdTakenError(
                    f"poll id {poll.id!r} is already used by event {row[0]!r}"
                )

    async def _rows(self, sql: str, params: tuple[object, ...]) -> Iterable[aiosqlite.Row]:
        async with self.db.read(sql, params) as cur:
            return await cur.fetchall()

    async def _load(self, row: aiosqlite.Row) -> Event:
        event_id = str(row["id"])
        default = str(row["default_language"])
        texts = {
            str(r["language"]): r
            for r in await self._rows("SELECT * FROM event_texts WHERE event_id = ?", (event_id,))
        }

        def localized(column: str) -> Localized[str] | None:
            return _localized({lang: r[column] for lang, r in texts.items()}, default)

        organisers: dict[int, dict[str, str]] = defaultdict(dict)
        for r in await self._rows(
            "SELECT ordinal, language, name FROM event_organisers WHERE event_id = ?"
            " ORDER BY ordinal",
            (event_id,),
        ):
            organisers[int(r["ordinal"])][str(r["language"])] = str(r["name"])

        moderator_name = localized("moderator_name")
        title = localized("title")
        assert title is not None, f"event {event_id} has no title"
        polls = [
            await self._load_poll(r)
            for r in await self._rows(
                "SELECT * FROM polls WHERE event_id = ? ORDER BY ordinal", (event_id,)
            )
        ]
        return Event(
            id=event_id,
            default_language=default,
            timezone=str(row["timezone"]),
            starts_at=from_db(row["starts_at"]),
            ends_at=optional_from_db(row["ends_at"]),
            title=title,
            format=localized("format"),
            organisers=tuple(
                Localized(values, default) for _, values in sorted(organisers.items())
            ),
            description=localized("description"),
            moderator=None
            if moderator_name is None
            else Person(moderator_name, localized("moderator_position")),
            link=row["link"],
            topics=tuple(t for t in str(row["topics"]).split(",") if t),
            speakers=tuple(await self._load_speakers(event_id, default)),
            polls=tuple(polls),
            reminders=tuple(
                timedelta(seconds=int(s)) for s in str(row["reminders"]).split(",") if s
            ),
            digest_after=None
            if row["digest_after"] is None
            else timedelta(seconds=int(row["digest_after"])),
            languages=frozenset(texts),
        )

    async def _load_speakers(self, event_id: str, default: str) -> list[Speaker]:
        texts: dict[str, dict[str, aiosqlite.Row]] = defaultdict(dict)
        for r in await self._rows("SELECT * FROM speaker_texts WHERE event_id = ?", (event_id,)):
            texts[str(r["speaker_key"])][str(r["language"])] = r
        points: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for r in await self._rows(
            "SELECT speaker_key, language, text FROM summary_points WHERE event_id = ?"
            " ORDER BY speaker_key, language, ordinal",
            (event_id,),
        ):
            points[str(r["speaker_key"])][str(r["language"])].append(str(r["text"]))
        speakers: list[Speaker] = []
        for r in await self._rows(
            "SELECT speaker_key FROM speakers WHERE event_id = ? ORDER BY ordinal", (event_id,)
        ):
            key = str(r["speaker_key"])
            by_language = texts[key]
            name = _localized({lang: t["name"] for lang, t in by_language.items()}, default)
            assert name is not None, f"speaker {key} has no name"
            summary = {lang: tuple(bullets) for lang, bullets in points[key].items()}
            speakers.append(
                Speaker(
                    key=key,
                    name=name,
                    position=_localized(
                        {lang: t["position"] for lang, t in by_language.items()}, default
                    ),
                    summary=Localized(summary or {default: ()}, _fallback(summary, default)),
                    role=_localized({lang: t["role"] for lang, t in by_language.items()}, default),
                )
            )
        return speakers

    async def _load_poll(self, row: aiosqlite.Row) -> PollDef:
        poll_id = str(row["id"])
        default = str(row["default_language"])
        questions = {
            str(r["language"]): str(r["question"])
            for r in await self._rows(
                "SELECT language, question FROM poll_texts WHERE poll_id = ?", (poll_id,)
            )
        }
        options: dict[int, dict[str, str]] = defaultdict(dict)
        for r in await self._rows(
            "SELECT ordinal, language, text FROM poll_options WHERE poll_id = ? ORDER BY ordinal",
            (poll_id,),
        ):
            options[int(r["ordinal"])][str(r["language"])] = str(r["text"])
        question = _localized(questions, default)
        assert question is not None, f"poll {poll_id} has no question"
        return PollDef(
            id=poll_id,
            question=question,
            options=tuple(
                Localized(values, _fallback(values, default))
                for _, values in sorted(options.items())
            ),
            multiple_answers=bool(row["multiple_answers"]),
            anonymous=bool(row["anonymous"]),
            closes_at=optional_from_db(row["closes_at"]),
            hide_results=bool(row["hide_results"]),
            event_id=row["event_id"],
        )


def _event_languages(event: Event) -> set[str]:
    languages = set(event.title.values)
    for value in (event.format, event.description):
        if value is not None:
            languages |= set(value.values)
    if event.moderator is not None:
        languages |= set(event.moderator.name.values)
        if event.moderator.position is not None:
            languages |= set(event.moderator.position.values)
    return languages


def _text(value: Localized[str] | None, language: str) -> str | None:
    return None if value is None else value.values.get(language)


def _fallback(values: Mapping[str, object], default: str) -> str:
    """The default language if present, else any language that is (so ``get`` never fails)."""
    if default in values or not values:
        return default
    return sorted(values)[0]


def _localized(values: Mapping[str, str | None], default: str) -> Localized[str] | None:
    present = {lang: str(text) for lang, text in values.items() if text is not None}
    if not present:
        return None
    return Localized(present, _fallback(present, default))


async def _insert_speaker(
    conn: aiosqlite.Connection, event_id: str, ordinal: int, speaker: Speaker
) -> None:
    await conn.execute(
        "INSERT INTO speakers (event_id, speaker_key, ordinal) VALUES (?, ?, ?)",
        (event_id, speaker.key, ordinal),
    )
    languages = set(speaker.name.values)
    for value in (speaker.position, speaker.role):
        if value is not None:
            languages |= set(value.values)
    await conn.executemany(
        "INSERT INTO speaker_texts (event_id, speaker_key, language, name, position, role)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                event_id,
                speaker.key,
                language,
                speaker.name.values.get(language),
                _text(speaker.position, language),
                _text(speaker.role, language),
            )
            for language in sorted(languages)
        ],
    )
    await conn.executemany(
        "INSERT INTO summary_points (event_id, speaker_key, language, ordinal, text)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (event_id, speaker.key, language, index, bullet)
            for language, bullets in speaker.summary.values.items()
            for index, bullet in enumerate(bullets)
        ],
    )


async def _upsert_poll(
    conn: aiosqlite.Connection,
    poll: PollDef,
    event_id: str | None,
    ordinal: int,
    default_language: str,
) -> None:
    await conn.execute(
        "INSERT INTO polls (id, event_id, ordinal, default_language, multiple_answers, anonymous,"
        " hide_results, closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET event_id = excluded.event_id,"
        " ordinal = excluded.ordinal, default_language = excluded.default_language,"
        " multiple_answers = excluded.multiple_answers, anonymous = excluded.anonymous,"
        " hide_results = excluded.hide_results, closes_at = excluded.closes_at",
        (
            poll.id,
            event_id,
            ordinal,
            default_language,
            int(poll.multiple_answers),
            int(poll.anonymous),
            int(poll.hide_results),
            None if poll.closes_at is None else to_db(poll.closes_at),
            to_db(now_utc()),
        ),
    )
    await conn.execute("DELETE FROM poll_texts WHERE poll_id = ?", (poll.id,))
    await conn.execute("DELETE FROM poll_options WHERE poll_id = ?", (poll.id,))
    await conn.executemany(
        "INSERT INTO poll_texts (poll_id, language, question) VALUES (?, ?, ?)",
        [(poll.id, language, text) for language, text in poll.question.values.items()],
    )
    await conn.executemany(
        "INSERT INTO poll_options (poll_id, ordinal, language, text) VALUES (?, ?, ?, ?)",
        [
            (poll.id, index, language, text)
            for index, option in enumerate(poll.options)
            for language, text in option.values.items()
        ],
    )
