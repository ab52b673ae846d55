"""The sender of one running broadcast.

Loop: write the outcomes gathered since the last turn and claim as many pending rows as the
engine has free slots, in ONE transaction; start one task per claimed row (which waits for
its chat's and the bot's turn, makes one request and reports an outcome); sleep until some
outcome arrives. A slot is given back only when its outcome is committed, so at most
``concurrency`` rows are ``sending`` at any moment: that is the most a crash can duplicate.

Several messages per recipient (a kind with ``parts``, e.g. a digest): the row is the
recipient and ``part`` its cursor. When part i is delivered and more follow, the outcome puts
the row back to ``pending`` with part i + 1, due one chat's pace after part i was answered
(``retry_at``), and the sender goes on with other chats meanwhile; the cursor moves only in
the transaction that records part i, so after a crash part i is sent again at worst (never
i + 1 first). Any final failure (a 403, a 400, retries exhausted) ends the recipient's
remaining parts with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.broadcast.budget import PACED, retry_after_seconds
from bot.broadcast.kinds import Delivered, Kind, Recipient, data_of
from bot.broadcast.pacing import (
    GROUP_PER_MINUTE,
    GROUP_TYPES,
    GUARD,
    PER_CHAT_INTERVAL,
    Priority,
)
from bot.config import SUPPORTED_LANGUAGES
from storage.broadcasts import FINAL_STATES, BroadcastRow, Figures, OutboxRow, Outcome
from storage.clock import now_utc

if TYPE_CHECKING:
    from bot.broadcast.engine import BroadcastEngine

log = logging.getLogger(__name__)

MAX_THROTTLED = 30
"""429 answers one row may get before it is failed (each one paused all sending)."""
MAX_MIGRATIONS = 2
PRIVATE_SPACING = PER_CHAT_INTERVAL * (1.0 + GUARD)
GROUP_SPACING = 60.0 * (1.0 + GUARD) / GROUP_PER_MINUTE
"""How long after one part a chat's next part is due: the chat limiter's pace (it still has
the last word when the row is claimed)."""


class Runner:
    def __init__(
        self, engine: BroadcastEngine, row: BroadcastRow, kind: Kind, payload: Mapping[str, Any]
    ) -> None:
        self.engine = engine
        self.row = row
        self.id = row.id
        self.kind = kind
        self.payload = payload
        self.figures = Figures()
        self.total = row.total
        self.multipart = any(
            kind.parts_of(payload, language) > 1 for language in SUPPORTED_LANGUAGES
        )
        """Several messages per recipient (in some language at least)."""
        self.messages_total: int | None = None
        """For a multi-part broadcast: the messages its recipients get in all."""
        self.cancelled = False
        self.stopping = False
        self.finished = asyncio.Event()
        self.started_at = time.monotonic()
        self._outcomes: list[Outcome] = []
        self._delivered: list[tuple[Recipient, Delivered]] = []
        self._claimed = 0
        self._wake = asyncio.Event()
        self._waiting: set[asyncio.Task[None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._hooks: set[asyncio.Task[None]] = set()

    # the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        repo = self.engine.repo
        resent = await repo.reset_sending(self.id)
        if resent:
            log.info("broadcast %s: re-sending %s rows left in flight", self.id, resent)
        stored = await repo.figures(self.id)
        self.total = stored.total
        self.figures = Figures(
            {s: n for s, n in stored.counts.items() if s in FINAL_STATES}, stored.messages
        )
        if self.multipart:
            by_language = await repo.language_counts(self.id)
            self.messages_total = sum(
                n * self.kind.parts_of(self.payload, language)
                for language, n in by_language.items()
            )
        try:
            await self._loop()
        finally:
            await self._drain_hooks()
        self.figures = await repo.figures(self.id)

    async def _loop(self) -> None:
        repo = self.engine.repo
        engine = self.engine
        while True:
            outcomes, self._outcomes = self._outcomes, []
            delivered, self._delivered = self._delivered, []
            closed = self.cancelled or self.stopping
            taken = 0 if closed else engine.take_slots()
            limit = 0 if closed else taken + len(outcomes)
            try:
                rows = await repo.record_and_claim(self.id, outcomes, limit)
            except BaseException:
                engine.give_slots(taken)
                self._outcomes[:0] = outcomes
                self._delivered[:0] = delivered
                raise
            engine.give_slots(taken + len(outcomes) - len(rows))
            self._claimed += len(rows) - len(outcomes)
            for outcome in outcomes:
                if outcome.state in FINAL_STATES:
                    self.figures.counts[outcome.state] = self.figures.get(outcome.state) + 1
                if outcome.delivered:
                    self.figures.messages += 1
            self._run_hooks(delivered)
            for row in rows:
                self._start(row)
            if self._claimed == 0 and not self._outcomes:
                if self.cancelled or self.stopping or not await repo.has_pending(self.id):
                    return
                await self._wait(await self._retry_delay())
                continue
            # A digest's next parts come due while requests are in flight: look again then.
            await self._wait(await self._retry_delay() if self.multipart else None)

    async def _wait(self, timeout: float | None) -> None:
        if not self._wake.is_set():
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass
        self._wake.clear()
        if self._claimed and not self.stopping:
            await asyncio.sleep(self.engine.tick)  # let more outcomes arrive: one write for all

    async def _retry_delay(self) -> float:
        """How long to sleep when only delayed retries (or busy slots) remain."""
        nxt = await self.engine.repo.next_retry_at(self.id)
        if nxt is None:
            return 0.5
        return min(max((nxt - now_utc()).total_seconds(), self.engine.tick), 5.0)

    def wake(self) -> None:
        self._wake.set()

    def cancel(self) -> None:
        self.cancelled = True
        for task in list(self._waiting):
            task.cancel()
        self._wake.set()

    def stop(self) -> None:
        """Shut down: rows still waiting for their turn go back to pending; requests already
        made are awaited and recorded (the engine bounds how long)."""
        self.stopping = True
        for task in list(self._waiting):
            task.cancel()
        self._wake.set()

    # one recipient ------------------------------------------------------------------------

    def _start(self, row: OutboxRow) -> None:
        task = asyncio.create_task(self._send(row), name=f"broadcast-{self.id}-{row.id}")
        self._tasks.add(task)
        self._waiting.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, row: OutboxRow) -> None:
        task = asyncio.current_task()
        assert task is not None
        PACED.set(True)  # this task's sends take their turns here, not in the rate limiter
        recipient = Recipient(
            outbox_id=row.id,
            broadcast_id=self.id,
            chat_id=row.chat_id,
            language=row.language,
            chat_type=row.chat_type,
            attempts=row.attempts,
            paid=self.engine.paid,
            data=data_of(row.data),
            part=row.part,
        )
        try:
            outcome = await self._attempt(recipient, row.throttled, task)
        except asyncio.CancelledError:
            # Cancelled while waiting for its turn (cancel/stop): nothing was sent.
            state = "cancelled" if self.cancelled else "pending"
            outcome = Outcome(row.id, state, error=None)
        except Exception as error:  # a bug in a deliver function: record it, go on
            log.exception("broadcast %s: delivering to %s failed", self.id, row.chat_id)
            outcome = Outcome(row.id, "failed", error=self._describe(error))
        self._waiting.discard(task)
        self._outcomes.append(outcome)
        self._wake.set()

    async def _attempt(
        self, recipient: Recipient, throttled: int, task: asyncio.Task[None]
    ) -> Outcome:
        engine = self.engine
        if throttled >= MAX_THROTTLED:
            return Outcome(recipient.outbox_id, "failed", error="too many 429 answers")
        for _ in range(MAX_MIGRATIONS + 1):
            if self.cancelled:
                return Outcome(recipient.outbox_id, "cancelled")
            at = engine.chats.reserve(recipient.chat_id, recipient.chat_type)
            if at > time.monotonic():  # this chat (or group) had a message very recently
                await asyncio.sleep(at - time.monotonic())
            sent_at = await engine.pacer.acquire(Priority.BROADCAST)
            if self.cancelled:
                return Outcome(recipient.outbox_id, "cancelled")
            self._waiting.discard(task)  # from here on the request is made: not cancellable
            try:
                delivered = await self.kind.deliver(engine.require_bot(), recipient, self.payload)
            except ChatMigrated as error:
                moved = await self._migrate(recipient, int(error.new_chat_id))
                if moved is None:
                    return Outcome(
                        recipient.outbox_id,
                        "cancelled",
                        error=f"chat migrated to {error.new_chat_id}, already a recipient",
                    )
                recipient = moved
                self._waiting.add(task)
                continue
            except Exception as error:
                tries = recipient.attempts - throttled
                return await self._failure(recipient, tries, error, sent_at)
            self._delivered.append((recipient, delivered))
            if recipient.part + 1 < self.kind.parts_of(self.payload, recipient.language):
                return Outcome(
                    recipient.outbox_id,
                    "pending",
                    message_id=delivered.message_id,
                    retry_at=self._next_part_at(recipient),
                    delivered=True,
                    advanced=True,
                )
            return Outcome(
                recipient.outbox_id, "sent", message_id=delivered.message_id, delivered=True
            )
        return Outcome(recipient.outbox_id, "failed", error="chat migrated too many times")

    @staticmethod
    def _next_part_at(recipient: Recipient) -> datetime:
        """When a chat whose message was just answered may get the next one: a chat's pace
        after the answer, which left the server after it counted the message, so however
        the requests are delayed on the way the server never sees two closer than that."""
        spacing = GROUP_SPACING if recipient.chat_type in GROUP_TYPES else PRIVATE_SPACING
        return now_utc() + timedelta(seconds=spacing + 0.001)  # (stored in milliseconds)

    async def _migrate(self, recipient: Recipient, new_chat_id: int) -> Recipient | None:
        engine = self.engine
        await engine.subscribers.migrate_chat(recipient.chat_id, new_chat_id)
        if not await engine.repo.move_recipient(recipient.outbox_id, new_chat_id):
            return None
        log.info("broadcast %s: chat %s migrated to %s", self.id, recipient.chat_id, new_chat_id)
        return replace(recipient, chat_id=new_chat_id, chat_type="supergroup")

    async def _failure(
        self, recipient: Recipient, tries: int, error: Exception, sent_at: float
    ) -> Outcome:
        """Classify a failed request: retry later, blocked, or failed for good. ``tries``
        counts this row's attempts that were not answered 429; ``sent_at`` is when the
        pacer gave the request its turn."""
        engine = self.engine
        outbox_id = recipient.outbox_id
        text = self._describe(error)
        if isinstance(error, RetryAfter):
            seconds = retry_after_seconds(error)
            engine.pacer.pause(seconds, sent_at)
            log.warning("broadcast %s: 429, all sending paused for %s s", self.id, seconds)
            retry_at = now_utc() + timedelta(seconds=seconds)
            return Outcome(outbox_id, "pending", error=text, retry_at=retry_at, throttled=True)
        if isinstance(error, Forbidden):
            await engine.subscribers.deactivate(recipient.chat_id)
            return Outcome(outbox_id, "blocked", error=text)
        if isinstance(error, BadRequest):  # before NetworkError: BadRequest is one
            return Outcome(outbox_id, "failed", error=text)
        if isinstance(error, NetworkError):  # 5xx, timeouts, connection errors
            if tries >= engine.max_network_attempts:
                return Outcome(outbox_id, "failed", error=text)
            backoff = min(engine.retry_base * 2 ** (tries - 1), 60.0)
            retry_at = now_utc() + timedelta(seconds=backoff)
            return Outcome(outbox_id, "pending", error=text, retry_at=retry_at)
        if isinstance(error, TelegramError):
            return Outcome(outbox_id, "failed", error=text)
        raise error

    def _describe(self, error: Exception) -> str:
        """The error as stored in the outbox: short, and never with the bot token."""
        text = f"{type(error).__name__}: {error}"
        bot = self.engine.bot
        if bot is not None and bot.token:
            text = text.replace(bot.token, "<redacted>")
        return text[:500]

    # after delivery -----------------------------------------------------------------------

    def _run_hooks(self, delivered: list[tuple[Recipient, Delivered]]) -> None:
        hook = self.kind.on_delivered
        if hook is None or not delivered:
            return
        task = asyncio.create_task(self._hooks_for(hook, delivered))
        self._hooks.add(task)
        task.add_done_callback(self._hooks.discard)

    async def _hooks_for(self, hook: Any, delivered: list[tuple[Recipient, Delivered]]) -> None:
        for recipient, result in delivered:
            try:
                await hook(recipient, result)
            except Exception:
                log.exception(
                    "broadcast %s: on_delivered failed for chat %s", self.id, recipient.chat_id
                )

    async def _drain_hooks(self) -> None:
        while self._hooks:
            await asyncio.gather(*list(self._hooks), return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return self._claimed
