"""Admin broadcasting: ``/announce``, ``/digest``, ``/broadcast``, ``/schedule``,
``/broadcasts``, ``/cancel_broadcast`` and the ``bc:`` buttons (Send / Cancel / Stop sending).

Every broadcast starts as a draft: the admin sees the message as recipients will, the number
of recipients, and confirms. Only ADMIN_IDS may do any of it; others are refused and nothing
happens. Sending itself is the engine's (``bot/broadcast``).
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.broadcast import texts
from bot.broadcast.event_kind import EVENT_KIND, event_payload
from bot.broadcast.parsing import (
    MAX_AHEAD,
    FilterError,
    WhenError,
    parse_filters,
    parse_when,
    split_leading_filters,
    utf16_offset,
)
from bot.deps import AnyApp, deps
from bot.handlers.digest import open_digest_draft
from bot.handlers.drafts import on_draft_button, open_draft, shows
from bot.handlers.replies import NEW_MESSAGES, refuse, send_text
from bot.handlers.rights import ensure_bot_admin, is_bot_admin
from bot.i18n import Translator, tr
from bot.render.dates import admin_time
from storage.clock import now_utc
from storage.models import TOPICS

log = logging.getLogger(__name__)

TITLE_LENGTH = 60
DIGEST_WORD = "digest"
"""``/schedule EVENT_ID TIME digest [filters]`` schedules the event's digest."""


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
    await open_draft(
        update,
        context,
        kind="rendered",
        payload=event_payload(event),
        audience=audience,
        title=_title(event.title.get(t.language)),
        event_id=event.id,
    )


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/digest EVENT_ID [filters]``: the summary of the discussion to subscribers, each in
    their language: a header, one message per speaker, then "Rate this event"."""
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = list(context.args or [])
    if not args:
        await send_text(
            context,
            chat.id,
            t._("Usage: /digest EVENT_ID [lang=ru,ko] [topic=researchers] [groups=no]"),
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
    if not event.speakers:
        await send_text(context, chat.id, t._("This event has no speakers: it has no digest."))
        return
    await open_digest_draft(update, context, event, audience, _title(event.title.get(t.language)))


def schedule_usage(t: Translator) -> str:
    return t._(
        "Usage: /schedule EVENT_ID TIME [filters as for /announce]. TIME is one of:\n"
        "• 2026-05-01 15:00 — in the event's time zone (add UTC or +03:00 for another);\n"
        "• 2026-05-01T15:00:00Z or 2026-05-01T15:00+03:00 — ISO 8601;\n"
        "• +90s, +20m, +2h, +1d, +1h30m, in 2h, in 90 min — from now."
    ) + "\n" + t._("Add “digest” after TIME to schedule the event's digest instead of its card.")


def when_problem(t: Translator, error: WhenError) -> str:
    """Why a sending time is refused, with the formats when it could not be read."""
    value = html.escape(error.value)
    if error.problem == "past" and error.moment is not None:
        return t._("{when} has already passed: give a time in the future.").format(
            when=html.escape(admin_time(error.moment, t))
        )
    if error.problem == "too_far":
        days = MAX_AHEAD.days
        return t.ngettext(
            "“{value}” is too far ahead: a broadcast can be scheduled at most {n} day ahead.",
            "“{value}” is too far ahead: a broadcast can be scheduled at most {n} days ahead.",
            days,
        ).format(value=value, n=t.number(days))
    if error.problem == "invalid":
        return t._("There is no such date, time or offset: “{value}”.").format(value=value)
    return (
        t._("I could not read the time “{value}”.").format(value=value)
        + "\n\n"
        + html.escape(schedule_usage(t), quote=False)
    )


async def schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/schedule EVENT_ID TIME [filters]``: the event card at that time (see
    :func:`~bot.broadcast.parsing.parse_when`), rendered when it is sent."""
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    args = list(context.args or [])
    if len(args) < 2:
        await send_text(context, chat.id, html.escape(schedule_usage(t), quote=False))
        return
    event = await deps(context).events.get(args[0])
    if event is None:
        await send_text(context, chat.id, t._("Sorry, I could not find this event."))
        return
    try:
        when, used = parse_when(args[1:], now_utc(), event.timezone)
        rest = args[1 + used :]
        is_digest = bool(rest) and rest[0].lower() == DIGEST_WORD
        audience = parse_filters(rest[1:] if is_digest else rest)
    except WhenError as error:
        await send_text(context, chat.id, when_problem(t, error))
        return
    except FilterError as error:
        await send_text(context, chat.id, _filter_problem(t, error))
        return
    if is_digest:
        if not event.speakers:
            text = t._("This event has no speakers: it has no digest.")
            await send_text(context, chat.id, text)
            return
        title = _title(event.title.get(t.language))
        when_text = texts.scheduled_at_text(t, when, event.timezone)
        await open_digest_draft(update, context, event, audience, title, (when, when_text))
        return
    await open_draft(
        update,
        context,
        kind=EVENT_KIND,
        payload={"event_id": event.id, "reminder": None},
        audience=audience,
        title=_title(event.title.get(t.language)),
        preview=shows("rendered", event_payload(event)),
        scheduled=(when, texts.scheduled_at_text(t, when, event.timezone)),
        event_id=event.id,
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
        await open_draft(
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
    await open_draft(
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
        if row.state in ("scheduled", "draft") and row.scheduled_at is not None:
            moment = admin_time(row.scheduled_at, t)
            when[row.id] = t._("Sending time: {when}").format(when=moment)
        elif row.started_at is not None:
            moment = admin_time(row.started_at, t)
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
    """``bc:go:ID`` (send or schedule a draft), ``bc:no:ID`` (drop it), ``bc:stop:ID``,
    ``bc:pv:ID`` (a button of a preview: does nothing)."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, "bc", (str, int))
    if decoded is None or decoded[0] not in ("go", "no", "stop", "pv"):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    action, broadcast_id = decoded
    if action == "pv":
        await query.answer(t._("This is only a preview: its buttons do nothing."))
        return
    if not is_bot_admin(update, context):
        await refuse(update, context, t._("Sorry, this command is for the bot's administrators."))
        return
    if action != "stop":
        await on_draft_button(context, query, action, broadcast_id)
        return
    row = await deps(context).broadcasts.get(broadcast_id)
    if row is None or row.state not in ("running", "scheduled"):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    await deps(context).broadcaster.cancel(broadcast_id)
    await query.answer(t._("Stopping: what was sent stays sent."))


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("announce", announce, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("digest", digest, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("broadcast", broadcast, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("broadcasts", list_broadcasts, filters=NEW_MESSAGES))
    application.add_handler(
        CommandHandler("cancel_broadcast", cancel_broadcast, filters=NEW_MESSAGES)
    )
    application.add_handler(CommandHandler("schedule", schedule, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern("bc")))
