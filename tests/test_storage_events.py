"""The event repository stores content per language and updates it in place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.db import Database
from storage.events import EventRepository, PollIdTakenError
from storage.models import Event, Localized, Person, PollDef, Speaker


def L(**values: str) -> Localized[str]:
    return Localized(values, "en")


def sample_event(event_id: str = "ev1") -> Event:
    zone = ZoneInfo("Europe/Moscow")
    return Event(
        id=event_id,
        default_language="en",
        timezone="Europe/Moscow",
        starts_at=datetime(2030, 4, 20, 10, 0, tzinfo=zone),
        ends_at=datetime(2030, 4, 20, 13, 0, tzinfo=zone),
        title=L(en="Round table", ru="Круглый стол"),
        format=L(en="Online"),
        organisers=(L(en="RIAC", ru="РСМД"), L(en="KF")),
        description=L(en="First.\n\nSecond."),
        moderator=Person(L(en="Ksenia Kuzmina", ko="크세니아 쿠즈미나"), L(en="Manager")),
        link="https://example.org/",
        topics=("researchers",),
        speakers=(
            Speaker(
                key="a",
                name=L(en="Alice", ru="Алиса"),
                position=None,
                summary=Localized({"en": ("one", "two"), "ru": ("раз",)}, "en"),
                role=L(en="Opening remarks"),
            ),
        ),
        polls=(PollDef(id="p1", question=L(en="Q?"), options=(L(en="A"), L(en="B", ru="Б"))),),
        reminders=(timedelta(hours=24), timedelta(hours=1)),
    )


@pytest.fixture
async def repo(tmp_path: Path) -> EventRepository:
    db = await Database.open(tmp_path / "db.sqlite3")
    return EventRepository(db)


async def test_round_trip_with_fallback(repo: EventRepository) -> None:
    assert await repo.save(sample_event()) is True
    loaded = await repo.get("ev1")
    assert loaded is not None
    assert loaded.title.get("ru") == "Круглый стол"
    assert loaded.title.get("ko") == "Round table"
    assert loaded.starts_at == datetime(2030, 4, 20, 7, 0, tzinfo=UTC)
    assert [o.get("ru") for o in loaded.organisers] == ["РСМД", "KF"]
    assert loaded.moderator is not None and loaded.moderator.name.get("ko") == "크세니아 쿠즈미나"
    assert loaded.speakers[0].summary.get("ru") == ("раз",)
    assert loaded.speakers[0].summary.get("ko") == ("one", "two")
    assert loaded.polls[0].options[1].get("ru") == "Б"
    assert loaded.reminders == (timedelta(hours=24), timedelta(hours=1))
    assert loaded.topics == ("researchers",)


async def test_reimport_updates_in_place(repo: EventRepository) -> None:
    await repo.save(sample_event())
    changed = replace(sample_event(), title=L(en="New title"), speakers=())
    assert await repo.save(changed) is False
    loaded = await repo.get("ev1")
    assert loaded is not None
    assert loaded.title.get("ru") == "New title"
    assert loaded.speakers == ()
    upcoming, recent = await repo.list_events(datetime(2030, 1, 1, tzinfo=UTC))
    assert [e.id for e in upcoming] == ["ev1"] and recent == []


async def test_poll_id_of_another_event_is_refused(repo: EventRepository) -> None:
    await repo.save(sample_event("ev1"))
    with pytest.raises(PollIdTakenError):
        await repo.save(sample_event("ev2"))
    assert await repo.get("ev2") is None
