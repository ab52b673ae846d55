"""Broadcasting: one outbox in SQLite, our own pacing, resumable after a crash.

See ARCHITECTURE.md, "Broadcast engine", for the contract other features code against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from bot.broadcast.engine import BroadcastEngine, default_concurrency
from bot.broadcast.kinds import (
    Delivered,
    DeliverFn,
    OnDelivered,
    Recipient,
    get_kind,
    register_kind,
)
from storage.broadcasts import Audience, Target

__all__ = [
    "Audience",
    "BroadcastEngine",
    "DeliverFn",
    "Delivered",
    "OnDelivered",
    "Recipient",
    "Target",
    "default_concurrency",
    "get_kind",
    "register_kind",
    "start_broadcast",
    "start_broadcast_to",
]


class HasBroadcaster(Protocol):
    """``Deps`` (or anything else) holding the engine."""

    @property
    def broadcaster(self) -> BroadcastEngine: ...


def _engine(target: BroadcastEngine | HasBroadcaster) -> BroadcastEngine:
    return target if isinstance(target, BroadcastEngine) else target.broadcaster


async def start_broadcast(
    engine: BroadcastEngine | HasBroadcaster,
    *,
    kind: str,
    payload: Mapping[str, Any],
    audience: Audience,
    created_by: int | None,
    title: str,
    scheduled_at: datetime | None = None,
    report_to: int | None = None,
    admin_language: str | None = None,
    event_id: str | None = None,
) -> int:
    """Send ``payload`` of ``kind`` to the active subscribers ``audience`` selects: now (the
    recipients are queued in one transaction and sending starts) or at ``scheduled_at``
    (recipients chosen then). ``report_to``: a chat that gets a progress message and the
    final report (in ``admin_language``). ``event_id``: the event the broadcast is made for
    (an announcement, a digest…): its figures then count in ``/stats EVENT_ID``. Returns the
    broadcast id."""
    return await _engine(engine).create(
        kind=kind,
        payload=payload,
        audience=audience,
        created_by=created_by,
        title=title,
        scheduled_at=scheduled_at,
        report_to=report_to,
        admin_language=admin_language,
        event_id=event_id,
    )


async def start_broadcast_to(
    engine: BroadcastEngine | HasBroadcaster,
    *,
    kind: str,
    payload: Mapping[str, Any],
    targets: Iterable[Target],
    created_by: int | None,
    title: str,
    scheduled_at: datetime | None = None,
    report_to: int | None = None,
    admin_language: str | None = None,
    event_id: str | None = None,
) -> int:
    """Like :func:`start_broadcast`, to explicit targets (subscribed or not; each target's
    ``data`` reaches the kind as ``Recipient.data``), e.g. ``stopPoll`` in every chat where a
    poll was sent. Duplicate chats are sent once."""
    return await _engine(engine).create_for_targets(
        kind=kind,
        payload=payload,
        targets=targets,
        created_by=created_by,
        title=title,
        scheduled_at=scheduled_at,
        report_to=report_to,
        admin_language=admin_language,
        event_id=event_id,
    )
