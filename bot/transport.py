"""A lean HTTP transport for python-telegram-bot, on aiohttp.

PTB's default ``HTTPXRequest`` costs about 1.5 ms of CPU per ``send_message`` on our 2-core
machine; this one about a quarter of that (see ``bench/broadcast.py``), which is what lets one
process send 1000 paid broadcast messages a second. It is used for every Bot API call but
``getUpdates`` (long polling stays on httpx, where a slow request costs nothing).

Errors map like HTTPXRequest's: timeouts → ``TimedOut``, other client errors →
``NetworkError``; PTB turns HTTP status codes into its exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData
from yarl import URL

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """``telegram.request.BaseRequest`` over one ``aiohttp.ClientSession``.

    The session is created in :meth:`initialize` (inside the running loop) and keeps up to
    ``connection_pool_size`` keep-alive connections.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_timeouts",
        "_urls",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[object, ...], aiohttp.ClientTimeout] = {}
        self._urls: dict[str, URL] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, ttl_dns_cache=300, enable_cleanup_closed=True
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),
                raise_for_status=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(
        self,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
        has_files: bool,
    ) -> aiohttp.ClientTimeout:
        key = (read_timeout, write_timeout, connect_timeout, pool_timeout, has_files)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = self._make_timeout(
                read_timeout, write_timeout, connect_timeout, pool_timeout, has_files
            )
            if len(self._timeouts) < 64:
                self._timeouts[key] = timeout
        return timeout

    def _make_timeout(
        self,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
        has_files: bool,
    ) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if has_files else self._write_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # Each aiohttp timeout is a timer per request, which counts at 1000 requests/s. Small
        # JSON requests get ``sock_connect`` (a new connection) and ``sock_read`` (a silent
        # server) only; the wait for a pooled connection is not bounded, as the broadcast
        # sender never has more requests in flight than the pool holds. Uploads, which
        # aiohttp cannot bound by a write timeout, get a total and the pool wait bounded.
        if has_files:
            total = None if read is None or write is None else read + write + (connect or 0.0)
            return aiohttp.ClientTimeout(
                total=total,
                connect=None if connect is None else connect + (pool or 0.0),
                sock_connect=connect,
                sock_read=read,
            )
        return aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, has_files
        )
        kwargs: dict[str, Any] = {"timeout": timeout}
        if request_data is not None:
            if has_files:
                kwargs["data"] = _form_data(request_data)
            else:
                # One JSON body (Telegram takes application/json) is much cheaper than
                # url-encoding every JSON-encoded field as PTB's HTTPXRequest does.
                kwargs["data"] = json.dumps(request_data.parameters).encode()
                kwargs["headers"] = _JSON
        return await self._send(method, url, kwargs)

    async def post_json(self, url: str, parameters: Mapping[str, Any]) -> Any:
        """One Bot API call with ready-made JSON parameters: its ``result``, or the
        python-telegram-bot exception ``BaseRequest.post`` would raise for the answer.

        The broadcast hot path builds its parameters once per broadcast and language; this
        skips PTB's per-parameter objects (a sixth of the CPU of a send).
        """
        kwargs: dict[str, Any] = {
            "timeout": self._timeout(DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, DEFAULT_NONE, False),
            "data": json.dumps(parameters).encode(),
            "headers": _JSON,
        }
        status, payload = await self._send("POST", url, kwargs)
        if 200 <= status <= 299:
            return self.parse_json_payload(payload)["result"]
        raise api_error(status, payload)

    async def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        target = self._urls.get(url)
        if target is None:
            target = URL(url)
            if len(self._urls) < 256:
                self._urls[url] = target
        try:
            async with session.request(method, target, **kwargs) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # the URL holds the bot token: never let it into a message
            text = str(error).replace(url, "<url>").replace(str(target), "<url>")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {text}") from error


def api_error(status: int, payload: bytes) -> TelegramError:
    """The exception python-telegram-bot raises for a Bot API error answer (see
    ``BaseRequest._request_wrapper``): parameters first, then the HTTP status."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown HTTPError"
    try:
        data = json.loads(payload)
    except ValueError:
        return NetworkError(f"{phrase} ({status}). Parsing the server response failed")
    if not isinstance(data, dict):
        data = {}
    description = str(data.get("description") or f"{phrase} ({status})")
    parameters = data.get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        return ChatMigrated(int(parameters["migrate_to_chat_id"]))
    if parameters.get("retry_after"):
        return RetryAfter(int(parameters["retry_after"]))
    if status == HTTPStatus.FORBIDDEN:
        return Forbidden(description)
    if status in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        return InvalidToken(description)
    if status == HTTPStatus.BAD_REQUEST:
        return BadRequest(description)
    if status == HTTPStatus.CONFLICT:
        return Conflict(description)
    return NetworkError(description)


def _form_data(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form

