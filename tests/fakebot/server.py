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
import re
import socket
import time
import traceback
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakebot import objects
from tests.fakebot.controls import FaultControls
from tests.fakebot.methods import HANDLERS, BotApiMethods, Files
from tests.fakebot.names import MESSAGE_CREATING, canonical
from tests.fakebot.recording import Recorder
from tests.fakebot.records import JSON, ApiError, UploadedFile
from tests.fakebot.updates import UpdateQueue

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


class FakeBotApi(BotApiMethods, FaultControls, Recorder, UpdateQueue):
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
        self._init_recording(record_params)
        self._init_controls(delay, jitter, seed)
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
                delay = self.delay_of(method)
                if delay > 0:
                    await asyncio.sleep(delay)
                processed = True
                status, payload = await self._answer(
                    request.match_info["token"], method, params, files
                )
        except asyncio.CancelledError:
            if not processed and method != "getUpdates":  # the client gave up (a timeout?)
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
