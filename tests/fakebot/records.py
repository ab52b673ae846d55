"""What the fake Bot API remembers about the requests it answered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot.names import canonical

JSON = dict[str, Any]


class ApiError(Exception):
    """Raised by a method implementation to answer ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram would answer."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(what: str) -> ApiError:
    """A 400 answer; ``what`` is the text after ``"Bad Request: "``."""
    return ApiError(400, f"Bad Request: {what}")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file uploaded with multipart/form-data."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(slots=True)
class Request:
    """One answered Bot API request.

    ``method`` is the canonical spelling (``"sendMessage"`` even if the client asked for
    ``"SENDMESSAGE"``); ``params`` are decoded (ints, bools, and JSON-encoded fields such as
    ``reply_markup`` as Python objects); ``response`` is the whole JSON body answered;
    ``time`` is ``time.monotonic()`` when it was answered (after any configured delay).
    """

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        """True if the request was answered with HTTP 200."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """The ``chat_id`` parameter (an int, or an ``"@username"`` string), if any."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The ``text`` or, failing that, the ``caption`` parameter."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def result(self) -> Any:
        """The ``result`` of a successful answer (``None`` for errors)."""
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        """The error description of a failed answer."""
        value = self.response.get("description")
        return value if isinstance(value, str) else None

    def summary(self) -> str:
        """One line for failure messages."""
        parts = [self.method]
        if self.chat_id is not None:
            parts.append(f"chat={self.chat_id}")
        if "message_id" in self.params:
            parts.append(f"msg={self.params['message_id']}")
        text = self.text or self.params.get("data") or self.params.get("question")
        if isinstance(text, str):
            parts.append(repr(text if len(text) <= 70 else text[:67] + "..."))
        parts.append(f"-> {self.status}")
        if not self.ok and self.description:
            parts.append(self.description)
        return " ".join(parts)


@dataclass
class Stats:
    """Counters kept for every request, even when parameters are not recorded."""

    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    by_method_status: Counter[tuple[str, int]] = field(default_factory=Counter)

    def add(self, method: str, status: int) -> None:
        self.by_method[method] += 1
        self.by_status[status] += 1
        self.by_method_status[method, status] += 1

    def count(self, method: str | None = None, status: int | None = None) -> int:
        """Requests answered, optionally only of ``method`` and/or with HTTP ``status``."""
        if method is None:
            return self.total if status is None else self.by_status[status]
        method = canonical(method)
        if status is None:
            return self.by_method[method]
        return self.by_method_status[method, status]

    @property
    def total(self) -> int:
        """All requests answered."""
        return sum(self.by_method.values())

    def clear(self) -> None:
        self.by_method.clear()
        self.by_status.clear()
        self.by_method_status.clear()

    def __str__(self) -> str:
        rows = sorted(self.by_method_status.items(), key=lambda kv: (kv[0][0], kv[0][1]))
        return ", ".join(f"{m}/{s}: {n}" for (m, s), n in rows) or "no requests"


def most_in_window(times: Sequence[float], span: float = 1.0) -> int:
    """The most of ``times`` (sorted) inside any half-open window of ``span`` seconds: what a
    sliding-window flood limit counts (e.g. the peak of accepted sends in any second)."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - span:
            start += 1
        best = max(best, end - start + 1)
    return best
