"""👍 presses on audience questions, written in batches ("group commit").

Every press waits until the transaction holding it is committed, so its answer and the count
it shows are the truth. While one transaction runs, the presses that arrive meanwhile queue
for the next one: 200 people pressing within a second cost a handful of transactions, not
200, and the counts stay exact because they are kept in SQL (storage/question_votes.py). No
timers: a lone press is written at once.
"""

from __future__ import annotations

import asyncio
import logging

from storage.question_votes import Press, Pressed, QuestionVoteRepository

log = logging.getLogger(__name__)

MAX_BATCH = 500
"""Presses per transaction at most (each holds the write lock for its whole batch)."""

_Waiting = tuple[Press, "asyncio.Future[Pressed]"]


class UpvoteIntake:
    def __init__(self, repo: QuestionVoteRepository, *, max_batch: int = MAX_BATCH) -> None:
        self.repo = repo
        self.max_batch = max_batch
        self._queue: list[_Waiting] = []
        self._worker: asyncio.Task[None] | None = None
        self.transactions = 0
        """Batches written so far (the tests and the benchmark read it)."""

    async def press(self, press: Press) -> Pressed:
        """Store one press (toggling the user's vote) and return its outcome."""
        future: asyncio.Future[Pressed] = asyncio.get_running_loop().create_future()
        self._queue.append((press, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="upvote-intake")
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            try:
                results = await self.repo.toggle_votes([press for press, _ in batch])
            except Exception as error:  # every waiting press must get an answer
                log.exception("could not store %s upvote presses", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.transactions += 1
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def flush(self) -> None:
        """Return once every press queued so far is written (before /forget deletes votes)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def close(self) -> None:
        await self.flush()
