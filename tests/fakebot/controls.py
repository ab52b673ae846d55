"""Run-time fault configuration: blocked and migrated chats, scripted and random failures,
delays and the rate limiter."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable

from tests.fakebot.faults import RateLimiter, ScriptedFailure, StrictRateLimiter
from tests.fakebot.names import canonical
from tests.fakebot.state import BotState


class FaultControls(BotState):
    """The fault-injection helpers of ``FakeBotApi``."""

    def _init_controls(self, delay: float, jitter: float, seed: int) -> None:
        self.delay = delay
        """Seconds every answer waits (``asyncio.sleep``) before the request is processed."""
        self.jitter = jitter
        """Up to this many random seconds added to each delay."""
        self._delays: dict[str, float] = {}
        self._rng = random.Random(seed)

    def delay_of(self, method: str) -> float:
        """The delay the next ``method`` request will get (with jitter)."""
        delay = self._delays.get(method, self.delay)
        if self.jitter:
            delay += self._rng.uniform(0.0, self.jitter)
        return delay

    def block(self, chat_id: int | str, description: str | None = None) -> None:
        """Sends to ``chat_id`` answer 403 (``Forbidden: bot was blocked by the user`` for
        private chats, ``...kicked from the group chat`` etc.; or ``description``)."""
        self.faults.blocked[self._fault_key(chat_id)] = description

    def unblock(self, chat_id: int | str) -> None:
        """Undo ``block``."""
        self.faults.blocked.pop(self._fault_key(chat_id), None)

    def migrate(self, chat_id: int | str, new_chat_id: int) -> None:
        """Sends to ``chat_id`` answer 400 with ``parameters.migrate_to_chat_id``."""
        self.faults.migrated[self._fault_key(chat_id)] = new_chat_id
        old = self.chats.get(new_chat_id)
        if old is None:
            self.add_chat(new_chat_id, "supergroup")

    def fail_next(
        self,
        method: str | None = None,
        chat_id: int | str | None = None,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Queue a scripted failure: the next ``times`` requests of ``method`` (None: any but
        ``getUpdates``) to ``chat_id`` (any if None) answer ``status``. 429 answers carry
        ``retry_after`` (default 1) as Telegram does; ``description`` overrides the text."""
        self.faults.scripted.append(
            ScriptedFailure(
                canonical(method) if method is not None else None,
                self._fault_key(chat_id) if chat_id is not None else None,
                status,
                times,
                retry_after,
                description,
            )
        )

    def random_errors(
        self,
        probability: float,
        statuses: Iterable[int] = (500, 502),
        seed: int | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer message-creating sends (or ``methods``) with a random one of ``statuses``
        with ``probability`` (0 turns it off)."""
        self.faults.random_probability = probability
        self.faults.random_statuses = tuple(statuses)
        if seed is not None:
            self.faults.rng.seed(seed)
        if methods is not None:
            self.faults.random_methods = frozenset(canonical(m) for m in methods)

    def delay_for(self, method: str, seconds: float | None) -> None:
        """Per-method delay overriding ``delay`` (``None`` removes the override)."""
        if seconds is None:
            self._delays.pop(canonical(method), None)
        else:
            self._delays[canonical(method)] = seconds

    def rate_limit(
        self,
        per_second: float | None,
        *,
        retry_after: int | None = 1,
        per_chat_per_second: float | None = None,
        per_group_per_minute: float | None = None,
        paid_per_second: float | None = 1000.0,
        burst: float | None = None,
        methods: Iterable[str] | None = None,
        strict: bool = False,
        escalate: bool = False,
    ) -> None:
        """Server-side flood control over the sending methods: requests above the rate answer
        429 with ``retry_after``. ``allow_paid_broadcast`` sends use ``paid_per_second``
        instead of ``per_second``. All rates None turns the limiter off.

        By default token buckets holding one second's worth (or ``burst``); ``retry_after``
        None answers the seconds until a token is free. ``strict=True``: sliding windows with
        a flood window after each violation (:class:`StrictRateLimiter`; ``escalate``
        doubles ``retry_after`` on repeated violations), which forgive no burst."""
        if per_second is None and per_chat_per_second is None and per_group_per_minute is None:
            self.faults.limiter = None
            return
        if strict:
            if burst is not None:
                raise ValueError("a strict limiter has no burst allowance")
            self.faults.limiter = StrictRateLimiter(
                per_second,
                retry_after=retry_after if retry_after is not None else 1,
                per_chat_per_second=per_chat_per_second,
                per_group_per_minute=per_group_per_minute,
                paid_per_second=paid_per_second,
                escalate=escalate,
                methods=methods,
            )
            return
        if escalate:
            raise ValueError("escalate needs strict=True")
        self.faults.limiter = RateLimiter(
            per_second,
            now=time.monotonic(),
            retry_after=retry_after,
            per_chat_per_second=per_chat_per_second,
            per_group_per_minute=per_group_per_minute,
            paid_per_second=paid_per_second,
            burst=burst,
            methods=methods,
        )

    def clear_faults(self) -> None:
        """Remove blocks, migrations, scripted and random failures, the rate limiter and
        delays."""
        faults = self.faults
        faults.scripted.clear()
        faults.blocked.clear()
        faults.migrated.clear()
        faults.limiter = None
        faults.random_probability = 0.0
        self.delay = 0.0
        self.jitter = 0.0
        self._delays.clear()

    def _fault_key(self, chat_id: int | str) -> int | str:
        key = self.chat_key(chat_id)
        assert key is not None
        return key
