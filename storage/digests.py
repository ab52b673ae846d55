"""The automatic digests of events (``digest = "2h"`` in an event file): one scheduled
broadcast per event, kept in step with the content like reminders (``sync_reminders`` in
``storage/broadcasts.py``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from storage.broadcasts import Audience
from storage.clock import to_db
from storage.db import Database


async def sync_digests(
    db: Database, wanted: Mapping[str, tuple[str, datetime, int]], now: datetime
) -> int:
    """Make the scheduled automatic digests match ``wanted`` (event id → (title, firing
    time, seconds after the end)): a new one is created, a waiting one follows a moved end
    or delay, one whose event no longer asks for a digest (or is gone) is dropped. One that
    already fired, or that an admin cancelled, is left alone: each event's fires at most
    once. Returns how many were added."""
    added = 0
    async with db.transaction() as conn:
        for event_id, (title, fire_at, after) in sorted(wanted.items()):
            if fire_at <= now:
                continue
            cursor = await conn.execute(
                "INSERT INTO broadcasts (kind, payload, title, audience, state, created_at,"
                " scheduled_at, event_id, digest_after)"
                " VALUES ('event', ?, ?, ?, 'scheduled', ?, ?, ?, ?)"
                " ON CONFLICT (event_id) WHERE digest_after IS NOT NULL DO NOTHING",
                (
                    json.dumps({"event_id": event_id, "reminder": None, "digest": True}),
                    title,
                    Audience().to_json(),
                    to_db(now),
                    to_db(fire_at),
                    event_id,
                    after,
                ),
            )
            if cursor.rowcount == 1:
                added += 1
            else:
                await conn.execute(
                    "UPDATE broadcasts SET scheduled_at = ?, title = ?, digest_after = ?"
                    " WHERE event_id = ? AND digest_after IS NOT NULL AND state = 'scheduled'",
                    (to_db(fire_at), title, after, event_id),
                )
        await conn.execute(
            "DELETE FROM broadcasts WHERE digest_after IS NOT NULL AND state = 'scheduled'"
            " AND event_id NOT IN (SELECT id FROM events WHERE digest_after IS NOT NULL)"
        )
    return added
