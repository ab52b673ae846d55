"""Wrap text into lines no wider than a number of pixels, for drawing (charts).

:mod:`bot.render.split` cuts HTML messages by Telegram's character count; this measures
drawn width with a callback (the font's), so it is pure and testable with any measure.
Lines break at spaces; a word is cut only when it is wider than a whole line by itself, as
a last resort. Non-breaking spaces (U+00A0, U+202F) stay inside their word, so ``31 %`` is
never split. Line breaks in the text are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Measure = Callable[[str], float]

_BREAKABLE = re.compile(r"[ \t\r\f\v]+")


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """The lines of ``text``, each ``measure``-d no wider than ``width`` (but a single
    character wider than ``width``, which gets a line of its own)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _BREAKABLE.split(paragraph):
            if not word:
                continue
            candidate = f"{line} {word}" if line else word
            if measure(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while measure(word) > width and len(word) > 1:
                head = _longest_fitting_prefix(word, width, measure)
                lines.append(head)
                word = word[len(head) :]
            line = word
        if line:
            lines.append(line)
    return lines


def _longest_fitting_prefix(word: str, width: float, measure: Measure) -> str:
    """The longest prefix of ``word`` that fits (at least one character), by bisection:
    widths grow with length."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return word[:low]
