"""Timestamps as stored: ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text)


def optional_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)
