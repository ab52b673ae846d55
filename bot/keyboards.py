"""Turn a :class:`~bot.render.types.Rendered` keyboard description into Telegram markup."""

from __future__ import annotations

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
