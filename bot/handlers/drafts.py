"""Preview first: every broadcast an admin starts from the chat is a draft until Send.

A command calls :func:`open_draft` with the broadcast (kind, payload, audience) and a
:data:`PreviewFn` that shows the admin what recipients will see, in the admin's language;
the admin then gets the recipients by language and Send / Cancel (``bc:go:ID`` /
``bc:no:ID``, routed by ``bot/handlers/broadcast.py``, which checks the rights). Send starts
the draft once through ``engine.confirm`` (a second press finds no draft any more).

Kinds that need work around Send (a poll is marked started and its closing time scheduled)
register :class:`SendHooks`, by kind, so a draft made before a restart still gets them.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakValueDictionary

from telegram import CallbackQuery, MessageEntity, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.broadcast import texts
from bot.deps import AnyApp, app_deps, deps
from bot.handlers.replies import edit, send, send_text
from bot.i18n import Translator, tr
from bot.render.types import Button, Rendered
from storage.broadcasts import Audience, BroadcastRow
from storage.clock import now_utc

DRAFT_LIFETIME = timedelta(days=1)
"""A draft's buttons work this long."""
SCHEDULE_GRACE = timedelta(minutes=1)
"""A scheduled draft confirmed this late still goes out (at once); later, it is refused."""

PreviewFn = Callable[[ContextTypes.DEFAULT_TYPE, int, Translator, int], Awaitable[None]]
"""``(context, admin chat id, admin's translator, broadcast id)``: send the admin what the
recipients will get."""
SendHook = Callable[[AnyApp, BroadcastRow, Translator], Awaitable[str | None]]


@dataclass(frozen=True)
class SendHooks:
    before: SendHook | None = None
    """Runs when Send is pressed, before anything is sent: a returned text (HTML) refuses,
    and the draft is dropped."""
    after: SendHook | None = None
    """Runs once the broadcast has started; a returned text (HTML) is sent to the admin."""


_HOOKS: dict[str, SendHooks] = {}
_PRESSES: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
"""One lock per draft being pressed: Send and Cancel of one draft run one after the other,
so a double tap (or Send and Cancel together) acts once."""


def register_send_hooks(kind: str, hooks: SendHooks) -> None:
    """Hooks for drafts of ``kind`` (registering again replaces them: tests rebuild apps)."""
    _HOOKS[kind] = hooks


def shows(kind: str, payload: Mapping[str, Any]) -> PreviewFn:
    """The preview of a built-in kind: ``rendered`` (the admin's language version),
    ``copy`` or ``text``."""

    async def preview(
        context: ContextTypes.DEFAULT_TYPE, chat_id: int, t: Translator, broadcast_id: int
    ) -> None:
        if kind == "copy":
            await context.bot.copy_message(
                chat_id, payload["from_chat_id"], payload["message_id"]
            )
        elif kind == "text":
            entities = [MessageEntity.de_json(e, context.bot) for e in payload["entities"]]
            await context.bot.send_message(
                chat_id, payload["text"], parse_mode=None, entities=entities or None
            )
        else:
            versions = payload["versions"]
            chosen = versions.get(t.language) or versions[payload["default"]]
            for part in chosen if isinstance(chosen, list) else [chosen]:  # several messages
                await send(context, chat_id, Rendered.from_dict(part))

    return preview


def inert(rendered: Rendered, broadcast_id: int) -> Rendered:
    """``rendered`` with its callback buttons made harmless (``bc:pv:ID`` only says it is
    a preview): for previews whose buttons would act, e.g. record the admin's rating."""
    data = callbacks.encode("bc", "pv", broadcast_id)
    return Rendered(
        rendered.text,
        tuple(
            tuple(
                Button(b.text, callback_data=data) if b.callback_data is not None else b
                for b in row
            )
            for row in rendered.buttons
        ),
    )


