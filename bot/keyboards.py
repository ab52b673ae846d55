"""Turn a :class:`~bot.render.types.Rendered` keyboard description into Telegram markup."""

from __future__ import annotations

import json
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render.types import Button, Rendered


def _button(button: Button) -> InlineKeyboardButton:
    if button.url is not None:
        return InlineKeyboardButton(button.text, url=button.url)
    if button.switch_inline_query is not None:
        return InlineKeyboardButton(button.text, switch_inline_query=button.switch_inline_query)
    return InlineKeyboardButton(button.text, callback_data=button.callback_data or "noop")


def markup(rendered: Rendered) -> InlineKeyboardMarkup | None:
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup([[_button(b) for b in row] for row in rendered.buttons])


def markup_json(rendered: Rendered) -> str | None:
    """:func:`markup` as the Bot API's JSON, built without python-telegram-bot objects (for
    requests sent raw on a hot path; :func:`markup` is what the same buttons become)."""
    if not rendered.buttons:
        return None
    rows: list[list[dict[str, Any]]] = []
    for row in rendered.buttons:
        cells: list[dict[str, Any]] = []
        for button in row:
            if button.url is not None:
                cells.append({"text": button.text, "url": button.url})
            elif button.switch_inline_query is not None:
                cells.append(
                    {"text": button.text, "switch_inline_query": button.switch_inline_query}
                )
            else:
                cells.append({"text": button.text, "callback_data": button.callback_data or "noop"})
        rows.append(cells)
    return json.dumps({"inline_keyboard": rows}, ensure_ascii=False)
