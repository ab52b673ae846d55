"""Recording answered requests, inspecting them, and waiting for them in tests."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

from tests.fakebot.names import canonical
from tests.fakebot.records import JSON, Request, Stats, UploadedFile
from tests.fakebot.state import BotState
from tests.fakebot.updates import update_type

Predicate = Callable[[Request], bool]


class Recorder(BotState):
    """``requests``, ``stats``, ``delivered`` and the ``wait_*`` helpers."""

    def _init_recording(self, record_params: bool) -> None:
        self.record_params = record_params
        self.requests: list[Request] = []
        self.stats = Stats()
        self.delivered: Counter[int | str] = Counter()
        """Successful message-creating sends per chat id."""
        self.internal_errors: list[str] = []
        """Tracebacks of bugs in the fake server itself (answered as 500)."""
        self.timeline: list[tuple[float, str, int]] | None = None
        """Set it to a list to get (monotonic time, method, status) of every answer, even
        with ``record_params`` off (benchmarks: rates per sliding second, when 429s came)."""
        self._waiters: list[tuple[Predicate, asyncio.Future[Request]]] = []
        self._changed = asyncio.Event()

    def _record(
        self, method: str, params: JSON, files: dict[str, UploadedFile], status: int, payload: JSON
    ) -> None:
        self.stats.add(method, status)
        if self.timeline is not None:
            self.timeline.append((time.monotonic(), method, status))
        if self.record_params or self._waiters:
            request = Request(method, params, files, time.monotonic(), status, payload)
            if self.record_params:
                self.requests.append(request)
            for predicate, future in self._waiters:
                if not future.done() and _matches(predicate, request):
                    future.set_result(request)
        self._notify()

    def _notify(self) -> None:
        """Wake ``wait_until``: something changed (a request was answered, a poll began)."""
        event = self._changed
        self._changed = asyncio.Event()
        event.set()

    # inspecting ---------------------------------------------------------------------------

    def calls(
        self, method: str | None = None, chat_id: int | str | None = None, *, ok: bool | None = None
    ) -> list[Request]:
        """Recorded requests, optionally only of ``method`` (any case), to ``chat_id``
        (int or "@username"), and successful (``ok=True``) or failed (``ok=False``)."""
        wanted_method = canonical(method) if method is not None else None
        wanted_chat = self.chat_key(chat_id) if chat_id is not None else None
        return [
            r
            for r in self.requests
            if (wanted_method is None or r.method == wanted_method)
            and (wanted_chat is None or self.chat_key(r.chat_id) == wanted_chat)
            and (ok is None or r.ok == ok)
        ]

    def sent_messages(
        self, chat_id: int | str | None = None, *, include_failed: bool = False
    ) -> list[Request]:
        """Successful ``sendMessage`` requests (to ``chat_id``); failed ones too if asked."""
        return self.calls("sendMessage", chat_id, ok=None if include_failed else True)

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """The texts (as sent, with markup) of the successful ``sendMessage`` requests."""
        return [r.params["text"] for r in self.sent_messages(chat_id)]

    def clear(self) -> None:
        """Forget the recorded requests and reset ``stats`` and ``delivered``
        (chats, messages, polls, files, faults and pending updates are kept)."""
        self.requests.clear()
        self.stats.clear()
        self.delivered.clear()

    # waiting ------------------------------------------------------------------------------

    async def wait_for(self, predicate: Predicate, timeout: float = 5.0) -> Request:
        """The first request (already recorded, or arriving within ``timeout`` s) for which
        ``predicate`` is true; a predicate raising counts as false. On timeout raises
        ``AssertionError`` listing the last requests."""
        for request in self.requests:
            if _matches(predicate, request):
                return request
        future: asyncio.Future[Request] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            name = getattr(predicate, "__name__", repr(predicate))
            raise AssertionError(
                self.report(f"no request matched {name} within {timeout} s")
            ) from None
        finally:
            self._waiters.remove(entry)

    async def wait_for_message(
        self, chat_id: int | str | None = None, contains: str | None = None, timeout: float = 5.0
    ) -> Request:
        """The first successful ``sendMessage`` to ``chat_id`` whose text contains
        ``contains`` (both optional)."""
        wanted = self.chat_key(chat_id) if chat_id is not None else None

        def sent_message(r: Request) -> bool:
            return (
                r.method == "sendMessage"
                and r.ok
                and (wanted is None or self.chat_key(r.chat_id) == wanted)
                and (contains is None or contains in r.params["text"])
            )

        sent_message.__name__ = f"sendMessage(chat_id={chat_id!r}, contains={contains!r})"
        return await self.wait_for(sent_message, timeout)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,
        *,
        interval: float | None = None,
        message: str | None = None,
    ) -> None:
        """Return once ``condition()`` is true. It is re-checked after every request the
        server answers and, if ``interval`` is given, every ``interval`` seconds (for state
        outside the server, e.g. the bot's database). Raises ``AssertionError`` on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                name = message or getattr(condition, "__name__", repr(condition))
                raise AssertionError(self.report(f"{name} still false after {timeout} s"))
            event = self._changed
            try:
                async with asyncio.timeout(min(remaining, interval or remaining)):
                    await event.wait()
            except TimeoutError:
                pass

    async def wait_for_count(
        self, method: str, n: int, timeout: float = 5.0, *, status: int | None = 200
    ) -> int:
        """Wait until ``stats`` counts at least ``n`` answers of ``method`` with ``status``
        (200 by default; ``None`` = any); return the count. Works with record_params off."""
        name = canonical(method)
        await self.wait_until(
            lambda: self.stats.count(name, status) >= n,
            timeout,
            message=f"{n} x {name} (status {status})",
        )
        return self.stats.count(name, status)

    def report(self, headline: str, last: int = 15) -> str:
        """A multi-line summary for assertion messages: recent requests and counters."""
        lines = [headline]
        recent = [r for r in self.requests if r.method != "getUpdates"][-last:]
        if recent:
            lines.append(f"last {len(recent)} requests (getUpdates omitted):")
            lines += [f"  {r.summary()}" for r in recent]
        elif not self.record_params:
            lines.append("(record_params is off: no request details)")
        else:
            lines.append("no requests besides getUpdates")
        lines.append(f"counts: {self.stats}")
        lines.append(f"pending updates: {[update_type(u) for u in self._updates]}")
        if self.internal_errors:
            lines.append(f"FAKE SERVER BUGS: {self.internal_errors}")
        return "\n".join(lines)


def _matches(predicate: Predicate, request: Request) -> bool:
    try:
        return bool(predicate(request))
    except Exception:
        return False
