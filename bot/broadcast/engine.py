"""The broadcast engine: starts, resumes, schedules, paces and cancels broadcasts.

One engine per application (``deps.broadcaster``). All running broadcasts share the bot's
send budget (one global pacer, in which replies go first; a 429 pauses everyone), its per-chat
limiter and the engine's ``concurrency`` slots.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from telegram import Bot

from bot.broadcast.budget import SendBudget
from bot.broadcast.event_kind import EVENT_KIND, prepare_event
from bot.broadcast.kinds import get_kind
from bot.broadcast.pacing import ChatLimiter, Pacer
from bot.broadcast.progress import Progress
from bot.broadcast.runner import Runner
from storage.broadcasts import Audience, BroadcastRepository, BroadcastRow, Figures, Target
from storage.clock import now_utc
from storage.digests import sync_digests
from storage.events import EventRepository
from storage.ratings import RatingRepository
from storage.subscribers import SubscriberRepository

log = logging.getLogger(__name__)

UPCOMING_EVENTS_SYNCED = 500


def default_concurrency(rate: float) -> int:
    """Requests in flight: enough for ~250 ms round trips at full rate, within 8…256 (the
    HTTP connection pool). It is also the most a crash can duplicate."""
    return max(8, min(256, math.ceil(rate / 4)))


def default_tick(rate: float, concurrency: int) -> float:
    """How long the sender gathers outcomes before writing them (and claiming more): an
    fifth of the time its slots last at full rate, within 10…50 ms. Fewer, larger
    transactions; the duplicate bound does not depend on it."""
    return min(0.05, max(0.01, concurrency / rate / 5))


class BroadcastEngine:
    def __init__(
        self,
        repo: BroadcastRepository,
        subscribers: SubscriberRepository,
        events: EventRepository | None = None,
        *,
        rate: float = 25.0,
        paid: bool = False,
        concurrency: int | None = None,
        retry_base: float = 1.0,
        max_network_attempts: int = 5,
        progress_interval: float = 3.0,
        tick: float | None = None,
        reminder_sync_interval: float = 60.0,
        budget: SendBudget | None = None,
        ratings: RatingRepository | None = None,
    ) -> None:
        self.repo = repo
        self.subscribers = subscribers
        self.events = events
        self.ratings = ratings
        """For the rating prompt that ends a digest (no ratings shown without it)."""
        self.budget = budget if budget is not None else SendBudget(rate, paid=paid)
        """The bot's send budget (the application's rate limiter): shared with replies."""
        self.paid = self.budget.paid
        self.rate = self.budget.rate
        self.concurrency = concurrency or default_concurrency(self.rate)
        self.retry_base = retry_base
        self.max_network_attempts = max_network_attempts
        self.progress_interval = progress_interval
        self.tick = tick if tick is not None else default_tick(self.rate, self.concurrency)
        self.reminder_sync_interval = reminder_sync_interval
        self.bot: Bot | None = None
        self._free = self.concurrency
        self._runners: dict[int, Runner] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._finished: dict[int, asyncio.Event] = {}
        self._scheduler: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._cleanups: dict[int, asyncio.Task[None]] = {}
        """Cancelled broadcasts whose pending rows are being cancelled."""
        self._schedule_changed = asyncio.Event()
        self._resync = False
        self.scheduler_passes = 0
        """Turns of the scheduler loop (tests wait on it)."""

    @property
    def pacer(self) -> Pacer:
        """The pacer broadcast sends take their turns from."""
        return self.budget.pacer_for(self.paid)

    @property
    def chats(self) -> ChatLimiter:
        return self.budget.chats

    # lifecycle -----------------------------------------------------------------------------

    def require_bot(self) -> Bot:
        if self.bot is None:
            raise RuntimeError("the broadcast engine is not started")
        return self.bot

    async def start(self, bot: Bot) -> None:
        """Resume every running broadcast and start the scheduler (reminders, /schedule);
        in the background, finish what a crash interrupted: queueing, cancelling."""
        self.bot = bot
        for row in await self.repo.in_state("running"):
            log.info("resuming broadcast %s (%s)", row.id, row.title)
            self._launch(row)
        queuing = [row.id for row in await self.repo.in_state("queuing")]
        self._recovery = asyncio.create_task(self._recover(queuing), name="broadcast-recovery")
        self._scheduler = asyncio.create_task(self._schedule_loop(), name="broadcast-scheduler")

    async def _recover(self, queuing: list[int]) -> None:
        try:
            await self.repo.tidy_cancelled()
            for broadcast_id in queuing:
                log.info("broadcast %s: queueing its recipients again", broadcast_id)
                if await self.repo.queue(broadcast_id) is not None:
                    row = await self.repo.get(broadcast_id)
                    assert row is not None
                    self._launch(row)
        except Exception:
            log.exception("broadcast recovery failed; tried again at the next start")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; let requests already made finish (up to ``grace`` s) and record
        them, and cancels' marking of rows. Anything unfinished resumes at the next start."""
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
            self._recovery = None
        if self._scheduler is not None:
            self._scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler
            self._scheduler = None
        for runner in self._runners.values():
            runner.stop()
        tasks = [*self._tasks.values(), *self._cleanups.values()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)

    # slots ---------------------------------------------------------------------------------

    def take_slots(self) -> int:
        """All free slots, for one claim; the caller gives back what it did not use."""
        free, self._free = self._free, 0
        return free

    def give_slots(self, count: int) -> None:
        self._free += count
        if count > 0 and len(self._runners) > 1:
            for runner in self._runners.values():
                runner.wake()

    # creating ------------------------------------------------------------------------------

    async def create(
        self,
        *,
        kind: str,
        payload: Mapping[str, Any],
        audience: Audience,
        created_by: int | None,
        title: str,
        draft: bool = False,
        scheduled_at: datetime | None = None,
        admin_language: str | None = None,
        report_to: int | None = None,
        event_id: str | None = None,
    ) -> int:
        """A broadcast to an audience: a ``draft`` (waiting for :meth:`confirm`), a
        ``scheduled`` one, or started at once (recipients chosen in one transaction).
        ``event_id``: the event it is made for (its deliveries in ``/stats EVENT_ID``)."""
        self._check_kind(kind)
        state = "scheduled" if scheduled_at is not None and not draft else "draft"
        broadcast_id = await self.repo.create(
            kind=kind,
            payload=payload,
            title=title,
            audience=audience,
            state=state,
            created_by=created_by,
            admin_language=admin_language,
            scheduled_at=scheduled_at,
            progress_chat_id=report_to,
            event_id=event_id,
        )
        if state == "scheduled":
            self._schedule_changed.set()
        elif not draft:
            await self.confirm(broadcast_id)
        return broadcast_id

    async def create_for_targets(
        self,
        *,
        kind: str,
        payload: Mapping[str, Any],
        targets: Iterable[Target],
        created_by: int | None,
        title: str,
        scheduled_at: datetime | None = None,
        admin_language: str | None = None,
        report_to: int | None = None,
        event_id: str | None = None,
    ) -> int:
        self._check_kind(kind)
        broadcast_id, _ = await self.repo.create_for_targets(
            kind=kind,
            payload=payload,
            title=title,
            targets=targets,
            created_by=created_by,
            scheduled_at=scheduled_at,
            admin_language=admin_language,
            progress_chat_id=report_to,
            event_id=event_id,
        )
        if scheduled_at is not None:
            self._schedule_changed.set()
        else:
            row = await self.repo.get(broadcast_id)
            assert row is not None
            self._launch(row)
        return broadcast_id

    async def confirm(
        self,
        broadcast_id: int,
        *,
        progress_chat_id: int | None = None,
        progress_message_id: int | None = None,
    ) -> int | None:
        """Start a draft now (or, if it has a sending time, schedule it). Returns the number
        of recipients (0 when scheduled), or None if it is no draft any more."""
        row = await self.repo.get(broadcast_id)
        if row is None or row.state != "draft":
            return None
        if progress_chat_id is not None:
            await self.repo.set_progress_message(
                broadcast_id, progress_chat_id, progress_message_id
            )
        if row.scheduled_at is not None:
            if await self.repo.schedule_draft(broadcast_id):
                self._schedule_changed.set()
                return 0
            return None
        return await self._begin(row, "draft")

    async def cancel(self, broadcast_id: int) -> str | None:
        """Cancel a draft, scheduled, queuing or running broadcast; returns its previous
        state. Nothing more is claimed for it from then on; its pending rows become
        ``cancelled`` in the background (its final report waits for that)."""
        previous = await self.repo.cancel(broadcast_id)
        if previous is not None and broadcast_id not in self._cleanups:
            self._cleanups[broadcast_id] = asyncio.create_task(
                self._cancel_rows(broadcast_id), name=f"broadcast-{broadcast_id}-cancel"
            )
        runner = self._runners.get(broadcast_id)
        if runner is not None:
            runner.cancel()
        if previous == "scheduled":
            self._schedule_changed.set()
        return previous

    async def _cancel_rows(self, broadcast_id: int) -> None:
        try:
            await self.repo.cancel_pending(broadcast_id)
        except Exception:
            log.exception("broadcast %s: rows not cancelled; done at next start", broadcast_id)
        finally:
            self._cleanups.pop(broadcast_id, None)

    async def wait_finished(self, broadcast_id: int, timeout: float = 10.0) -> Figures:
        """Wait until a broadcast is over (done or cancelled); its figures. For tests/tools."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            row = await self.repo.get(broadcast_id)
            if row is not None and row.state in ("done", "cancelled") and (
                broadcast_id not in self._tasks and broadcast_id not in self._cleanups
            ):
                return await self.repo.figures(broadcast_id)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"broadcast {broadcast_id} still {row and row.state}")
            event = self._finished.setdefault(broadcast_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 0.2)):
                    await event.wait()

    def runner(self, broadcast_id: int) -> Runner | None:
        return self._runners.get(broadcast_id)

    def _check_kind(self, kind: str) -> None:
        if kind != EVENT_KIND and get_kind(kind) is None:
            raise ValueError(f"unknown broadcast kind {kind!r}: register_kind() it first")

    # running -------------------------------------------------------------------------------

    def _launch(self, row: BroadcastRow) -> None:
        if row.id in self._tasks:
            return
        kind = get_kind(row.kind)
        if kind is None:
            log.error("broadcast %s has unknown kind %r; left running", row.id, row.kind)
            return
        runner = Runner(self, row, kind, row.payload)
        self._runners[row.id] = runner
        self._tasks[row.id] = asyncio.create_task(self._run(runner), name=f"broadcast-{row.id}")

    async def _run(self, runner: Runner) -> None:
        progress = Progress(self, runner)
        reporter = asyncio.create_task(progress.run(), name=f"broadcast-{runner.id}-progress")
        finished = False
        try:
            await runner.run()
            finished = not runner.stopping
        except Exception:
            log.exception("broadcast %s stopped by an error; resumes at next start", runner.id)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            self._runners.pop(runner.id, None)
            self._tasks.pop(runner.id, None)
        if finished:
            await self.repo.finish(runner.id)
            row = await self.repo.get(runner.id)
            cancelled = row is not None and row.state == "cancelled"
            if cancelled:  # report once its pending rows are marked cancelled
                cleanup = self._cleanups.get(runner.id)
                if cleanup is not None:
                    await asyncio.wait([cleanup])  # (done or, at a late stop, cancelled)
                runner.figures = await self.repo.figures(runner.id)
            log.info(
                "broadcast %s %s: %s",
                runner.id,
                "cancelled" if cancelled else "done",
                runner.figures.counts,
            )
            await progress.finish(cancelled)
        runner.finished.set()
        event = self._finished.pop(runner.id, None)
        if event is not None:
            event.set()

    # scheduling ----------------------------------------------------------------------------

    async def _schedule_loop(self) -> None:
        next_sync = 0.0
        while True:
            nxt: datetime | None = None
            try:
                if self.events is not None and (self._resync or time.monotonic() >= next_sync):
                    self._resync = False
                    await self.sync_reminders()
                    next_sync = time.monotonic() + self.reminder_sync_interval
                for row in await self.repo.due(now_utc()):
                    await self._fire(row)
                nxt = await self.repo.next_scheduled_at()
            except Exception:
                log.exception("broadcast scheduler error")
            self.scheduler_passes += 1
            delay = self.reminder_sync_interval
            if self.events is not None:
                delay = min(delay, next_sync - time.monotonic())
            if nxt is not None:
                delay = min(delay, (nxt - now_utc()).total_seconds())
            delay = max(delay, 0.01)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._schedule_changed.wait()
            self._schedule_changed.clear()

    async def _begin(self, row: BroadcastRow, from_state: str) -> int | None:
        """Queue the recipients and start sending, once; an ``event`` broadcast is rendered
        now (or cancelled if there is nothing to send any more)."""
        kind: str | None = None
        payload: dict[str, Any] | None = None
        if row.kind == EVENT_KIND:
            assert self.events is not None, "event broadcasts need the event repository"
            payload = await prepare_event(self.events, row.payload, now_utc(), self.ratings)
            if payload is None:
                log.info("broadcast %s: nothing to send any more, cancelled", row.id)
                await self.repo.cancel(row.id)
                return None
            kind = "rendered"
        total = await self.repo.start(row.id, from_states=(from_state,), kind=kind, payload=payload)
        if total is None:
            return None
        started = await self.repo.get(row.id)
        assert started is not None
        self._launch(started)
        return total

    async def _fire(self, row: BroadcastRow) -> None:
        total = await self._begin(row, "scheduled")
        if total is not None:
            log.info("scheduled broadcast %s fired: %s recipients", row.id, total)

    async def sync_reminders(self) -> int:
        """Create (idempotently) the reminder broadcasts of every upcoming event, and the
        automatic digests events ask for (``digest = "2h"``: two hours after the end)."""
        assert self.events is not None
        upcoming, _ = await self.events.list_events(upcoming=UPCOMING_EVENTS_SYNCED, recent=0)
        added = 0
        for event in upcoming:
            reminders = {int(r.total_seconds()): event.starts_at - r for r in event.reminders}
            added += await self.repo.sync_reminders(
                event.id, event.title.get(event.default_language), reminders, now_utc()
            )
        now = now_utc()
        digests = await sync_digests(self.repo.db, await self.events.digest_times(now), now)
        if added or digests:
            log.info("%s event reminders and %s digests scheduled", added, digests)
        return added + digests

    def wake_scheduler(self, *, events_changed: bool = False) -> None:
        """Something was scheduled (or, with ``events_changed``, event content was imported:
        its reminders are synced now rather than within a minute): look again now."""
        if events_changed:
            self._resync = True
        self._schedule_changed.set()
