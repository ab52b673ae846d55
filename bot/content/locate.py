"""Find the line of a field in TOML source text, for problem messages.

``tomllib`` returns plain dicts without positions, so this scans the (already valid) text once
and records the line where each key, array-of-tables entry and array element starts. It is a
best effort: anything it does not understand just leaves that field without a line, and the
field path in the message still says where to look.
"""

from __future__ import annotations

import bisect
import contextlib

from bot.content.problems import FieldPath

_SCALAR_END = ",]}\n\r#"


class SourceMap:
    def __init__(self, text: str) -> None:
        self._lines: dict[FieldPath, int] = {}
        scanner = _Scanner(text, self._lines)
        with contextlib.suppress(IndexError, ValueError):  # best effort: keep what was found
            scanner.document()

    def line(self, path: FieldPath) -> int | None:
        """The line of ``path``, else of its nearest ancestor that was found, else None."""
        for size in range(len(path), 0, -1):
            found = self._lines.get(path[:size])
            if found is not None:
                return found
        return None


class _Scanner:
    def __init__(self, text: str, found: dict[FieldPath, int]) -> None:
        self.text = text
        self.pos = 0
        self.found = found
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.array_tables: dict[FieldPath, int] = {}

    def line_at(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def record(self, path: FieldPath, pos: int) -> None:
        self.found.setdefault(path, self.line_at(pos))

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise ValueError(f"expected {token!r} at {self.pos}")
        self.pos += len(token)

    def skip_blank(self, *, newlines: bool) -> None:
        """Skip spaces, tabs and comments, and line breaks too when ``newlines``."""
        blanks = " \t\r\n" if newlines else " \t"
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in blanks:
                self.pos += 1
            elif ch == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: FieldPath = ()
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            start = self.pos
            if self.peek(2) == "[[":
                self.pos += 2
                keys = self.key()
                self.skip_blank(newlines=False)
                self.expect("]]")
                base = self.resolve(keys[:-1]) + keys[-1:]
                index = self.array_tables.get(base, -1) + 1
                self.array_tables[base] = index
                table = (*base, index)
                self.record(base, start)
                self.record(table, start)
            elif self.peek() == "[":
                self.pos += 1
                keys = self.key()
                self.skip_blank(newlines=False)
                self.expect("]")
                table = self.resolve(keys)
                self.record_prefixes(table, 0, start)
            else:
                self.key_value(table)

    def resolve(self, keys: tuple[str, ...]) -> FieldPath:
        """A header's keys as a path: ``[speakers.x]`` means the last ``[[speakers]]`` entry."""
        path: FieldPath = ()
        for key in keys:
            path = (*path, key)
            if path in self.array_tables:
                path = (*path, self.array_tables[path])
        return path

    def record_prefixes(self, path: FieldPath, start: int, pos: int) -> None:
        for size in range(start + 1, len(path) + 1):
            self.record(path[:size], pos)

    def key_value(self, table: FieldPath) -> None:
        start = self.pos
        keys = self.key()
        self.skip_blank(newlines=False)
        self.expect("=")
        self.skip_blank(newlines=False)
        path = table + keys
        self.record_prefixes(path, len(table), start)
        self.value(path)

    def key(self) -> tuple[str, ...]:
        keys: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            ch = self.peek()
            if ch == '"':
                begin = self.pos + 1
                self.basic_string()
                keys.append(self.text[begin : self.pos - 1])
            elif ch == "'":
                begin = self.pos + 1
                self.literal_string()
                keys.append(self.text[begin : self.pos - 1])
            else:
                begin = self.pos
                while self.pos < len(self.text) and (
                    self.text[self.pos].isalnum() or self.text[self.pos] in "_-"
                ):
                    self.pos += 1
                if begin == self.pos:
                    raise ValueError(f"no key at {begin}")
                keys.append(self.text[begin : self.pos])
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return tuple(keys)
            self.pos += 1

    def value(self, path: FieldPath) -> None:
        if self.peek(3) == '"""':
            self.multiline_string('"""', escapes=True)
        elif self.peek(3) == "'''":
            self.multiline_string("'''", escapes=False)
        elif self.peek() == '"':
            self.basic_string()
        elif self.peek() == "'":
            self.literal_string()
        elif self.peek() == "[":
            self.array(path)
        elif self.peek() == "{":
            self.inline_table(path)
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1

    def basic_string(self) -> None:
        self.pos += 1
        while self.text[self.pos] != '"':
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        self.pos += 1

    def literal_string(self) -> None:
        end = self.text.index("'", self.pos + 1)
        self.pos = end + 1

    def multiline_string(self, quotes: str, *, escapes: bool) -> None:
        self.pos += 3
        while not self.text.startswith(quotes, self.pos):
            self.pos += 2 if escapes and self.text[self.pos] == "\\" else 1
        self.pos += 3
        extra = 0  # up to two more quotes belong to the content: """a"""" is 'a"'
        while extra < 2 and self.peek() == quotes[0]:
            self.pos += 1
            extra += 1

    def array(self, path: FieldPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return
            if self.pos >= len(self.text):
                raise ValueError("unterminated array")
            self.record((*path, index), self.pos)
            self.value((*path, index))
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.pos += 1
            index += 1

    def inline_table(self, path: FieldPath) -> None:
        self.pos += 1
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "}":
                self.pos += 1
                return
            if self.peek() == ",":
                self.pos += 1
                continue
            if self.pos >= len(self.text):
                raise ValueError("unterminated inline table")
            self.key_value(path)
