"""Splitting long HTML into valid messages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from telegram.constants import MessageLimit

from bot.render.split import split_html

TAG = re.compile(r"<[^>]*>")


class _Checker(HTMLParser):
    """Fails on tags closed out of order or left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_valid(chunk: str) -> str:
    checker = _Checker()
    checker.feed(chunk)
    checker.close()
    assert not checker.stack, f"left open: {checker.stack}"
    assert not re.search(r"&(?![a-zA-Z]+;|#[0-9]+;|#x[0-9a-fA-F]+;)", chunk), "broken entity"
    assert "<" not in TAG.sub("", chunk), "broken tag"
    return "".join(checker.text)


def visible(html: str) -> str:
    checker = _Checker()
    checker.feed(html)
    return "".join(checker.text)


def test_short_text_is_one_chunk() -> None:
    assert split_html("<b>hi</b> &amp; bye") == ["<b>hi</b> &amp; bye"]
    assert split_html("   \n\n ") == []


def test_ten_thousand_chars_with_tags() -> None:
    paragraphs = [
        f"<b>Part {i}</b> — <i>some &amp; text &lt;here&gt;</i> "
        + "lorem ipsum dolor sit amet " * 12
        + f'<a href="https://example.org/?a={i}&amp;b=2">link {i}</a>'
        for i in range(25)
    ]
    text = "\n\n".join(paragraphs)
    assert len(text) > 10_000
    chunks = split_html(text)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert len(chunk) <= MessageLimit.MAX_TEXT_LENGTH
        check_valid(chunk)
        # paragraph boundaries: every chunk starts a paragraph and ends one
        assert chunk.startswith("<b>Part ")
        assert chunk.endswith("</a>")
    assert "\n\n".join(chunks) == text


def test_tags_spanning_a_split_are_closed_and_reopened() -> None:
    inner = "\n\n".join(f"paragraph {i} " + "x " * 40 for i in range(40))
    text = f'<blockquote expandable><a href="https://e.org/?q=1&amp;r=2"><b>{inner}</b></a></blockquote>'
    chunks = split_html(text, 500)
    assert len(chunks) > 4
    for chunk in chunks:
        assert len(chunk) <= 500
        check_valid(chunk)
        assert chunk.startswith('<blockquote expandable><a href="https://e.org/?q=1&amp;r=2"><b>')
        assert chunk.endswith("</b></a></blockquote>")
    assert " ".join(visible(c) for c in chunks).split() == visible(text).split()


def test_lines_then_words_then_characters() -> None:
    lines = "\n".join("line " + str(i) + " " + "word " * 10 for i in range(30))
    chunks = split_html(lines, 200)
    assert all(c.startswith("line ") for c in chunks)
    words = " ".join(f"<i>w{i}</i>&amp;" for i in range(300))
    chunks = split_html(words, 100)
    for chunk in chunks:
        assert len(chunk) <= 100
        check_valid(chunk)
    assert " ".join(chunks).split() == words.split()
    solid = "<b>" + "&amp;x" * 300 + "</b>"
    chunks = split_html(solid, 100)
    for chunk in chunks:
        assert len(chunk) <= 100
        check_valid(chunk)
    assert "".join(visible(c) for c in chunks) == "&x" * 300


def test_length_counts_utf16_units() -> None:
    text = " ".join(["😀😀😀😀"] * 100)
    for chunk in split_html(text, 50):
        assert len(chunk.encode("utf-16-le")) // 2 <= 50


@pytest.mark.parametrize(
    "text",
    [
        "Русский текст &amp; <b>жирный</b>. " * 300,
        "한국어 텍스트 &lt;태그&gt; <i>기울임</i>\n\n" * 300,
    ],
)
def test_other_scripts(text: str) -> None:
    chunks = split_html(text, 1000)
    for chunk in chunks:
        assert len(chunk) <= 1000
        check_valid(chunk)
    assert " ".join(visible(c) for c in chunks).split() == visible(text).split()
