"""Live messages to an event's followers, through the broadcast engine.

Each live message (now speaking, a speaker's summary, the end) is sent once per session:
:meth:`~storage.live.LiveRepository.claim` records it before anything goes out, so a double
tap, a second admin or a restart cannot send it twice. It goes to the followers as explicit
targets (``start_broadcast_to``), each in their own language, paced like any broadcast.

A message too long for one Telegram message (a long summary) has several parts. The engine
sends one message per recipient and broadcast, so each part is its own broadcast, started
when the previous one is finished, to the followers who got the previous part: everyone
reads the parts in order. The parts and the broadcasts started so far are stored, so a
restart between two parts goes on with the next (:func:`resume`).

Kind ``live`` is the built-in ``rendered`` kind plus one thing: a follower who blocked the
bot (403) stops following (the engine itself only deactivates subscribers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from telegram import Bot
from telegram.error import Forbidden

from bot.broadcast import Delivered, Recipient, Target, get_kind, register_kind, start_broadcast_to
from bot.deps import AnyApp, app_deps
from bot.render.types import Rendered
from storage.live import LiveRepository, LiveSend, LiveSession

log = logging.getLogger(__name__)

KIND_LIVE = "live"
TASKS_KEY = "eventbot.live_tasks"
WAIT_STEP = 60.0
"""How long one ``wait_finished`` call waits for a part before asking again."""


def live_repo(application: AnyApp) -> LiveRepository:
    return LiveRepository(app_deps(application).db)


def part_payloads(
    parts: Mapping[str, Sequence[Rendered]], default_language: str
) -> list[dict[str, Any]]:
    """``rendered`` payloads, one per part: part ``k`` holds the languages that have ``k + 1``
    parts or more (its default is ``default_language`` if that has it)."""
    count = max(len(pages) for pages in parts.values())
    payloads: list[dict[str, Any]] = []
    for number in range(count):
        versions = {
            language: pages[number].to_dict()
            for language, pages in parts.items()
            if len(pages) > number
        }
        default = default_language if default_language in versions else next(iter(versions))
        payloads.append({"versions": versions, "default": default})
    return payloads


async def send_live(
    application: AnyApp,
    session: LiveSession,
    action: str,
    parts: Mapping[str, Sequence[Rendered]],
    *,
    default_language: str,
    sent_by: int | None,
    admin_language: str | None,
) -> int | None:
    """Send ``parts`` (per language, in order) to the event's followers, once per session
    and action. Returns the number of followers it goes to (0: nobody follows, nothing
    recorded, the button works again later), or None if it was sent already (or the
    session is over)."""
    repo = live_repo(application)
    payloads = part_payloads(parts, default_language)
    if not await repo.claim(session.id, action, sent_by, payloads):
        return None
    followers = await repo.followers(session.event_id)
    if not followers:
        await repo.release(session.id, action)
        return 0
    try:
        broadcast_id = await start_broadcast_to(
            app_deps(application),
            kind=KIND_LIVE,
            payload=payloads[0],
            targets=[
                Target(f.chat_id, f.language, f.chat_type, data=_read_of(session, action))
                for f in followers
            ],
            created_by=sent_by,
            title=_title(session, action, 0),
            admin_language=admin_language,
        )
    except Exception:
        await repo.release(session.id, action)  # nothing went out: the button works again
        raise
    await repo.record_part(session.id, action, broadcast_id, len(followers))
    if len(payloads) > 1:
        _spawn(application, session, action)
    return len(followers)


def _read_of(session: LiveSession, action: str) -> dict[str, str] | None:
    """What a follower who gets this send has read, for ``/stats``: a speaker's summary
    (``sum:<key>``), else nothing."""
    kind, _, speaker_key = action.partition(":")
    if kind != "sum" or not speaker_key:
        return None
    return {"event": session.event_id, "speaker": speaker_key}


def _title(session: LiveSession, action: str, part: int) -> str:
    suffix = f" (part {part + 1})" if part else ""
    return f"live {session.event_id} #{session.id}: {action}{suffix}"


async def _next_parts(application: AnyApp, session: LiveSession, action: str) -> None:
    """Start the remaining parts of a send, each once the previous one is finished."""
    repo = live_repo(application)
    app = app_deps(application)
    while True:
        send = await repo.get_send(session.id, action)
        if send is None or send.complete or not send.broadcasts:
            return
        previous = send.broadcasts[-1]
        row = await app.broadcasts.get(previous)
        while row is not None and row.state not in ("done", "cancelled"):
            with contextlib.suppress(TimeoutError):
                await app.broadcaster.wait_finished(previous, timeout=WAIT_STEP)
            row = await app.broadcasts.get(previous)
        targets = [] if row is None else await _targets(application, send, previous)
        if row is None or row.state != "done" or not targets:
            # Cancelled by an admin, or nobody left to read the rest: the send ends here.
            await repo.drop_parts(session.id, action)
            return
        part = len(send.broadcasts)
        broadcast_id = await start_broadcast_to(
            app,
            kind=KIND_LIVE,
            payload=send.payloads[part],
            targets=targets,
            created_by=row.created_by,
            title=_title(session, action, part),
            admin_language=row.admin_language,
        )
        await repo.record_part(session.id, action, broadcast_id)


async def _targets(application: AnyApp, send: LiveSend, previous: int) -> list[Target]:
    """The followers who got the previous part and whose language has this one."""
    got = {
        chat_id
        for chat_id, state, _ in await app_deps(application).broadcasts.outbox(previous)
        if state == "sent"
    }
    session = await live_repo(application).session(send.session_id)
    if session is None:
        return []
    languages = set(send.payloads[len(send.broadcasts)]["versions"])
    return [
        Target(f.chat_id, f.language, f.chat_type)
        for f in await live_repo(application).followers(session.event_id)
        if f.chat_id in got and f.language in languages
    ]


def _spawn(application: AnyApp, session: LiveSession, action: str) -> None:
    tasks: set[asyncio.Task[None]] = application.bot_data.setdefault(TASKS_KEY, set())
    task = asyncio.create_task(_guarded(application, session, action))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _guarded(application: AnyApp, session: LiveSession, action: str) -> None:
    try:
        await _next_parts(application, session, action)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("live %s: the parts of %s stopped", session.id, action)


async def resume(application: AnyApp) -> None:
    """At start-up: go on with sends whose next parts a restart interrupted."""
    repo = live_repo(application)
    for send in await repo.unfinished_sends():
        session = await repo.session(send.session_id)
        if session is not None:
            _spawn(application, session, send.action)


async def stop(application: AnyApp) -> None:
    """At shut-down, before the engine stops: the waiting parts go on at the next start."""
    tasks: set[asyncio.Task[None]] = application.bot_data.get(TASKS_KEY, set())
    for task in list(tasks):
        task.cancel()
    for task in list(tasks):
        with contextlib.suppress(asyncio.CancelledError):
            await task


def register(application: AnyApp) -> None:
    rendered = get_kind("rendered")
    assert rendered is not None

    async def deliver(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
        try:
            return await rendered.deliver(bot, recipient, payload)
        except Forbidden:
            # Still raised: the engine records the row as blocked (and a subscriber inactive).
            await live_repo(application).deactivate(recipient.chat_id)
            raise

    async def on_delivered(recipient: Recipient, delivered: Delivered) -> None:
        """A summary that reached a person counts as read live (groups: nobody in
        particular)."""
        read = recipient.data
        if read and recipient.chat_type == "private":
            app_deps(application).engagement.speaker_read(
                str(read["event"]), str(read["speaker"]), recipient.chat_id, source="live"
            )

    register_kind(KIND_LIVE, deliver, on_delivered)
