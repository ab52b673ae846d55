"""Scripted and random failures, blocked and migrated chats, and the rate limiter."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from http import HTTPStatus

from tests.fakebot.names import CHAT_WRITES, MESSAGE_CREATING, RATE_LIMITED, canonical
from tests.fakebot.records import ApiError

ChatKey = int | str


def too_many_requests(retry_after: int) -> ApiError:
    """Telegram's 429 answer, which PTB turns into ``RetryAfter(retry_after)``."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def error_for_status(
    status: int, *, retry_after: int | None = None, description: str | None = None
) -> ApiError:
    """An error answer with Telegram's usual description for ``status``."""
    if status == 429:
        error = too_many_requests(retry_after if retry_after is not None else 1)
        if description:
            error.description = description
        return error
    if description is None:
        prefix = {400: "Bad Request", 403: "Forbidden", 409: "Conflict"}.get(status)
        if prefix:
            description = f"{prefix}: scripted failure"
        else:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = f"HTTP error {status}"
    parameters = {"retry_after": retry_after} if retry_after is not None else None
    return ApiError(status, description, parameters)


_BLOCKED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot was kicked from the channel chat",
}


@dataclass
class ScriptedFailure:
    """One entry of the ``fail_next`` queue."""

    method: str | None
    chat_id: ChatKey | None
    status: int
    remaining: int
    retry_after: int | None = None
    description: str | None = None

    def matches(self, method: str, chat_id: ChatKey | None) -> bool:
        """``method`` None matches every method except ``getUpdates`` (name it to fail that)."""
        if self.method is None:
            if method == "getUpdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity``; starts full."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Telegram-like flood control over the sending methods, with token buckets.

    One global bucket (``per_second``; ``paid_per_second`` for ``allow_paid_broadcast``
    sends), and optionally one bucket per chat (``per_chat_per_second``) and one per group
    (``per_group_per_minute``, for negative chat ids). A request is allowed only if every
    bucket it draws from has a token; a refused request takes no token.

    A bucket forgives a burst after a quiet spell (it refills while nothing is sent):
    :class:`StrictRateLimiter` does not.
    """

    def __init__(
        self,
        per_second: float | None,
        *,
        now: float,
        retry_after: int | None = 1,
        per_chat_per_second: float | None = None,
        per_group_per_minute: float | None = None,
        paid_per_second: float | None = 1000.0,
        burst: float | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.methods: Collection[str] = (
            RATE_LIMITED if methods is None else frozenset(canonical(m) for m in methods)
        )
        self.global_bucket = (
            TokenBucket(per_second, burst or max(1.0, per_second), now) if per_second else None
        )
        self.paid_bucket = (
            TokenBucket(paid_per_second, max(1.0, paid_per_second), now)
            if paid_per_second
            else None
        )
        self.per_chat = per_chat_per_second
        self.per_group = per_group_per_minute
        self.chat_buckets: dict[ChatKey, TokenBucket] = {}
        self.group_buckets: dict[ChatKey, TokenBucket] = {}
        self._next_prune = 4096

    def _prune(self, now: float) -> None:
        """Forget per-chat buckets that have refilled (a new one would be identical)."""
        for key, bucket in list(self.chat_buckets.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.capacity:
                del self.chat_buckets[key]
        self._next_prune = max(4096, 2 * len(self.chat_buckets))

    def check(
        self, method: str, chat_id: ChatKey | None, paid: bool, now: float
    ) -> ApiError | None:
        """Take the tokens for one request, or return the 429 to answer."""
        if method not in self.methods:
            return None
        buckets: list[TokenBucket] = []
        main = self.paid_bucket if paid and self.paid_bucket else self.global_bucket
        if main is not None:
            buckets.append(main)
        if chat_id is not None and self.per_chat:
            bucket = self.chat_buckets.get(chat_id)
            if bucket is None:
                if len(self.chat_buckets) >= self._next_prune:
                    self._prune(now)
                bucket = TokenBucket(self.per_chat, max(1.0, self.per_chat), now)
                self.chat_buckets[chat_id] = bucket
            buckets.append(bucket)
        if isinstance(chat_id, int) and chat_id < 0 and self.per_group:
            bucket = self.group_buckets.get(chat_id)
            if bucket is None:
                bucket = TokenBucket(self.per_group / 60.0, max(1.0, self.per_group), now)
                self.group_buckets[chat_id] = bucket
            buckets.append(bucket)
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0.0:
            seconds = self.retry_after if self.retry_after is not None else math.ceil(wait)
            return too_many_requests(max(1, seconds))
        for bucket in buckets:
            bucket.tokens -= 1.0
        return None


class SlidingWindow:
    """At most ``limit`` accepted sends in any ``span`` seconds, and a flood window after a
    violation: every send inside it is refused too (it does not count as accepted)."""

    __slots__ = ("flood_until", "limit", "penalty", "sent", "span", "violated_at")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.sent: deque[float] = deque()
        self.flood_until = 0.0
        self.violated_at = -math.inf
        self.penalty = 0.0

    def blocked(self, now: float) -> float | None:
        """Seconds of flood window left if a send now is refused (None: it may go)."""
        if now < self.flood_until:
            return self.flood_until - now
        sent = self.sent
        while sent and sent[0] <= now - self.span:
            sent.popleft()
        return 0.0 if len(sent) >= self.limit else None

    def punish(self, now: float, base: float, escalate: bool, reset: float) -> float:
        """Open the flood window of a new violation; its length. With ``escalate``, a
        violation within ``reset`` s of the last flood window doubles the window."""
        if escalate and self.penalty and now - self.flood_until < reset:
            self.penalty = min(self.penalty * 2, 3600.0)
        else:
            self.penalty = base
        self.flood_until = now + self.penalty
        self.violated_at = now
        return self.penalty

    def idle(self, now: float) -> bool:
        return now >= self.flood_until and (not self.sent or self.sent[-1] <= now - self.span)


class StrictRateLimiter:
    """Flood control as strict as Telegram's may be: sliding windows, not buckets.

    The global limit (``per_second``; ``paid_per_second`` for ``allow_paid_broadcast``
    sends) counts accepted sends in any sliding second, per chat in any sliding second,
    per group (negative chat ids) in any sliding minute. The first send over a limit is
    answered ``429 retry_after`` and opens a flood window of that length on that limit: every
    send it covers is refused as well, answered with the time left (at least 1 s). With
    ``escalate``, a violation soon after the previous flood window doubles ``retry_after``
    (Telegram's grows with repeated violations). Nothing is forgiven for having been quiet:
    a burst after a pause is counted like any other.
    """

    def __init__(
        self,
        per_second: float | None,
        *,
        retry_after: int = 1,
        per_chat_per_second: float | None = None,
        per_group_per_minute: float | None = None,
        paid_per_second: float | None = 1000.0,
        escalate: bool = False,
        escalate_reset: float = 10.0,
        methods: Iterable[str] | None = None,
    ) -> None:
        self.retry_after = max(1, retry_after)
        self.escalate = escalate
        self.escalate_reset = escalate_reset
        self.methods: Collection[str] = (
            RATE_LIMITED if methods is None else frozenset(canonical(m) for m in methods)
        )
        self.global_window = SlidingWindow(int(per_second), 1.0) if per_second else None
        self.paid_window = SlidingWindow(int(paid_per_second), 1.0) if paid_per_second else None
        self.per_chat = int(per_chat_per_second) if per_chat_per_second else None
        self.per_group = int(per_group_per_minute) if per_group_per_minute else None
        self.chat_windows: dict[ChatKey, SlidingWindow] = {}
        self.group_windows: dict[ChatKey, SlidingWindow] = {}
        self.violations = 0
        """Sends that opened a flood window (the others refused were inside one)."""
        self._next_prune = 4096

    def _window(
        self, table: dict[ChatKey, SlidingWindow], key: ChatKey, limit: int, span: float,
        now: float,
    ) -> SlidingWindow:
        window = table.get(key)
        if window is None:
            if len(table) >= self._next_prune:
                for old in [k for k, w in table.items() if w.idle(now)]:
                    del table[old]
                self._next_prune = max(4096, 2 * len(table))
            window = table[key] = SlidingWindow(limit, span)
        return window

    def check(
        self, method: str, chat_id: ChatKey | None, paid: bool, now: float
    ) -> ApiError | None:
        """Count one send, or return the 429 to answer."""
        if method not in self.methods:
            return None
        windows: list[SlidingWindow] = []
        main = self.paid_window if paid and self.paid_window else self.global_window
        if main is not None:
            windows.append(main)
        if chat_id is not None and self.per_chat:
            windows.append(self._window(self.chat_windows, chat_id, self.per_chat, 1.0, now))
        if isinstance(chat_id, int) and chat_id < 0 and self.per_group:
            windows.append(
                self._window(self.group_windows, chat_id, self.per_group, 60.0, now)
            )
        for window in windows:
            left = window.blocked(now)
            if left is None:
                continue
            if left > 0.0:  # inside a flood window
                return too_many_requests(max(1, math.ceil(left)))
            self.violations += 1
            seconds = window.punish(now, self.retry_after, self.escalate, self.escalate_reset)
            return too_many_requests(max(1, math.ceil(seconds)))
        for window in windows:
            window.sent.append(now)
        return None


class Faults:
    """All configured failures, checked in this order for each request: scripted failures,
    the rate limiter, migrated chats, blocked chats, random errors."""

    def __init__(self) -> None:
        self.scripted: list[ScriptedFailure] = []
        self.blocked: dict[ChatKey, str | None] = {}
        self.migrated: dict[ChatKey, int] = {}
        self.limiter: RateLimiter | StrictRateLimiter | None = None
        self.random_probability = 0.0
        self.random_statuses: tuple[int, ...] = (500, 502)
        self.random_methods: Collection[str] = MESSAGE_CREATING
        self.rng = random.Random(0)

    def check(
        self,
        method: str,
        chat_id: ChatKey | None,
        chat_type: str | None,
        paid: bool,
        now: float,
    ) -> ApiError | None:
        """The error to answer instead of running ``method``, if any."""
        for index, failure in enumerate(self.scripted):
            if failure.matches(method, chat_id):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    del self.scripted[index]
                return error_for_status(
                    failure.status,
                    retry_after=failure.retry_after,
                    description=failure.description,
                )
        if self.limiter is not None:
            limited = self.limiter.check(method, chat_id, paid, now)
            if limited is not None:
                return limited
        if chat_id is not None and method in CHAT_WRITES:
            if chat_id in self.migrated:
                return ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self.migrated[chat_id]},
                )
            if chat_id in self.blocked:
                description = self.blocked[chat_id] or _BLOCKED.get(
                    chat_type or "private", _BLOCKED["private"]
                )
                return ApiError(403, description)
        if (
            self.random_probability > 0.0
            and method in self.random_methods
            and self.rng.random() < self.random_probability
        ):
            return error_for_status(self.rng.choice(self.random_statuses))
        return None
