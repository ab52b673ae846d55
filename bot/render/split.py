"""Split Telegram HTML into messages that each fit the length limit and are valid on their own.

Splits prefer paragraph boundaries (blank lines), then line breaks, then spaces, and only as a
last resort cut a word; never inside a tag or an entity (``&amp;``). A tag still open at a cut
is closed at the end of that chunk and re-opened, with its attributes, at the start of the next.
Lengths are counted in UTF-16 code units, as Telegram counts them, and include the markup, so
a chunk is never longer than the limit however Telegram measures it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from telegram.constants import MessageLimit

_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>"
    r"|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);"
)
_WHITESPACE = re.compile(r"\s+")

PARAGRAPH, LINE, WORD, CHAR = 3, 2, 1, 0
"""Break priorities: a higher one is preferred when it fits."""


@dataclass(frozen=True)
class _Break:
    start: int
    """Where the chunk before the break ends."""
    resume: int
    """Where the next chunk starts (after the separating whitespace)."""
    priority: int


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Document:
    """The HTML with its tag structure indexed for fast chunk measurement."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prefix = [0]
        for char in text:
            self.prefix.append(self.prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
        self.atoms: list[tuple[int, int]] = []
        """Spans that must stay whole: tags and entities."""
        self.stack_at: list[int] = [0]
        """Positions where the open-tag stack changes, with ``stacks`` the stack from there."""
        self.stacks: list[tuple[tuple[str, str], ...]] = [()]
        stack: list[tuple[str, str]] = []
        for match in _TOKEN.finditer(text):
            self.atoms.append(match.span())
            name = match.group("name")
            if name is None:
                continue
            name = name.lower()
            if match.group("close"):
                for index in range(len(stack) - 1, -1, -1):
                    if stack[index][0] == name:
                        del stack[index]
                        break
            else:
                stack.append((name, match.group(0)))
            self.stack_at.append(match.end())
            self.stacks.append(tuple(stack))
        self.atom_starts = [start for start, _ in self.atoms]

    def length(self, start: int, end: int) -> int:
        return self.prefix[end] - self.prefix[start]

    def stack(self, position: int) -> tuple[tuple[str, str], ...]:
        return self.stacks[bisect_right(self.stack_at, position) - 1]

    def inside_atom(self, position: int) -> bool:
        index = bisect_right(self.atom_starts, position) - 1
        if index < 0:
            return False
        start, end = self.atoms[index]
        return start < position < end

    def chunk(self, start: int, end: int) -> str:
        opened = "".join(tag for _, tag in self.stack(start))
        closed = "".join(f"</{name}>" for name, _ in reversed(self.stack(end)))
        return opened + self.text[start:end] + closed

    def chunk_length(self, start: int, end: int) -> int:
        opened = sum(_utf16_len(tag) for _, tag in self.stack(start))
        closed = sum(len(name) + 3 for name, _ in self.stack(end))
        return opened + self.length(start, end) + closed

    def breaks(self) -> list[_Break]:
        """Every place a chunk may end, in order: whitespace outside markup, and (priority
        ``CHAR``) every character boundary outside markup."""
        found: dict[int, _Break] = {}
        for match in _WHITESPACE.finditer(self.text):
            start, end = match.span()
            if self.inside_atom(start):
                continue
            newlines = match.group(0).count("\n")
            priority = PARAGRAPH if newlines >= 2 else LINE if newlines == 1 else WORD
            found[start] = _Break(start, end, priority)
        atom_index = 0
        position = 0
        while position <= len(self.text):
            if atom_index < len(self.atoms) and self.atoms[atom_index][0] == position:
                position = self.atoms[atom_index][1]
                atom_index += 1
                found.setdefault(position, _Break(position, position, CHAR))
                continue
            found.setdefault(position, _Break(position, position, CHAR))
            position += 1
        return [found[key] for key in sorted(found)]


def split_html(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut ``text`` into chunks of at most ``limit`` UTF-16 units, each valid HTML."""
    text = text.strip()
    if not text:
        return []
    document = _Document(text)
    if document.chunk_length(0, len(text)) <= limit:
        return [text]
    breaks = document.breaks()
    chunks: list[str] = []
    start = 0
    index = 0
    while start < len(text):
        best: dict[int, _Break] = {}
        while index < len(breaks) and breaks[index].start <= start:
            index += 1
        probe = index
        while probe < len(breaks):
            candidate = breaks[probe]
            if document.length(start, candidate.start) > limit:
                break
            if document.chunk_length(start, candidate.start) <= limit:
                best[candidate.priority] = candidate
            probe += 1
        chosen = next((best[p] for p in (PARAGRAPH, LINE, WORD, CHAR) if p in best), None)
        if chosen is None:
            raise ValueError(f"cannot fit any text into {limit} characters at offset {start}")
        piece = document.chunk(start, chosen.start)
        if _visible(piece):
            chunks.append(piece)
        start = chosen.resume
        if start >= len(text):
            break
        if document.chunk_length(start, len(text)) <= limit:
            rest = document.chunk(start, len(text))
            if _visible(rest):
                chunks.append(rest)
            break
    return chunks


def _visible(html: str) -> bool:
    """Whether a chunk shows anything (not only markup and whitespace)."""
    return bool(_TOKEN.sub(lambda m: "x" if m.group(0).startswith("&") else "", html).strip())
