"""Group -3: one log line per incoming update, before anything else runs.

The line carries structured fields (``update_id``, ``chat_id``, ``user_id``, ``kind`` and, for
commands, ``command``; ``LOG_FORMAT=json`` makes them JSON keys). It never holds message
text or names: what was said stays out of the logs. Cheap: no database, no network.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.deps import AnyApp

log = logging.getLogger("bot.updates")

_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
    "pre_checkout_query",
    "shipping_query",
)


def update_kind(update: Update) -> str:
    """The update's type: ``message``, ``callback_query``, ``my_chat_member``…"""
    for kind in _KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def command_of(update: Update) -> str | None:
    """``/start`` for ``/start@eventbot_test foo``; None if the update is not a command."""
    message = update.message
    text = message.text if message is not None else None
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0].split("@", 1)[0][:64]


def update_fields(update: Update) -> dict[str, Any]:
    chat = update.effective_chat
    user = update.effective_user
    fields: dict[str, Any] = {
        "ev_update_id": update.update_id,
        "ev_kind": update_kind(update),
        "ev_chat_id": chat.id if chat else None,
        "ev_user_id": user.id if user else None,
    }
    command = command_of(update)
    if command is not None:
        fields["ev_command"] = command
    elif update.callback_query is not None and update.callback_query.data:
        fields["ev_callback"] = update.callback_query.data.split(":", 1)[0][:16]
    return fields


async def log_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One line per update at INFO; votes (``poll``/``poll_answer``) at DEBUG, since they
    come by the thousand and a line each would cost more than storing the vote."""
    if not isinstance(update, Update):
        return
    level = logging.DEBUG if update.poll_answer or update.poll else logging.INFO
    if not log.isEnabledFor(level):
        return
    fields = update_fields(update)
    log.log(level, "update %s", fields["ev_kind"], extra=fields)


def register(application: AnyApp) -> None:
    application.add_handler(TypeHandler(object, log_update, block=True), group=-3)
