"""Broadcast kinds: how one recipient gets one broadcast.

A kind is a ``deliver`` coroutine making ONE Bot API call for one recipient (errors propagate:
the engine classifies them, retries, paces) and an optional ``on_delivered`` hook that runs
once the outbox row is recorded as sent. Features register their own kinds (the polls feature
sends native polls and stops them through here); the built-in ones are below.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message, MessageEntity, Poll
from telegram.constants import ParseMode

from bot.keyboards import markup
from bot.render.types import Rendered


@dataclass(frozen=True, slots=True)
class Recipient:
    outbox_id: int
    broadcast_id: int
    chat_id: int
    language: str
    chat_type: str
    attempts: int
    """1 on the first try."""
    paid: bool = False
    """Pass ``allow_paid_broadcast=recipient.paid`` to the send method."""
    data: Mapping[str, Any] | None = None
    """The ``Target.data`` this row was created with, if any."""


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: int | None
    message: Message | None = None
    poll: Poll | None = None
    """The Poll ``stopPoll`` returned, for kinds that stop polls."""


DeliverFn = Callable[[Bot, Recipient, Mapping[str, Any]], Awaitable[Delivered]]
OnDelivered = Callable[[Recipient, Delivered], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    deliver: DeliverFn
    on_delivered: OnDelivered | None = None


_KINDS: dict[str, Kind] = {}


def register_kind(
    name: str, deliver: DeliverFn, on_delivered: OnDelivered | None = None
) -> None:
    """Make ``name`` sendable. Registering a name again replaces it (tests rebuild apps)."""
    _KINDS[name] = Kind(name, deliver, on_delivered)


def get_kind(name: str) -> Kind | None:
    return _KINDS.get(name)


def data_of(raw: str | None) -> Mapping[str, Any] | None:
    return None if raw is None else json.loads(raw)


# built-in kinds -----------------------------------------------------------------------------


class _RenderedCache:
    """``Rendered`` and its markup per (payload, language), so that a broadcast to 100,000
    chats does not rebuild its keyboard 100,000 times. Keyed by the payload object's id: the
    engine keeps one payload object per running broadcast."""

    def __init__(self) -> None:
        self._items: dict[tuple[int, str], tuple[Mapping[str, Any], str, Any]] = {}

    def get(
        self, payload: Mapping[str, Any], language: str
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        key = (id(payload), language)
        cached = self._items.get(key)
        if cached is not None and cached[0] is payload:
            return cached[1], cached[2]
        versions: Mapping[str, Any] = payload["versions"]
        chosen = versions.get(language) or versions[payload.get("default") or next(iter(versions))]
        rendered = Rendered.from_dict(dict(chosen))
        keyboard = markup(rendered)
        if len(self._items) > 64:
            self._items.clear()
        self._items[key] = (payload, rendered.text, keyboard)
        return rendered.text, keyboard


_rendered_cache = _RenderedCache()


async def deliver_rendered(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
    """``payload = {"versions": {lang: Rendered.to_dict()}, "default": lang}``."""
    text, keyboard = _rendered_cache.get(payload, recipient.language)
    message = await bot.send_message(
        recipient.chat_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        allow_paid_broadcast=recipient.paid or None,
    )
    return Delivered(message.message_id, message)


async def deliver_copy(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
    """``payload = {"from_chat_id": int, "message_id": int}`` (copyMessage)."""
    copied = await bot.copy_message(
        recipient.chat_id,
        int(payload["from_chat_id"]),
        int(payload["message_id"]),
        allow_paid_broadcast=recipient.paid or None,
    )
    return Delivered(copied.message_id)


async def deliver_text(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
    """``payload = {"text": str, "entities": [MessageEntity dicts]}``: the admin's own text
    with its formatting (entities, so no HTML parsing is involved)."""
    raw_entities = payload.get("entities") or ()
    entities = [MessageEntity.de_json(dict(e), bot) for e in raw_entities] or None
    message = await bot.send_message(
        recipient.chat_id,
        str(payload["text"]),
        parse_mode=None,
        entities=entities,
        allow_paid_broadcast=recipient.paid or None,
    )
    return Delivered(message.message_id, message)


def register_builtin_kinds() -> None:
    register_kind("rendered", deliver_rendered)
    register_kind("copy", deliver_copy)
    register_kind("text", deliver_text)


register_builtin_kinds()
