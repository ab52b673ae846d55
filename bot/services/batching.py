"""Writing many small records in few transactions: the buffer behind votes and engagement.

A hot path (a vote, a card opened) only appends to memory; a flush writes what is pending in
one call of the subclass's sink: when ``max_pending`` records wait, ``max_delay`` seconds after
the first pending one, or when asked (before a figure is read, at shutdown). A flush that fails
gives its records back, to be written by the next one.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

B = TypeVar("B")
"""What one flush takes out of the buffer and hands to :meth:`BatchBuffer._write`."""


class BatchBuffer(ABC, Generic[B]):
    """Timing, locking and retrying of batched writes; subclasses say what a batch is."""

    what = "records"
    """Named in the log when a flush fails."""

    def __init__(self, *, max_pending: int, max_delay: float) -> None:
        self.max_pending = max_pending
        self.max_delay = max_delay
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self.stored = 0
        """Records committed so far, for monitoring, tests and the benchmarks."""
        self.writes = 0
        """Successful flushes so far: one database round trip each."""

    # what a subclass provides -------------------------------------------------------------

    @property
    @abstractmethod
    def pending(self) -> int:
        """Records waiting to be written."""

    @abstractmethod
    def _take(self) -> B:
        """Everything pending, leaving the buffer empty."""

    @abstractmethod
    def _give_back(self, batch: B) -> None:
        """Put a batch whose write failed back (records that came meanwhile stay newer)."""

    @abstractmethod
    def _size(self, batch: B) -> int: ...

    @abstractmethod
    async def _write(self, batch: B) -> None:
        """Store ``batch`` (one transaction); raise to keep it pending."""

    # what callers use ---------------------------------------------------------------------

    def _added(self) -> None:
        """Call after adding a record: flushes soon, or now in the background when full."""
        if self.pending >= self.max_pending:
            self._start_flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._on_timer)

    async def flush(self) -> None:
        """Write everything pending now; on failure the records stay pending and it raises."""
        async with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if not self.pending:
                return
            batch = self._take()
            try:
                await self._write(batch)
            except BaseException:
                self._give_back(batch)
                raise
            self.stored += self._size(batch)
            self.writes += 1

    async def close(self) -> None:
        """Flush what is pending (shutdown); background flushes are awaited first."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        task = self._task
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)
        await self.flush()

    # background flushing ------------------------------------------------------------------

    def _on_timer(self) -> None:
        self._timer = None
        self._start_flush()

    def _start_flush(self) -> None:
        """Start a background flush, unless one runs (it goes on while enough is pending)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._background_flush())

    async def _background_flush(self) -> None:
        while True:
            try:
                await self.flush()
            except Exception:
                log.exception("could not store %d pending %s; will retry", self.pending, self.what)
                break
            if self.pending < self.max_pending:
                break
        if self.pending and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._on_timer)
