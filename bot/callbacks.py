"""The one codec for inline-button ``callback_data``.

Data is ``prefix:arg:arg…``. Every feature owns a short prefix (``lang:``, ``ev:``, ``spk:``…)
and decodes with :func:`decode`, which checks the shape and types: forged or stale data gives
``None``, and the handler answers with a polite refusal instead of raising.
"""

from __future__ import annotations

from typing import overload

from telegram.constants import InlineKeyboardButtonLimit

SEPARATOR = ":"
MAX_BYTES: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA


class CallbackDataError(ValueError):
    """Callback data that cannot be encoded (too long, separator inside an argument)."""


def encode(prefix: str, *args: str | int) -> str:
    parts = [prefix]
    for arg in args:
        text = str(arg)
        if SEPARATOR in text:
            raise CallbackDataError(f"{SEPARATOR!r} inside callback argument {text!r}")
        parts.append(text)
    data = SEPARATOR.join(parts)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def pattern(prefix: str) -> str:
    """The regex a ``CallbackQueryHandler`` uses to route a prefix."""
    return rf"^{prefix}(?:{SEPARATOR}|$)"


@overload
def decode(data: object, prefix: str, types: tuple[()]) -> tuple[()] | None: ...
@overload
def decode(data: object, prefix: str, types: tuple[type[int]]) -> tuple[int] | None: ...
@overload
def decode(data: object, prefix: str, types: tuple[type[str]]) -> tuple[str] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[str], type[int]]
) -> tuple[str, int] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[str], type[str]]
) -> tuple[str, str] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[str], type[int], type[str]]
) -> tuple[str, int, str] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[str], type[str], type[int]]
) -> tuple[str, str, int] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[str], type[int], type[int]]
) -> tuple[str, int, int] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[str], type[int], type[int], type[str]]
) -> tuple[str, int, int, str] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[int], type[str]]
) -> tuple[int, str] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[int], type[str], type[int]]
) -> tuple[int, str, int] | None: ...
@overload
def decode(
    data: object, prefix: str, types: tuple[type[int], type[int]]
) -> tuple[int, int] | None: ...
def decode(data: object, prefix: str, types: tuple[type, ...]) -> tuple[object, ...] | None:
    """Split ``data`` made by :func:`encode` back into typed arguments, or ``None``."""
    if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if parts[0] != prefix or len(parts) - 1 != len(types):
        return None
    values: list[object] = []
    for text, kind in zip(parts[1:], types, strict=True):
        if kind is int:
            if not text.lstrip("-").isdigit() or len(text) > 19:
                return None
            values.append(int(text))
        elif not text:
            return None
        else:
            values.append(text)
    return tuple(values)
