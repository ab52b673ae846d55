"""Broadcast kinds: how one recipient gets one broadcast.

A kind is a ``deliver`` coroutine making ONE Bot API call for one recipient (errors propagate:
the engine classifies them, retries, paces) and an optional ``on_delivered`` hook that runs
once the outbox row is recorded as sent. Features register their own kinds (the polls feature
sends native polls and stops them through here); the built-in ones are below.

A kind with ``parts`` sends several messages per recipient (a digest): ``parts(payload,
language)`` says how many, and ``deliver`` sends ``recipient.part`` (0-based); the engine sends
them in order, one chat's pace apart, the next only after the previous one succeeded.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Message, Poll
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.keyboards import markup
from bot.render.types import Rendered
from bot.transport import AiohttpRequest


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
    part: int = 0
    """Which message of a multi-part broadcast to send (0-based; always 0 for the others)."""


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: int | None
    message: Message | None = None
    poll: Poll | None = None
    """The Poll ``stopPoll`` returned, for kinds that stop polls."""


DeliverFn = Callable[[Bot, Recipient, Mapping[str, Any]], Awaitable[Delivered]]
OnDelivered = Callable[[Recipient, Delivered], Awaitable[None]]
PartsFn = Callable[[Mapping[str, Any], str], int]
"""``(payload, language)``: how many messages a recipient in that language gets."""


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    deliver: DeliverFn
    on_delivered: OnDelivered | None = None
    parts: PartsFn | None = None
    """None: one message per recipient."""

    def parts_of(self, payload: Mapping[str, Any], language: str) -> int:
        return 1 if self.parts is None else max(1, self.parts(payload, language))


_KINDS: dict[str, Kind] = {}


def register_kind(
    name: str,
    deliver: DeliverFn,
    on_delivered: OnDelivered | None = None,
    *,
    parts: PartsFn | None = None,
) -> None:
    """Make ``name`` sendable. Registering a name again replaces it (tests rebuild apps)."""
    _KINDS[name] = Kind(name, deliver, on_delivered, parts)


def get_kind(name: str) -> Kind | None:
    return _KINDS.get(name)


def data_of(raw: str | None) -> Mapping[str, Any] | None:
    return None if raw is None else json.loads(raw)


# built-in kinds -----------------------------------------------------------------------------


SEND_MESSAGE = "SendMessage"
"""Bot API method names are case-insensitive; this spelling is no ``Bot`` attribute, so
``do_api_request`` sends it without a warning and returns the raw JSON. Built-in kinds skip
building a ``Message`` object for each of 100,000 answers: it is most of python-telegram-bot's
CPU cost per send."""
NO_PREVIEW = json.dumps({"is_disabled": True})


async def send_raw(bot: Bot, params: dict[str, Any]) -> int:
    """``sendMessage`` with ready-made parameters; the new message's id."""
    request = bot.request
    if isinstance(request, AiohttpRequest):
        result = await request.post_json(f"{bot.base_url}/sendMessage", params)
    else:
        result = await bot.do_api_request(SEND_MESSAGE, api_kwargs=params)
    if not isinstance(result, dict) or "message_id" not in result:
        raise TelegramError(f"unexpected sendMessage result: {result!r}"[:200])
    return int(result["message_id"])


def rendered_version(payload: Mapping[str, Any], language: str) -> Any:
    """A ``rendered`` payload's version for ``language`` (else the default's): one
    ``Rendered`` dict, or a list of them (several messages, in order)."""
    versions: Mapping[str, Any] = payload["versions"]
    return versions.get(language) or versions[payload.get("default") or next(iter(versions))]


def rendered_parts(payload: Mapping[str, Any], language: str) -> int:
    try:
        chosen = rendered_version(payload, language)
    except (KeyError, StopIteration, TypeError):  # a bad payload fails its sends, not this
        return 1
    return len(chosen) if isinstance(chosen, list) else 1


class _RenderedCache:
    """The text and the JSON keyboard per (payload, language, part), so that a broadcast to
    100,000 chats does not rebuild them each time. Keyed by the payload object's id: the
    engine keeps one payload object per running broadcast (and the entry keeps it alive)."""

    def __init__(self) -> None:
        self._items: dict[tuple[int, str, int], tuple[Mapping[str, Any], dict[str, Any]]] = {}

    def get(self, payload: Mapping[str, Any], language: str, part: int = 0) -> dict[str, Any]:
        key = (id(payload), language, part)
        cached = self._items.get(key)
        if cached is not None and cached[0] is payload:
            return cached[1]
        chosen = rendered_version(payload, language)
        if isinstance(chosen, list):
            chosen = chosen[part]
        rendered = Rendered.from_dict(dict(chosen))
        keyboard = markup(rendered)
        params: dict[str, Any] = {
            "text": rendered.text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": NO_PREVIEW,
        }
        if keyboard is not None:
            params["reply_markup"] = json.dumps(keyboard.to_dict(), ensure_ascii=False)
        if len(self._items) > 256:
            self._items.clear()
        self._items[key] = (payload, params)
        return params


_rendered_cache = _RenderedCache()


def _common(recipient: Recipient) -> dict[str, Any]:
    params: dict[str, Any] = {"chat_id": recipient.chat_id}
    if recipient.paid:
        params["allow_paid_broadcast"] = True
    return params


async def deliver_rendered(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
    """``payload = {"versions": {lang: Rendered.to_dict()}, "default": lang}``: each
    recipient gets their language's version, else the default's (HTML, no link preview).
    A version may be a list of ``Rendered`` dicts: several messages, part by part."""
    params = _common(recipient)
    params.update(_rendered_cache.get(payload, recipient.language, recipient.part))
    return Delivered(await send_raw(bot, params))


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
    with its formatting (as entities, so no HTML parsing is involved)."""
    params = _common(recipient)
    params["text"] = str(payload["text"])
    if payload.get("entities"):
        params["entities"] = json.dumps(payload["entities"], ensure_ascii=False)
    return Delivered(await send_raw(bot, params))


def register_builtin_kinds() -> None:
    register_kind("rendered", deliver_rendered, parts=rendered_parts)
    register_kind("copy", deliver_copy)
    register_kind("text", deliver_text)


register_builtin_kinds()
