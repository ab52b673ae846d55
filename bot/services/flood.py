"""How much one chat may ask of the bot: a short burst, then it is ignored for a moment.

Telegram counts every reply against the bot's ~30 messages a second, so one person sending
/help in a loop must not make the bot flood their chat, nor eat the budget that everybody
else's replies (and broadcasts) draw from. Pure bookkeeping: no Telegram, no storage.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

PER_SECOND = 3
PER_MINUTE = 20
NOTICE_INTERVAL = 60.0
"""At most one "please wait" notice per chat in this many seconds."""
PRUNE_ABOVE = 10_000
"""Chats remembered before the quiet ones are forgotten."""


@dataclass(slots=True)
class _Chat:
    handled: deque[float] = field(default_factory=deque)
    noticed_at: float = float("-inf")


class FloodGuard:
    """Sliding windows per chat: at most ``per_second`` updates handled in any second and
    ``per_minute`` in any minute; what is over them is refused (and does not count)."""

    def __init__(
        self,
        *,
        per_second: int = PER_SECOND,
        per_minute: int = PER_MINUTE,
        notice_interval: float = NOTICE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.per_minute = per_minute
        self.notice_interval = notice_interval
        self._clock = clock
        self._chats: dict[int, _Chat] = {}
        self.refused = 0

    def admit(self, chat_id: int) -> bool:
        """Whether an update from this chat is handled now (it then counts)."""
        now = self._clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= PRUNE_ABOVE:
                self._prune(now)
            chat = self._chats[chat_id] = _Chat()
        if not self._room(chat.handled, now):
            self.refused += 1
            return False
        chat.handled.append(now)
        return True

    def ready(self, chat_id: int) -> bool:
        """Whether :meth:`admit` would take an update from this chat now (nothing counts)."""
        chat = self._chats.get(chat_id)
        return chat is None or self._room(chat.handled, self._clock())

    def _room(self, handled: deque[float], now: float) -> bool:
        while handled and handled[0] <= now - 60.0:
            handled.popleft()
        recent = sum(1 for at in handled if at > now - 1.0)  # at most per_minute entries
        return len(handled) < self.per_minute and recent < self.per_second

    def notice_due(self, chat_id: int) -> bool:
        """Whether a refused chat should be told to wait (then not again for a while)."""
        now = self._clock()
        chat = self._chats.setdefault(chat_id, _Chat())
        if now - chat.noticed_at < self.notice_interval:
            return False
        chat.noticed_at = now
        return True

    def forget(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)

    def _prune(self, now: float) -> None:
        quiet = [
            key
            for key, chat in self._chats.items()
            if (not chat.handled or chat.handled[-1] <= now - 60.0)
            and now - chat.noticed_at >= self.notice_interval
        ]
        for key in quiet:
            del self._chats[key]

    def __len__(self) -> int:
        return len(self._chats)
