"""One edit at a time per message: presses that arrive while it runs share the next edit.

When 200 people press 👍 on one message in a group within a second, editing it 200 times
would only earn 429s; the count shown must still end up right. Each press asks for a
refresh *after* its vote is stored: if no edit of that message is waiting to start, a new one
is queued behind the running one; if one is waiting, the press joins it (it has not read the
state yet, so it will show this vote). Every caller returns once an edit that started after
its call has finished, so a button press can be answered after the message shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
Key = tuple[int, int]
"""(chat id, message id)."""


@dataclass
class _Slot:
    job: Job
    waiting: asyncio.Future[None] | None = None
    """The next edit, not started yet: callers join it."""
    driver: asyncio.Task[None] | None = field(default=None, repr=False)


class InPlaceEdits:
    def __init__(self) -> None:
        self._slots: dict[Key, _Slot] = {}
        self.edits = 0
        """Edits run so far (each may stand for many presses)."""

    async def refresh(self, key: Key, job: Job) -> None:
        """Run ``job`` (which reads the current state and edits the message) or share the
        edit of this message that is about to start; the latest ``job`` given is the one run."""
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot(job)
        slot.job = job
        if slot.waiting is None:
            slot.waiting = asyncio.get_running_loop().create_future()
        waiting = slot.waiting
        if slot.driver is None:
            slot.driver = asyncio.create_task(self._drive(key, slot), name="in-place-edit")
        await asyncio.shield(waiting)

    async def _drive(self, key: Key, slot: _Slot) -> None:
        try:
            while slot.waiting is not None:
                waiting, slot.waiting = slot.waiting, None
                try:
                    await slot.job()
                    self.edits += 1
                except Exception:
                    log.exception("could not refresh message %s in chat %s", key[1], key[0])
                finally:
                    waiting.set_result(None)
        finally:
            if slot.waiting is not None and not slot.waiting.done():  # cancelled: release
                slot.waiting.set_result(None)
            del self._slots[key]

    def __len__(self) -> int:
        return len(self._slots)
