"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) for python-telegram-bot.

    async with FakeBotApi() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url)
                                  .base_file_url(api.base_file_url).build()
        ...
        api.inject_message(42, "/start")
        request = await api.wait_for_message(42)

The server answers with Bot API 10.0 objects, records every request (``api.requests``),
counts them (``api.stats``, ``api.delivered``), and can be scripted to fail (``block``,
``migrate``, ``fail_next``, ``random_errors``, ``rate_limit``, ``delay``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import socket
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakebot import objects
from tests.fakebot.faults import RateLimiter, ScriptedFailure
from tests.fakebot.methods import HANDLERS, BotApiMethods, Files
from tests.fakebot.names import MESSAGE_CREATING, canonical
from tests.fakebot.records import JSON, ApiError, Request, Stats, UploadedFile
from tests.fakebot.updates import UpdateQueue, update_type

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-token"
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "question",
        "explanation",
        "description",
        "title",
        "parse_mode",
        "query",
        "url",
        "callback_query_id",
        "inline_query_id",
        "file_id",
        "document",
        "photo",
        "emoji",
        "custom_title",
        "language_code",
        "business_connection_id",
        "next_offset",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "name",
        "short_description",
        "action",
        "type",
        "sticker",
        "video",
        "audio",
        "voice",
        "animation",
        "thumbnail",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "options",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
        "menu_button",
        "reaction",
        "allowed_updates",
        "results",
        "question_entities",
        "explanation_entities",
        "correct_option_ids",
        "message_ids",
        "media",
        "button",
        "rights",
        "permissions",
    }
)
_INT = re.compile(r"-?[0-9]{1,30}")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?")
Predicate = Callable[[Request], bool]


def _decode_form_value(key: str, value: str) -> Any:
    """PTB sends form fields JSON-encoded except plain strings; decode like Telegram does."""
    if key in _STRING_PARAMS or key.endswith(("_parse_mode", "_text")):
        return value
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in "[{" or key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


async def _read_params(request: web.Request) -> tuple[JSON, Files]:
    params: JSON = {k: _decode_form_value(k, v) for k, v in request.query.items()}
    files: Files = {}
    if request.content_type == "application/json":
        body = await request.read()
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON encoded request") from None
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: request body must be a JSON object")
            for key, value in data.items():
                if key in _JSON_PARAMS and isinstance(value, str):
                    value = _decode_form_value(key, value)
                params[key] = value
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
            elif isinstance(value, str):
                params[key] = _decode_form_value(key, value)
            else:
                params[key] = _decode_form_value(key, bytes(value).decode())
    return params, files


class FakeBotApi(BotApiMethods, UpdateQueue):
    """The fake Bot API. See the module docstring and README-style docs on each helper."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        bot_username: str = "eventbot_test",
        *,
        record_params: bool = True,
        store_messages: bool | None = None,
        delay: float = 0.0,
        jitter: float = 0.0,
        seed: int = 0,
    ) -> None:
        """``record_params=False`` keeps no ``Request`` objects (only ``stats`` and
        ``delivered``), and by default no messages either (``store_messages``), for long
        benchmarks; edits and deletes of unknown messages then succeed instead of 400."""
        super().__init__(
            token,
            bot_id,
            bot_username,
            store_messages=record_params if store_messages is None else store_messages,
        )
        self.record_params = record_params
        self.delay = delay
        """Seconds every answer waits (``asyncio.sleep``) before the request is processed."""
        self.jitter = jitter
        """Up to this many random seconds added to each delay."""
        self.requests: list[Request] = []
        self.stats = Stats()
        self.delivered: Counter[int | str] = Counter()
        """Successful message-creating sends per chat id."""
        self.internal_errors: list[str] = []
        """Tracebacks of bugs in the fake server itself (answered as 500)."""
        self._delays: dict[str, float] = {}
        self._rng = random.Random(seed)
        self._waiters: list[tuple[Predicate, asyncio.Future[Request]]] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, backlog=1024).start()
        self._closing = False

    async def stop(self) -> None:
        """Answer waiting long polls and stop listening."""
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` / ``Bot(base_file_url=...)``."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    # HTTP ---------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        method = canonical(request.match_info["method"])
        params: JSON = {}
        files: Files = {}
        processed = False
        try:
            try:
                params, files = await _read_params(request)
            except ApiError as error:
                status, payload = error.status, error.payload()
            else:
                delay = self._delays.get(method, self.delay)
                if self.jitter:
                    delay += self._rng.uniform(0.0, self.jitter)
                if delay > 0:
                    await asyncio.sleep(delay)
                processed = True
                status, payload = await self._answer(
                    request.match_info["token"], method, params, files
                )
        except asyncio.CancelledError:
            if not processed:  # the client gave up (e.g. a timeout) before we answered
                self._record(method, params, files, 499, {"ok": False, "description": "gone"})
            raise
        self._record(method, params, files, status, payload)
        body = json.dumps(payload, ensure_ascii=False).encode()
        return web.Response(body=body, status=status, content_type="application/json")

    async def _answer(
        self, token: str, method: str, params: JSON, files: Files
    ) -> tuple[int, JSON]:
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        handler = HANDLERS.get(method)
        if handler is None and method != "getUpdates":
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        chat = self.chat_key(params.get("chat_id"))
        chat_type = None
        if isinstance(chat, int):
            known = self.chats.get(chat)
            chat_type = known["type"] if known else objects.chat_type_for(chat)
        paid = params.get("allow_paid_broadcast") is True
        fault = self.faults.check(method, chat, chat_type, paid, time.monotonic())
        if fault is not None:
            return fault.status, fault.payload()
        try:
            if handler is None:
                result: Any = await self.get_updates(params)
            else:
                result = handler(self, params, files)
        except ApiError as error:
            return error.status, error.payload()
        except Exception:
            trace = traceback.format_exc()
            log.error("fake Bot API bug in %s: %s", method, trace)
            self.internal_errors.append(trace)
            return 500, {"ok": False, "error_code": 500, "description": "fake server bug"}
        if method in MESSAGE_CREATING and chat is not None:
            self.delivered[chat] += 1
        return 200, {"ok": True, "result": result}

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        stored = self.file_by_path(path)
        if request.match_info["token"] != self.token:
            status, payload = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif stored is None:
            status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            self._record("downloadFile", {"file_path": path}, {}, 200, {"ok": True})
            return web.Response(
                body=stored.content,
                content_type=stored.mime_type or "application/octet-stream",
            )
        self._record("downloadFile", {"file_path": path}, {}, status, payload)
        return web.json_response(payload, status=status)

    def _record(self, method: str, params: JSON, files: Files, status: int, payload: JSON) -> None:
        self.stats.add(method, status)
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

    # faults -------------------------------------------------------------------------------

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
        """Queue a scripted failure: the next ``times`` requests of ``method`` (any if None)
        to ``chat_id`` (any if None) answer ``status``. 429 answers carry ``retry_after``
        (default 1) as Telegram does; ``description`` overrides the error text."""
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
    ) -> None:
        """Server-side flood control over the sending methods (token buckets holding one
        second's worth, or ``burst``): requests above the rate answer 429 with
        ``retry_after`` (None: the seconds until a token is free, rounded up).
        ``allow_paid_broadcast`` sends use ``paid_per_second`` instead of ``per_second``.
        All rates None turns the limiter off."""
        if per_second is None and per_chat_per_second is None and per_group_per_minute is None:
            self.faults.limiter = None
            return
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


def _matches(predicate: Predicate, request: Request) -> bool:
    try:
        return bool(predicate(request))
    except Exception:
        return False
