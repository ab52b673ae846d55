"""Telegram's checks on message content: HTML parse mode, lengths, inline keyboards.

The HTML check is a little stricter than Telegram on purpose: a bare ``>`` or an ``&`` that
does not start an entity is an error here (Telegram tolerates them), because in this project
they always mean a value was not passed through ``html.escape``. Set
``FakeBotApi.strict_html = False`` to accept them as Telegram does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot.objects import utf16_len
from tests.fakebot.records import ApiError, bad_request

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_OPTIONS = 12
MIN_POLL_OPTIONS = 1  # Bot API 10.0 lowered it from 2

_TOKEN = re.compile(r"<[^<>]*>?|&[^;<>&\s]*;?|>|[^<>&]+", re.DOTALL)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^>]*)?)>\Z", re.DOTALL)
_ATTR = re.compile(r"""\s*([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")

_ENTITY_TYPE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
ALLOWED_TAGS = frozenset(_ENTITY_TYPE)


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML."""


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    offset: int
    byte_offset: int
    language: str | None = None
    children: list[JSON] = field(default_factory=list)


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (plain text, entities), raising ``EntityParseError``.

    Tags must be among ``ALLOWED_TAGS`` and balanced; ``<``, ``>`` and ``&`` outside tags must be
    escaped (``>`` and bare ``&`` only when ``strict``).
    """
    out: list[str] = []
    offset = 0  # in UTF-16 code units
    byte_offset = 0
    stack: list[_Open] = []
    entities: list[JSON] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] == "<":
            tag = _TAG.match(token)
            if tag is None:
                bad = re.match(r"<(/?)([^\s<>/]*)", token)
                name = bad.group(2) if bad else ""
                kind = "end" if bad and bad.group(1) else "start"
                raise EntityParseError(
                    f'Unsupported {kind} tag "{name}" at byte offset {byte_offset}'
                )
            closing, name, rest = tag.group(1), tag.group(2).lower(), tag.group(3)
            if closing:
                if not stack:
                    raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset}")
                top = stack.pop()
                if top.name != name:
                    raise EntityParseError(
                        f'Unmatched end tag at byte offset {byte_offset}, expected "</{top.name}>"'
                        f', found "</{name}>"'
                    )
                _close(top, offset, stack, entities)
            else:
                if name not in ALLOWED_TAGS:
                    raise EntityParseError(
                        f'Unsupported start tag "{name}" at byte offset {byte_offset}'
                    )
                attrs = _parse_attrs(rest, byte_offset)
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise EntityParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
                    )
                if name == "tg-emoji" and "emoji-id" not in attrs:
                    raise EntityParseError(
                        f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset'
                        f" {byte_offset}"
                    )
                if name == "tg-time" and not attrs.get("unix", "").isdigit():
                    raise EntityParseError(
                        f'Tag "tg-time" must have attribute "unix" at byte offset {byte_offset}'
                    )
                stack.append(_Open(name, attrs, offset, byte_offset))
        elif token[0] == "&":
            if _ENTITY.fullmatch(token):
                decoded = html.unescape(token)
            elif strict:
                raise EntityParseError(
                    f'Character "&" must be escaped as "&amp;" at byte offset {byte_offset}'
                )
            else:
                decoded = token
            out.append(decoded)
            offset += utf16_len(decoded)
        elif token == ">":
            if strict:
                raise EntityParseError(
                    f'Character ">" must be escaped as "&gt;" at byte offset {byte_offset}'
                )
            out.append(token)
            offset += 1
        else:
            out.append(token)
            offset += utf16_len(token)
        byte_offset += len(token.encode())
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_attrs(rest: str, byte_offset: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    position = 0
    rest = rest.rstrip("/ \t\n")
    while position < len(rest):
        match = _ATTR.match(rest, position)
        if match is None or match.end() == position:
            raise EntityParseError(f"Can't parse tag attributes at byte offset {byte_offset}")
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match.group(1).lower()] = html.unescape(value)
        position = match.end()
    return attrs


