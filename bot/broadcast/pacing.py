"""Our own flood control for broadcasts.

python-telegram-bot's ``AIORateLimiter`` is not used: it releases its 429 pause early
(upstream issue #5338) and knows no per-chat limit. Here:

- :class:`Pacer` spaces every send ``1/rate`` apart for the whole bot (one timer per send,
  no thundering herd), lets a lagging sender catch up by at most ``burst`` messages, and on a
  429 pauses everyone until ``retry_after`` has passed;
- :class:`ChatLimiter` keeps one chat at 1 message/s and one group (or channel) at 20/min.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
PER_CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20


QUANTUM = 0.05
"""Sends are released on 50 ms ticks, all the sends of a tick by one timer (at 1000 msg/s,
50 at a time; at 25 msg/s, one or two): the event loop then wakes 20 times a second for
pacing rather than once per message, which saves a fifth of the CPU per message at 1000/s.
The average rate is unchanged, and a burst stays within the ``burst`` allowance."""


class Pacer:
    def __init__(
        self,
        rate: float,
        *,
        burst: float = 5.0,
        quantum: float = QUANTUM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._slack = max(burst, 1.0) * self._interval
        self._clock = clock
        self._quantum = quantum
        self._next = 0.0
        self._paused_until = 0.0
        self._ticks: dict[int, asyncio.Event] = {}
        self.pauses = 0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def reserve(self) -> float:
        """Take the next turn; the clock time at which it comes (now or later)."""
        now = self._clock()
        slot = max(self._next, now - self._slack, self._paused_until)
        self._next = slot + self._interval
        return slot

    async def acquire(self) -> None:
        """Wait for this send's turn (also after any 429 pause that starts meanwhile)."""
        while True:
            slot = self.reserve()
            now = self._clock()
            if slot > now:
                await self._tick(math.ceil(slot / self._quantum), now)
                if self._clock() < self._paused_until:
                    continue  # a 429 came while we waited: take a new turn after the pause
            return

    async def _tick(self, index: int, now: float) -> None:
        """Wait for tick ``index`` (at ``index * quantum``), sharing one timer per tick."""
        event = self._ticks.get(index)
        if event is None:
            event = asyncio.Event()
            self._ticks[index] = event
            delay = max(index * self._quantum - now, 0.0)
            asyncio.get_running_loop().call_later(delay, self._release, index)
        await event.wait()

    def _release(self, index: int) -> None:
        event = self._ticks.pop(index, None)
        if event is not None:
            event.set()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before ``seconds`` from now, and no catch-up burst
        after the pause."""
        until = self._clock() + max(seconds, 0.0)
        if until > self._paused_until:
            self._paused_until = until
            self.pauses += 1
        self._next = max(self._next, self._paused_until)


class ChatLimiter:
    """Reservations per chat: the time each chat (and each group) may next be written to.

    Only the last second of chats is kept (the dict is pruned in insertion order, which is
    time order), so a broadcast to 100,000 chats holds about ``rate`` entries.
    """

    def __init__(
        self,
        *,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        group_per_minute: int = GROUP_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = per_chat_interval
        self._group_limit = group_per_minute
        self._clock = clock
        self._next: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}

    def reserve(self, chat_id: int, chat_type: str) -> float:
        """The monotonic time at which this chat may get its next message (now or later);
        the slot is taken."""
        now = self._clock()
        self._prune(now)
        at = max(now, self._next.pop(chat_id, now))
        if chat_type in GROUP_TYPES:
            window = self._groups.setdefault(chat_id, deque())
            while window and window[0] <= at - 60.0:
                window.popleft()
            if len(window) >= self._group_limit:
                at = max(at, window[len(window) - self._group_limit] + 60.0)
            window.append(at)
        self._next[chat_id] = at + self._interval
        return at

    async def wait(self, chat_id: int, chat_type: str) -> None:
        at = self.reserve(chat_id, chat_type)
        delay = at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def _prune(self, now: float) -> None:
        while self._next:
            first = next(iter(self._next))
            if self._next[first] > now:
                break
            del self._next[first]
        if len(self._groups) > 1000:
            for chat_id in [c for c, w in self._groups.items() if not w or w[-1] <= now - 60.0]:
                del self._groups[chat_id]

    def __len__(self) -> int:
        return len(self._next)
