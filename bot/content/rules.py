"""The limits a content file must respect, most of them Telegram's."""

from __future__ import annotations

from telegram.constants import MessageLimit, PollLimit

from bot.config import SUPPORTED_LANGUAGES
from storage.models import TOPICS

LANGUAGES: tuple[str, ...] = SUPPORTED_LANGUAGES
KNOWN_TOPICS: tuple[str, ...] = TOPICS

MAX_FILE_SIZE = 1024 * 1024
"""Bytes. The seed event in three languages is a few tens of kilobytes."""

MAX_TITLE_LENGTH = 256
"""Titles, names, roles, formats, organisers: one line each on a card or a button."""

MAX_PARAGRAPH_LENGTH: int = MessageLimit.MAX_TEXT_LENGTH - 96
"""A bullet or a description paragraph is never split, so it must fit one message, with
room for the bullet mark and the speaker's heading the renderer puts above it."""

MAX_QUESTION_LENGTH: int = PollLimit.MAX_QUESTION_LENGTH
MIN_OPTIONS: int = PollLimit.MIN_OPTION_NUMBER
MAX_OPTIONS: int = PollLimit.MAX_OPTION_NUMBER
MAX_OPTION_LENGTH: int = PollLimit.MAX_OPTION_LENGTH


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def too_large(size: int) -> str:
    return f"the file is {size} bytes; a content file may have at most {MAX_FILE_SIZE}"
