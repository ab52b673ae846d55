"""Admin broadcasting: ``/announce``, ``/broadcast``, ``/schedule``, ``/broadcasts``,
``/cancel_broadcast`` and the ``bc:`` buttons (Send / Cancel / Stop sending).

Every broadcast starts as a draft: the admin sees the message as recipients will, the number
of recipients, and confirms. Only ADMIN_IDS may do any of it; others are refused and nothing
happens. Sending itself is the engine's (``bot/broadcast``).
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.broadcast import texts
from bot.broadcast.event_kind import EVENT_KIND, event_payload
from bot.broadcast.parsing import (
    FilterError,
    parse_filters,
    parse_when,
    split_leading_filters,
    utf16_offset,
)
from bot.deps import AnyApp, Deps, deps
from bot.handlers.replies import NEW_MESSAGES, edit, refuse, send, send_text
from bot.handlers.rights import ensure_bot_admin, is_bot_admin
from bot.i18n import Translator, tr
from bot.render.types import Rendered
from storage.broadcasts import Audience, BroadcastRow
from storage.clock import now_utc
from storage.models import TOPICS

log = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(days=1)
TITLE_LENGTH = 60


def _filter_problem(t: Translator, error: FilterError) -> str:
    value = html.escape(error.value)
    if error.problem == "language":
        return t._("Unknown language “{value}”: use en, ru or ko.").format(value=value)
    if error.problem == "topic":
        return t._("Unknown topic “{value}”: use {topics}.").format(
            value=value, topics=", ".join(TOPICS)
        )
    if error.problem == "groups":
        return t._("“{value}”: write groups=yes or groups=no.").format(value=value)
    return t._(
        "I don't understand “{value}”. Filters: lang=ru,ko topic=researchers groups=no."
    ).format(value=value)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


async def _preview_content(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    t: Translator,
) -> None:
    """The message as its recipients will see it (the admin's language version)."""
    if kind == "copy":
        await context.bot.copy_message(chat_id, payload["from_chat_id"], payload["message_id"])
    elif kind == "text":
        entities = [MessageEntity.de_json(e, context.bot) for e in payload["entities"]]
        await context.bot.send_message(
            chat_id, payload["text"], parse_mode=None, entities=entities or None
        )
    else:
        versions = payload["versions"]
        chosen = versions.get(t.language) or versions[payload["default"]]
        await send(context, chat_id, Rendered.from_dict(chosen))


async def _draft(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    kind: str,
    payload: dict[str, Any],
    audience: Audience,
    title: str,
    preview_payload: tuple[str, dict[str, Any]] | None = None,
    scheduled: tuple[datetime, str] | None = None,
) -> None:
    """Store the draft, show the preview, ask for confirmation."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    t = tr()
    engine = deps(context).broadcaster
    broadcast_id = await engine.create(
        kind=kind,
        payload=payload,
        audience=audience,
        created_by=user.id,
        title=title,
        draft=True,
        scheduled_at=None if scheduled is None else scheduled[0],
        admin_language=t.language,
    )
    row = await deps(context).broadcasts.get(broadcast_id)
    assert row is not None
    shown_kind, shown_payload = preview_payload or (kind, payload)
    await _preview_content(context, chat.id, shown_kind, shown_payload, t)
    counts = await deps(context).broadcasts.audience_counts(audience)
    when = None if scheduled is None else scheduled[1]
    await send(context, chat.id, texts.preview(t, row, counts, when=when))


# commands -----------------------------------------------------------------------------------


async def announce(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/announce EVENT_ID [filters]``: the event card to subscribers, each in their
    language."""
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = list(context.args or [])
    if not args:
        await send_text(
            context,
            chat.id,
            t._("Usage: /announce EVENT_ID [lang=ru,ko] [topic=researchers] [groups=no]"),
        )
        return
    try:
        audience = parse_filters(args[1:])
    except FilterError as error:
        await send_text(context, chat.id, _filter_problem(t, error))
        return
    event = await deps(context).events.get(args[0])
    if event is None:
        await send_text(context, chat.id, t._("Sorry, I could not find this event."))
        return
    await _draft(
        update,
        context,
        kind="rendered",
        payload=event_payload(event),
        audience=audience,
        title=_title(event.title.get(t.language)),
    )


async def schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/schedule EVENT_ID <YYYY-MM-DD HH:MM | +2h | +30m> [filters]``: the event card at
    that time (in the event's time zone), rendered when it is sent."""
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = list(context.args or [])
    usage = t._(
        "Usage: /schedule EVENT_ID YYYY-MM-DD HH:MM (in the event's time zone) or "
        "/schedule EVENT_ID +2h (+30m, +1d…), then optional filters as for /announce."
    )
    if len(args) < 2:
        await send_text(context, chat.id, usage)
        return
    event = await deps(context).events.get(args[0])
    if event is None:
        await send_text(context, chat.id, t._("Sorry, I could not find this event."))
        return
    now = now_utc()
    parsed = parse_when(args[1:], now, event.timezone)
    if parsed is None:
        await send_text(context, chat.id, usage)
        return
    when, used = parsed
    if when <= now:
        await send_text(context, chat.id, t._("This time has already passed."))
        return
    try:
        audience = parse_filters(args[1 + used :])
    except FilterError as error:
        await send_text(context, chat.id, _filter_problem(t, error))
        return
    await _draft(
        update,
        context,
        kind=EVENT_KIND,
        payload={"event_id": event.id, "reminder": None},
        audience=audience,
        title=_title(event.title.get(t.language)),
        preview_payload=("rendered", event_payload(event)),
        scheduled=(when, texts.scheduled_at_text(t, when, event.timezone)),
    )


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/broadcast [filters] text`` or ``/broadcast [filters]`` in reply to a message (copied
    as it is: text, photo with caption, document…)."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    text = message.text or ""
    command_end = text.find(" ") if " " in text else len(text)
    tokens, start = split_leading_filters(text[command_end:])
    body_start = command_end + start
    try:
        audience = parse_filters(tokens)
    except FilterError as error:
        await send_text(context, chat.id, _filter_problem(t, error))
        return
    body = text[body_start:]
    replied = message.reply_to_message
    if replied is not None and not body.strip():
        payload: dict[str, Any] = {"from_chat_id": chat.id, "message_id": replied.message_id}
        await _draft(
            update,
            context,
            kind="copy",
            payload=payload,
            audience=audience,
            title=_title(replied.text or replied.caption or t._("a copied message")),
        )
        return
    if not body.strip():
        await send_text(
            context,
            chat.id,
            t._(
                "Usage: /broadcast [lang=ru,ko] [topic=researchers] [groups=no] text — or "
                "reply /broadcast to the message to send (text, photo, document)."
            ),
        )
        return
    await _draft(
        update,
        context,
        kind="text",
        payload={"text": body, "entities": _body_entities(message, text, body_start)},
        audience=audience,
        title=_title(body),
    )


def _body_entities(message: Message, text: str, body_start: int) -> list[dict[str, Any]]:
    """The admin's formatting of the text after the command, offsets shifted to the body."""
    shift = utf16_offset(text, body_start)
    entities: list[dict[str, Any]] = []
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND or entity.offset < shift:
            continue
        data = entity.to_dict()
        data["offset"] = entity.offset - shift
        entities.append(data)
    return entities


async def list_broadcasts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    rows = await deps(context).broadcasts.recent(10)
    when: dict[int, str] = {}
    for row, _ in rows:
        if row.state == "scheduled" and row.scheduled_at is not None:
            moment = t.datetime(row.scheduled_at, await _zone(deps(context), row))
            when[row.id] = t._("Sending time: {when}").format(when=moment)
        elif row.started_at is not None:
            moment = t.datetime(row.started_at, await _zone(deps(context), row))
            when[row.id] = t._("Started: {when}").format(when=moment)
    await send_text(context, chat.id, texts.listing(t, rows, when))


async def cancel_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await send_text(context, chat.id, t._("Usage: /cancel_broadcast ID (see /broadcasts)"))
        return
    broadcast_id = int(args[0].lstrip("#"))
    previous = await deps(context).broadcaster.cancel(broadcast_id)
    if previous is None:
        await send_text(
            context,
            chat.id,
            t._("Broadcast #{id} is not waiting or running: nothing to cancel.").format(
                id=broadcast_id
            ),
        )
        return
    text = t._("Broadcast #{id} cancelled: what was sent stays sent, nothing more goes out.")
    await send_text(context, chat.id, text.format(id=broadcast_id))


# buttons ------------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``bc:go:ID`` (send or schedule a draft), ``bc:no:ID`` (drop it), ``bc:stop:ID``."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, "bc", (str, int))
    if decoded is None or decoded[0] not in ("go", "no", "stop"):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    if not is_bot_admin(update, context):
        await refuse(update, context, t._("Sorry, this command is for the bot's administrators."))
        return
    action, broadcast_id = decoded
    app = deps(context)
    row = await app.broadcasts.get(broadcast_id)
    fresh = row is not None and now_utc() - row.created_at < DRAFT_LIFETIME
    if action == "stop":
        if row is None or row.state not in ("running", "scheduled"):
            await query.answer(t._("This button is no longer valid."), show_alert=True)
            return
        await app.broadcaster.cancel(broadcast_id)
        await query.answer(t._("Stopping: what was sent stays sent."))
        return
    if row is None or row.state != "draft" or not fresh or query.message is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    if action == "no":
        await app.broadcaster.cancel(broadcast_id)
        await query.answer()
        await edit(query, Rendered(t._("Cancelled: nothing was sent.")))
        return
    await _confirm(app, query, row.id, row.scheduled_at is not None, t)


async def _zone(app: Deps, row: BroadcastRow) -> str:
    """Times of event broadcasts in the event's zone, others in UTC."""
    event_id = row.event_id or row.payload.get("event_id")
    event = await app.events.get(str(event_id)) if event_id else None
    return event.timezone if event is not None else "UTC"


async def _confirm(
    app: Deps, query: CallbackQuery, broadcast_id: int, scheduled: bool, t: Translator
) -> None:
    assert query.message is not None
    chat_id = query.message.chat.id
    total = await app.broadcaster.confirm(
        broadcast_id,
        progress_chat_id=chat_id,
        progress_message_id=None if scheduled else query.message.message_id,
    )
    if total is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    row = await app.broadcasts.get(broadcast_id)
    if scheduled and row is not None and row.scheduled_at is not None:
        when = t.datetime(row.scheduled_at, await _zone(app, row))
        text = t._("Scheduled: #{id} goes out at {when}. /cancel_broadcast {id} cancels it.")
        await edit(query, Rendered(text.format(id=broadcast_id, when=when)))


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("announce", announce, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("broadcast", broadcast, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("broadcasts", list_broadcasts, filters=NEW_MESSAGES))
    application.add_handler(
        CommandHandler("cancel_broadcast", cancel_broadcast, filters=NEW_MESSAGES)
    )
    application.add_handler(CommandHandler("schedule", schedule, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern("bc")))
