"""Our own flood control: one budget of sends for the whole bot.

python-telegram-bot's ``AIORateLimiter`` is not used: it releases its 429 pause early
(upstream issue #5338), knows no per-chat limit and no priorities. Here:

- :class:`Pacer` releases sends for the whole bot, interactive replies before broadcast
  messages, spaced evenly at the rate in force. However sends bunch up on the way, no
  window of ``1 + guard`` seconds holds more than the configured rate (so the server never
  counts more than that in a sliding second if the jitter stays within ``guard``), and a
  sender that lagged gets no catch-up burst. A 429 pauses everyone for ``retry_after`` and
  lowers the rate (multiplicative decrease, from what actually reached the server in the
  second before the refused send); the rate then creeps back up (additive increase), slowly
  near the level that was refused, so a bot configured above the real limit settles just
  below it.
- :class:`ChatLimiter` keeps one chat at 1 message/s (after an optional short burst) and one
  group (or channel) at 20/min, with the same margin.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from enum import IntEnum

from telegram.constants import FloodLimit

GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
PER_CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = int(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP)

QUANTUM = 0.01
"""Waiting sends are released by one timer at most every 10 ms (at 1000 msg/s, ten at a
time; at 25 msg/s, one per timer): the event loop wakes at most 100 times a second for
pacing rather than once per message. The spacing itself is exact."""

GUARD = 0.03
"""The sliding window the pacer enforces is this much longer than a second: arrivals at the
server may bunch up by as much (30 ms: scheduling, the network) and still never exceed the
configured rate in any sliding second. It also sets the initial rate: ``rate / (1 +
GUARD)``, 97 % of the configured one. (20 ms was measured too little at 1000 msg/s on a
loaded machine: one 429 episode per 10,000 sends against the strict fake.)"""
CATCH_UP = 2
"""Timer quanta a late timer may make up for (20 ms of sends): the spacing survives event
loop lag, and the window still caps what that releases at once."""

DECREASE = 0.95
"""After a 429 the rate becomes this share of the rate that the server actually took."""
SLOW_INCREASE = 0.002
"""Per second, near a level that was refused: +0.2 % of that level (0.95 → 1.0 in 25 s)."""
FAST_INCREASE = 0.05
"""Per second, below the known-good level or with no level known: +5 % of the rate."""
UNEXPLAINED_DECREASE = 0.75
"""A 429 while sending far below the rate (a per-chat limit, or a limit that changed):
the rate in force is cut by this factor, and no level is remembered."""


class Priority(IntEnum):
    INTERACTIVE = 0
    BROADCAST = 1


class Pacer:
    """The bot-wide send pacer (one per tier: free, and paid broadcasting)."""

    def __init__(
        self,
        rate: float,
        *,
        guard: float = GUARD,
        quantum: float = QUANTUM,
        min_rate: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.ceiling = rate
        """The configured rate: never more than this many sends in any ``window``."""
        self.window = 1.0 + guard
        self.min_rate = min(min_rate, rate)
        self._clock = clock
        self._quantum = quantum
        self._limit = max(1, math.floor(rate))
        self._granted: deque[float] = deque(maxlen=self._limit)
        self._history: deque[float] = deque(maxlen=2 * self._limit)
        """The last two seconds' worth of turns, to tell what a 429 was about."""
        self._top = rate / self.window
        self._rate = self._top
        self._knee: float | None = None
        self._grown_at = clock()
        self._next = 0.0
        self._paused_until = 0.0
        self._cut_at = -math.inf
        self._queues: tuple[deque[asyncio.Future[float]], ...] = (deque(), deque())
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        self.pauses = 0
        """429 pauses so far."""
        self.cuts = 0
        """Rate decreases so far."""

    # what is in force ----------------------------------------------------------------------

    @property
    def rate(self) -> float:
        """The rate in force now (msg/s): at most ``ceiling / window``."""
        self._grow(self._clock())
        return self._rate

    @property
    def paused_until(self) -> float:
        return self._paused_until

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._queues)

    # taking turns --------------------------------------------------------------------------

    async def acquire(self, priority: Priority = Priority.BROADCAST) -> float:
        """Wait for this send's turn; the clock time it was given (to pass to :meth:`pause`
        if the send is answered 429). Interactive sends go before any waiting broadcast."""
        now = self._clock()
        if not self.waiting and self.free_at() <= now:
            self.take(now)
            return now
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._queues[priority].append(future)
        self._arm(now)
        return await future

    def free_at(self) -> float:
        """When the next send may go: its even spacing, the pause, and the sliding window."""
        at = max(self._next, self._paused_until)
        if len(self._granted) == self._limit:
            at = max(at, self._granted[0] + self.window)
        return at

    def take(self, now: float) -> None:
        self._grow(now)
        self._granted.append(now)
        self._history.append(now)
        # From the later of the schedule and now (minus a late timer's lag): a sender that
        # was idle or stalled gets no burst to catch up.
        self._next = max(self._next, now - CATCH_UP * self._quantum) + 1.0 / self._rate

    def _release(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        now = self._clock()
        for queue in self._queues:
            while queue:
                if queue[0].done():  # cancelled while waiting
                    queue.popleft()
                    continue
                if self.free_at() > now:
                    self._arm(now)
                    return
                self.take(now)
                queue.popleft().set_result(now)

    def _arm(self, now: float) -> None:
        """Make sure the timer fires when the next waiting send may go (not earlier than a
        quantum after the last release)."""
        if not self.waiting:
            return
        at = max(self.free_at(), now + (self._quantum if self._timer is None else 0.0))
        if self._timer is not None:
            if self._timer_at <= at:
                return
            self._timer.cancel()
        self._timer_at = at
        self._timer = asyncio.get_running_loop().call_later(max(at - now, 0.0), self._release)

    # 429s and the rate ---------------------------------------------------------------------

    def pause(self, seconds: float, sent_at: float | None = None) -> None:
        """Telegram said 429 to a send given its turn at ``sent_at``: nobody sends before
        ``seconds`` from now, and the rate goes down (once per episode: the sends that were
        already on their way when it was cut do not cut it again)."""
        now = self._clock()
        until = now + max(seconds, 0.0)
        if until > self._paused_until:
            self._paused_until = until
            self.pauses += 1
        self._next = max(self._next, self._paused_until)
        if sent_at is None or sent_at > self._cut_at:
            self._cut(now, sent_at if sent_at is not None else now)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_at = math.inf
        self._arm(now)

    def _cut(self, now: float, sent_at: float) -> None:
        self._grow(now)
        taken = sum(1 for at in self._history if sent_at - 1.0 < at < sent_at)
        if taken >= self._rate * 0.5:
            self._knee = max(float(taken), self.min_rate)
            self._rate = max(self.min_rate, min(self._rate, DECREASE * self._knee))
        else:
            self._knee = None
            self._rate = max(self.min_rate, self._rate * UNEXPLAINED_DECREASE)
        self._cut_at = now
        self._grown_at = max(now, self._paused_until)
        self.cuts += 1

    def _grow(self, now: float) -> None:
        """Additive increase since the last look: fast up to the known-good level, slowly
        around the level that was refused, fast again once well past it."""
        if self._rate >= self._top:
            self._grown_at = now
            return
        elapsed = now - self._grown_at
        if elapsed <= 0.0:
            return
        self._grown_at = now
        knee = self._knee
        if knee is not None and self._rate > knee * 1.1:
            self._knee = knee = None
        if knee is None or self._rate < DECREASE * knee:
            step = FAST_INCREASE * self._rate * elapsed
            if knee is not None:
                step = min(step, DECREASE * knee - self._rate + SLOW_INCREASE * knee * elapsed)
        else:
            step = SLOW_INCREASE * knee * elapsed
        self._rate = min(self._top, self._rate + step)


class ChatLimiter:
    """Reservations per chat: the time each chat (and each group) may next be written to.

    A chat gets one message per ``per_chat_interval`` after a burst of at most ``burst``
    (given per call: broadcasts ask 1, replies to a person a few); a group at most
    ``group_per_minute`` in any minute. Only chats written to in the last seconds are kept
    (the dict is pruned in insertion order, which is roughly time order), so a broadcast to
    100,000 chats holds about ``rate`` entries.
    """

    def __init__(
        self,
        *,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        group_per_minute: int = GROUP_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # with the same margin as the pacer's window: arrivals bunch up on the way
        self._interval = per_chat_interval * (1.0 + GUARD)
        self._group_span = 60.0 * (1.0 + GUARD)
        self._group_limit = group_per_minute
        self._clock = clock
        self._next: dict[int | str, float] = {}
        self._groups: dict[int | str, deque[float]] = {}
        self._prune_groups_above = 1000

    def reserve(self, chat_id: int | str, chat_type: str, burst: int = 1) -> float:
        """The monotonic time at which this chat may get its next message (now or later);
        the slot is taken."""
        now = self._clock()
        self._prune(now)
        due = self._next.pop(chat_id, now)  # when the chat's "bucket" is empty again
        at = max(now, due - (burst - 1) * self._interval)
        if chat_type in GROUP_TYPES:
            window = self._groups.setdefault(chat_id, deque())
            while window and window[0] <= at - self._group_span:
                window.popleft()
            if len(window) >= self._group_limit:
                at = max(at, window[len(window) - self._group_limit] + self._group_span)
            window.append(at)
        self._next[chat_id] = max(due, at) + self._interval
        return at

    async def wait(self, chat_id: int | str, chat_type: str, burst: int = 1) -> None:
        at = self.reserve(chat_id, chat_type, burst)
        delay = at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def _prune(self, now: float) -> None:
        while self._next:
            first = next(iter(self._next))
            if self._next[first] > now:
                break
            del self._next[first]
        if len(self._groups) > self._prune_groups_above:
            # now and then, not on every send: groups written to in the last minute stay
            span = self._group_span
            for chat_id in [c for c, w in self._groups.items() if not w or w[-1] <= now - span]:
                del self._groups[chat_id]
            self._prune_groups_above = max(1000, 2 * len(self._groups))

    def __len__(self) -> int:
        return len(self._next)
