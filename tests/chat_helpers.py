"""Small helpers for end-to-end chat flows against the fake Bot API."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.services.flood import FloodGuard
from tests.fakebot import FakeBotApi, Request


def buttons(request: Request) -> list[list[dict[str, Any]]]:
    """The inline keyboard of a sendMessage/editMessageText request (rows of buttons)."""
    markup = request.params.get("reply_markup") or {}
    keyboard: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
    return keyboard


def callback_data(request: Request) -> list[str]:
    return [b["callback_data"] for row in buttons(request) for b in row if "callback_data" in b]


def labels(request: Request) -> list[str]:
    return [b["text"] for row in buttons(request) for b in row]


def message_id(request: Request) -> int:
    """The id of the message a successful send created (or an edit changed)."""
    result = request.result
    assert isinstance(result, dict), request.summary()
    return int(result["message_id"])


async def say(
    api: FakeBotApi, chat_id: int, text: str, contains: str | None = None, **kwargs: Any
) -> Request:
    """Send ``text`` as the user and return the bot's first new message containing
    ``contains`` (any new message if None)."""
    before = len(api.requests)
    api.inject_message(chat_id, text, **kwargs)
    return await api.wait_for(
        lambda r: (
            r in api.requests[before:]
            and r.method == "sendMessage"
            and r.ok
            and r.chat_id == chat_id
            and (contains is None or contains in r.params["text"])
        )
    )


async def press(api: FakeBotApi, chat_id: int, msg_id: int, data: str, **kwargs: Any) -> Request:
    """Press a button and return the bot's answerCallbackQuery (sent after its edits)."""
    update = api.inject_callback_query(chat_id, data, message_id=msg_id, **kwargs)
    query_id = update["callback_query"]["id"]
    return await api.wait_for(
        lambda r: (
            r.method == "answerCallbackQuery" and str(r.params["callback_query_id"]) == query_id
        )
    )


def edits(api: FakeBotApi, chat_id: int, msg_id: int) -> list[Request]:
    return [
        r
        for r in api.calls("editMessageText", chat_id, ok=True)
        if r.params.get("message_id") == msg_id
    ]


async def calm(guard: FloodGuard, chat_id: int, timeout: float = 5.0) -> None:
    """Wait until the bot takes messages from ``chat_id`` again, as a person typing at a
    human pace would (the flood guard drops a fourth message within a second)."""
    async with asyncio.timeout(timeout):
        while not guard.ready(chat_id):
            await asyncio.sleep(0.05)


async def confirm_draft(
    api: FakeBotApi, chat_id: int, command: str, action: str = "go", **kwargs: Any
) -> Request:
    """Send an admin command that makes a broadcast draft, then press its Send (``go``) or
    Cancel (``no``) button; returns the confirmation message (with the Send / Cancel
    buttons), after the press was answered."""
    confirmation = await say(api, chat_id, command, contains="Send it?", **kwargs)
    data = next(d for d in callback_data(confirmation) if d.startswith(f"bc:{action}:"))
    await press(api, chat_id, message_id(confirmation), data, user_id=kwargs.get("user_id"))
    return confirmation