async def open_draft(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    kind: str,
    payload: dict[str, Any],
    audience: Audience,
    title: str,
    preview: PreviewFn | None = None,
    scheduled: tuple[datetime, str] | None = None,
    notes: Sequence[str] = (),
    event_id: str | None = None,
) -> int:
    """Store the draft, show the preview, ask for confirmation; returns the draft's id.

    ``preview`` defaults to :func:`shows` of ``kind``; ``scheduled`` is the sending time
    and how to say it; ``notes`` are extra lines (HTML) under the recipients; ``event_id``
    the event the broadcast is made for (its deliveries count in ``/stats EVENT_ID``)."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    t = tr()
    app = deps(context)
    broadcast_id = await app.broadcaster.create(
        kind=kind,
        payload=payload,
        audience=audience,
        created_by=user.id,
        title=title,
        draft=True,
        scheduled_at=None if scheduled is None else scheduled[0],
        admin_language=t.language,
        event_id=event_id,
    )
    row = await app.broadcasts.get(broadcast_id)
    assert row is not None
    await (preview or shows(kind, payload))(context, chat.id, t, broadcast_id)
    counts = await app.broadcasts.audience_counts(audience)
    when = None if scheduled is None else scheduled[1]
    await send(context, chat.id, texts.preview(t, row, counts, when=when, notes=notes))
    return broadcast_id


async def on_draft_button(
    context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, action: str, broadcast_id: int
) -> None:
    """``go`` (send or schedule) or ``no`` (drop) on a draft, for an admin: once, however
    often it is pressed; a stale, spent or unknown draft gets a polite refusal."""
    t = tr()
    lock = _PRESSES.get(broadcast_id)
    if lock is None:
        lock = _PRESSES[broadcast_id] = asyncio.Lock()
    async with lock:
        row = await deps(context).broadcasts.get(broadcast_id)
        if (
            row is None
            or row.state != "draft"
            or now_utc() - row.created_at >= DRAFT_LIFETIME
            or query.message is None
        ):
            await query.answer(t._("This button is no longer valid."), show_alert=True)
            return
        if action == "no":
            await deps(context).broadcaster.cancel(broadcast_id)
            await query.answer()
            await edit(query, Rendered(t._("Cancelled: nothing was sent.")))
        else:
            await _send(context, query, row, t)


async def _send(
    context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, row: BroadcastRow, t: Translator
) -> None:
    """Send (or schedule) a draft; the confirmation message becomes the progress message
    (or says when a scheduled one goes out)."""
    assert query.message is not None
    application = context.application
    app = deps(context)
    hooks = _HOOKS.get(row.kind, SendHooks())
    if hooks.before is not None:
        refusal = await hooks.before(application, row, t)
        if refusal is not None:
            await app.broadcaster.cancel(row.id)
            await query.answer()
            await edit(query, Rendered(refusal + "\n" + t._("Cancelled: nothing was sent.")))
            return
    if row.scheduled_at is not None and now_utc() - row.scheduled_at > SCHEDULE_GRACE:
        await app.broadcaster.cancel(row.id)
        await query.answer()
        when = texts.scheduled_at_text(t, row.scheduled_at, await event_zone(application, row))
        text = t._("The sending time ({when}) has passed meanwhile: nothing was scheduled.")
        await edit(query, Rendered(text.format(when=html.escape(when))))
        return
    chat_id = query.message.chat.id
    scheduled = row.scheduled_at is not None
    total = await app.broadcaster.confirm(
        row.id,
        progress_chat_id=chat_id,
        progress_message_id=None if scheduled else query.message.message_id,
    )
    if total is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    if scheduled and row.scheduled_at is not None:
        when = texts.scheduled_at_text(t, row.scheduled_at, await event_zone(application, row))
        text = t._("Scheduled: #{id} goes out at {when}. /cancel_broadcast {id} cancels it.")
        await edit(query, Rendered(text.format(id=row.id, when=html.escape(when))))
    if hooks.after is not None:
        said = await hooks.after(application, row, t)
        if said is not None:
            await send_text(context, chat_id, said)


async def event_zone(application: AnyApp, row: BroadcastRow) -> str | None:
    """The time zone of the event a broadcast is about, if any."""
    event_id = row.event_id or row.payload.get("event_id")
    event = await app_deps(application).events.get(str(event_id)) if event_id else None
    return None if event is None else event.timezone