def _close(top: _Open, offset: int, stack: list[_Open], entities: list[JSON]) -> None:
    entity_type = _ENTITY_TYPE[top.name]
    length = offset - top.offset
    if top.name == "code" and stack and stack[-1].name == "pre":
        language = top.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].language = language.removeprefix("language-")
            return
    if length <= 0:
        return
    entity: JSON = {"type": entity_type, "offset": top.offset, "length": length}
    if top.name == "a":
        href = top.attrs.get("href")
        if not href:
            return
        entity["url"] = href
    elif top.name == "pre" and top.language:
        entity["language"] = top.language
    elif top.name == "blockquote" and "expandable" in top.attrs:
        entity["type"] = "expandable_blockquote"
    elif top.name == "tg-emoji":
        entity["custom_emoji_id"] = top.attrs["emoji-id"]
    elif top.name == "tg-time":
        entity["unix_time"] = int(top.attrs["unix"])
        if "format" in top.attrs:
            entity["date_time_format"] = top.attrs["format"]
    entities.append(entity)


def render_text(
    text: Any,
    parse_mode: Any,
    entities: Any,
    *,
    caption: bool = False,
    strict: bool = True,
) -> tuple[str, list[JSON]]:
    """Check ``text``/``caption`` as Telegram does and return (plain text, entities)."""
    if not isinstance(text, str) or not text:
        raise bad_request("message caption is empty" if caption else "message text is empty")
    mode = parse_mode.lower() if isinstance(parse_mode, str) else None
    if mode == "html":
        try:
            plain, parsed = parse_html(text, strict=strict)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        plain = text
        parsed = list(entities) if isinstance(entities, list) else []
    limit = MAX_CAPTION if caption else MAX_TEXT
    if len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    if not plain.strip():
        raise bad_request("message caption is empty" if caption else "message text is empty")
    return plain, parsed


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_reply_markup(markup: Any) -> None:
    """Raise the ``ApiError`` Telegram answers for an invalid ``reply_markup``."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: field "inline_keyboard" must'
                " be an Array of Arrays"
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('can\'t parse keyboard: field "keyboard" must be an Array of Arrays')


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not button["text"]:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+\Z", url):
            raise bad_request("BUTTON_URL_INVALID")


def check_poll(question: Any, options: Any) -> list[str]:
    """Validate ``sendPoll``'s question and options; return the option texts."""
    if not isinstance(question, str) or not question.strip():
        raise bad_request("poll question must be non-empty")
    if len(question) > MAX_POLL_QUESTION:
        raise bad_request(f"poll question length must not exceed {MAX_POLL_QUESTION}")
    if not isinstance(options, list):
        raise bad_request("can't parse options JSON object")
    texts: list[str] = []
    for option in options:
        value = option.get("text") if isinstance(option, dict) else option
        if not isinstance(value, str) or not value.strip():
            raise bad_request("poll options must be non-empty")
        if len(value) > MAX_POLL_OPTION:
            raise bad_request(f"poll options length must not exceed {MAX_POLL_OPTION}")
        texts.append(value)
    if len(texts) < MIN_POLL_OPTIONS:
        raise bad_request(f"poll must have at least {MIN_POLL_OPTIONS} option")
    if len(texts) > MAX_POLL_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_POLL_OPTIONS} options")
    return texts


def require(params: JSON, *names: str) -> None:
    """Raise 400 like Telegram for the first missing required parameter."""
    for name in names:
        value = params.get(name)
        if value is None or value == "":
            default = f'Bad Request: parameter "{name}" is required'
            raise ApiError(400, _MISSING.get(name, default))


_MISSING = {
    "chat_id": "Bad Request: chat_id is empty",
    "text": "Bad Request: message text is empty",
    "message_id": "Bad Request: message identifier is not specified",
    "from_chat_id": "Bad Request: chat_id is empty",
    "callback_query_id": "Bad Request: query_id is empty",
    "inline_query_id": "Bad Request: query_id is empty",
    "user_id": "Bad Request: user not found",
    "file_id": "Bad Request: invalid file_id",
    "question": "Bad Request: poll question must be non-empty",
    "options": "Bad Request: poll must have at least 1 option",
    "document": "Bad Request: there is no document in the request",
    "photo": "Bad Request: there is no photo in the request",
    "commands": 'Bad Request: parameter "commands" is required',
}
