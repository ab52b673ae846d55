"""The digest's draft: what ``/digest EVENT_ID`` and ``/schedule EVENT_ID TIME digest`` show
the admin before Send (the commands themselves are in ``bot/handlers/broadcast.py``).

The draft is an ``event`` broadcast with ``"digest": true``: it is rendered, every message in
every language, when it starts (at Send, or when a scheduled one fires), so it shows the
event, its summaries and its rating as they are then.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.broadcast.event_kind import EVENT_KIND, digest_request
from bot.deps import deps
from bot.handlers.drafts import inert, open_draft
from bot.handlers.replies import send
from bot.i18n import Translator, tr
from bot.render.digest import render_digest
from storage.broadcasts import Audience
from storage.models import Event

PREVIEW_PARTS = 2
"""The admin sees the first messages (the header and the first speaker) in the preview."""


async def open_digest_draft(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    event: Event,
    audience: Audience,
    title: str,
    scheduled: tuple[datetime, str] | None = None,
) -> int:
    """Preview the digest in the admin's language, then Send / Cancel (or Schedule)."""
    t = tr()
    rating = await deps(context).ratings.summary(event.id)
    parts = render_digest(event, rating, t)
    shown = min(PREVIEW_PARTS, len(parts))

    async def preview(
        context: ContextTypes.DEFAULT_TYPE, chat_id: int, _t: Translator, broadcast_id: int
    ) -> None:
        for part in parts[:shown]:
            await send(context, chat_id, inert(part, broadcast_id))

    note = t.ngettext(
        "Above: the first {shown} of the {n} message each recipient gets, in this order: the "
        "header, one per speaker, then “Rate this event” with its buttons.",
        "Above: the first {shown} of the {n} messages each recipient gets, in this order: "
        "the header, one per speaker, then “Rate this event” with its buttons.",
        len(parts),
    ).format(shown=t.number(shown), n=t.number(len(parts)))
    return await open_draft(
        update,
        context,
        kind=EVENT_KIND,
        payload=digest_request(event.id),
        event_id=event.id,
        audience=audience,
        title=title,
        preview=preview,
        scheduled=scheduled,
        notes=(note,),
    )
