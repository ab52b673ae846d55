"""Audience questions, the rules of asking: length, the key that finds a repeated question.

Pure: no Telegram, no SQL. The limits the database checks atomically (questions waiting per
author, bans, repeats) are applied by :meth:`storage.questions.QuestionRepository.ask`.
"""

from __future__ import annotations

import unicodedata
from enum import Enum

MIN_LENGTH = 3
MAX_LENGTH = 500
MAX_WAITING = 3
"""Questions of one author and event that may wait for moderation at once."""


class TextProblem(Enum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"


def question_text(raw: str) -> str:
    """The question as it is stored: as written, without surrounding blank space."""
    return raw.strip()


def text_problem(text: str) -> TextProblem | None:
    """Why ``text`` (already :func:`question_text`) is no question, or None."""
    if len(text) < MIN_LENGTH:
        return TextProblem.TOO_SHORT
    if len(text) > MAX_LENGTH:
        return TextProblem.TOO_LONG
    return None


def question_key(text: str) -> str:
    """What two copies of one question share: Unicode-normalised, case-folded, with every
    run of blank space one space and trailing punctuation such as ``?`` or ``!`` dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = " ".join(folded.split())
    return words.rstrip("?!.。？！ ") or words
