"""One send budget for the whole bot, through python-telegram-bot's rate-limiter hook.

Telegram's ~30 messages per second count every message a bot sends, replies included. Every
Bot API call passes through :meth:`SendBudget.process_request`; the ones that put a message
into a chat (``send*`` but chat actions, ``copy*``, ``forward*``, and ``stopPoll``) draw from
the same :class:`~bot.broadcast.pacing.Pacer` as broadcasts, interactive ones first, after
their chat's turn (:class:`~bot.broadcast.pacing.ChatLimiter`: a person may get a short burst
of replies, then one a second; a group 20 a minute). A 429 pauses everyone and lowers the
rate; the reply is then tried again after the pause.

The broadcast engine takes its turns itself (with the lower priority, so a running broadcast
yields to replies) and handles its own errors: its sends run under :data:`PACED` and pass
straight through.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.broadcast.pacing import ChatLimiter, Pacer, Priority

log = logging.getLogger(__name__)

PACED: ContextVar[bool] = ContextVar("eventbot_paced", default=False)
"""Set by the broadcast engine around a send whose turn it has already taken."""

PAID_MAX_RATE = float(FloodLimit.PAID_MESSAGES_PER_SECOND)
"""Telegram's ceiling for paid broadcasts (``allow_paid_broadcast``), messages/s."""
FREE_RATE_WITH_PAID = 25.0
"""With paid broadcasting, what is not paid (replies) stays below Telegram's free ~30/s."""
REPLY_BURST = 3
"""Replies a private chat may get back to back before the 1 message/s pace applies."""
MAX_RETRIES = 2
"""An interactive send answered 429 is tried again this many times, after each pause."""

Result = bool | dict[str, Any] | list[dict[str, Any]]


def counted(endpoint: str) -> bool:
    """Whether a Bot API method puts a message into a chat (and so counts against the
    budget). Edits, callback answers and reads do not."""
    if endpoint == "sendChatAction":
        return False
    return endpoint.startswith(("send", "copy", "forward")) or endpoint == "stopPoll"


def chat_type_of(chat_id: object) -> str:
    """The chat type as far as flood limits go: negative ids and ``@names`` are groups or
    channels (20 a minute), positive ids people."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return "channel"
    if isinstance(chat_id, int):
        return "private" if chat_id > 0 else "supergroup"
    return "private"


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives an int or (opted in) a timedelta."""
    with warnings.catch_warnings():  # no await inside: safe in the event loop
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class SendBudget(BaseRateLimiter[None]):
    def __init__(self, rate: float, *, paid: bool = False) -> None:
        self.paid = paid
        self.rate = min(rate, PAID_MAX_RATE) if paid else rate
        self.free = Pacer(min(self.rate, FREE_RATE_WITH_PAID) if paid else self.rate)
        """The pacer of every send that is not a paid broadcast."""
        self.paid_pacer = Pacer(self.rate) if paid else None
        self.chats = ChatLimiter()

    def pacer_for(self, paid: bool) -> Pacer:
        return self.paid_pacer if paid and self.paid_pacer is not None else self.free

    async def initialize(self) -> None:
        """Nothing to set up: the pacers need no resources."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        if PACED.get() or not counted(endpoint):
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        chat_type = chat_type_of(chat_id)
        pacer = self.pacer_for(data.get("allow_paid_broadcast") is True)
        burst = REPLY_BURST if chat_type == "private" else 1
        attempt = 0
        while True:
            if isinstance(chat_id, int | str):
                await self.chats.wait(chat_id, chat_type, burst)
            sent_at = await pacer.acquire(Priority.INTERACTIVE)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                pacer.pause(seconds, sent_at)
                attempt += 1
                log.warning(
                    "%s answered 429: all sending paused for %s s (try %s of %s)",
                    endpoint,
                    seconds,
                    attempt,
                    MAX_RETRIES + 1,
                )
                if attempt > MAX_RETRIES:
                    raise
