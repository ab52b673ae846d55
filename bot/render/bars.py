"""A labelled horizontal bar chart as a PNG: a title, then per bar its label and a bar with
its value (``33 (31%)``), then notes. Pure: texts and numbers in, PNG bytes out.

The poll results chart (:mod:`bot.render.chart`) is one; any other count per name (readers
per speaker…) can be another. Texts are wrapped at spaces to the chart's width, never cut
mid-word unless one word is wider than a line. They are drawn in the chart fonts
(:mod:`bot.render.fonts`); if those lack a glyph of any text, the chart is drawn the way it
was before it had labels: numbered bars and their values only (:func:`render_numbered`), so
that nothing shows as empty boxes, and the option texts stay in the message.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.render.fonts import FontSet, chart_fonts
from bot.render.wrap import wrap

WIDTH = 800
PADDING = 28
TITLE_SIZE = 30
TEXT_SIZE = 25
VALUE_SIZE = 23
NOTE_SIZE = 21
GUTTER = 46
"""Room for the numbers (``12.``) left of labels and bars, when the bars are numbered."""
BAR_HEIGHT = 38
LABEL_GAP = 6
"""Between a label and its bar."""
BAR_GAP = 22
"""Between one bar and the next label."""
SECTION_GAP = 18
"""Between the title block, the bars and the notes."""
MIN_BAR = 16
"""A bar with a value above zero is at least this long, so it is visible."""

BACKGROUND = (255, 255, 255)
TRACK = (236, 239, 244)
BAR = (84, 132, 216)
LEADER = (38, 92, 184)
INK = (33, 37, 41)
MUTED = (96, 104, 112)

Colour = tuple[int, int, int]

_DRAWING = threading.Lock()
"""Charts are drawn in worker threads (``asyncio.to_thread``) with font objects shared per
size, and a FreeType face must not be used by two threads at once: one chart at a time."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    value_text: str
    """What is written on or next to the bar, formatted by the caller (``33 (31%)``)."""


def render_bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    subtitle: str = "",
    notes: Sequence[str] = (),
    full: float | None = None,
    numbered: bool = False,
    fonts: FontSet | None = None,
) -> bytes:
    """The chart as PNG bytes.

    ``full``: the value of a bar as long as the track (e.g. the total of shares, so a 31 %
    bar fills 31 % of it); None: the largest value. ``numbered``: ``1.``, ``2.``… before the
    labels. ``fonts``: the chart fonts by default; when they cannot draw every text, the
    numbered chart without texts (:func:`render_numbered`) is returned instead.
    """
    fonts = chart_fonts() if fonts is None else fonts
    with _DRAWING:
        if not can_label(fonts, _texts(title, bars, subtitle, notes, numbered)):
            return render_numbered(bars, full=full)
        return _Labelled(fonts, numbered).draw(title, subtitle, bars, notes, _scale(bars, full))


def can_label(fonts: FontSet, texts: Iterable[str]) -> bool:
    """Whether ``fonts`` have a glyph for every character of ``texts``."""
    return bool(fonts.faces) and all(fonts.covers(text) for text in texts)


def _texts(
    title: str, bars: Sequence[Bar], subtitle: str, notes: Sequence[str], numbered: bool
) -> list[str]:
    texts = [title, subtitle, *notes]
    for index, bar in enumerate(bars):
        texts += [bar.label, bar.value_text]
        if numbered:
            texts.append(f"{index + 1}.")
    return texts


def _scale(bars: Sequence[Bar], full: float | None) -> float:
    largest = max((bar.value for bar in bars), default=0.0)
    return full if full is not None and full > 0 else largest


def _length(value: float, scale: float, track: int) -> int:
    """Pixels of a bar: proportional, visible when above zero, never past the track."""
    if scale <= 0 or value <= 0:
        return 0
    return min(track, max(MIN_BAR, round(track * value / scale)))


def _is_leader(bars: Sequence[Bar], bar: Bar) -> bool:
    return bar.value > 0 and bar.value == max(b.value for b in bars)


class _Labelled:
    """Lays out and draws a labelled chart: every block is measured first, to size the
    image, then drawn top to bottom."""

    def __init__(self, fonts: FontSet, numbered: bool) -> None:
        self.fonts = fonts
        self.numbered = numbered
        self.left = PADDING + (GUTTER if numbered else 0)
        self.right = WIDTH - PADDING

    def lines(self, text: str, size: int, left: int) -> list[str]:
        return wrap(text, self.right - left, lambda line: self.fonts.length(line, size))

    def line_height(self, size: int) -> int:
        ascent, descent = self.fonts.faces[0].font(size).getmetrics()
        return ascent + descent

    def block_height(self, lines: list[str], size: int) -> int:
        return len(lines) * self.line_height(size)

    def draw(
        self, title: str, subtitle: str, bars: Sequence[Bar], notes: Sequence[str], scale: float
    ) -> bytes:
        title_lines = self.lines(title, TITLE_SIZE, PADDING)
        subtitle_lines = self.lines(subtitle, NOTE_SIZE, PADDING)
        labels = [self.lines(bar.label, TEXT_SIZE, self.left) for bar in bars]
        note_lines = [line for note in notes for line in self.lines(note, NOTE_SIZE, PADDING)]
        heading = self.block_height(title_lines, TITLE_SIZE) + self.block_height(
            subtitle_lines, NOTE_SIZE
        )
        rows = sum(
            self.block_height(label, TEXT_SIZE) + LABEL_GAP * bool(label) + BAR_HEIGHT
            for label in labels
        ) + BAR_GAP * max(0, len(bars) - 1)
        footer = self.block_height(note_lines, NOTE_SIZE)
        height = PADDING * 2 + heading + rows + footer
        height += SECTION_GAP * (bool(heading) + bool(note_lines))

        image = Image.new("RGB", (WIDTH, height), BACKGROUND)
        draw = ImageDraw.Draw(image)
        y = PADDING
        y = self.text_block(draw, title_lines, PADDING, y, TITLE_SIZE, INK)
        y = self.text_block(draw, subtitle_lines, PADDING, y, NOTE_SIZE, MUTED)
        y += SECTION_GAP if heading else 0
        for index, (bar, label) in enumerate(zip(bars, labels, strict=True)):
            if self.numbered:
                number_y = y if label else y + (BAR_HEIGHT - self.line_height(TEXT_SIZE)) // 2
                self.text(draw, f"{index + 1}.", PADDING, number_y, TEXT_SIZE, INK)
            y = self.text_block(draw, label, self.left, y, TEXT_SIZE, INK)
            y += LABEL_GAP if label else 0
            self.bar(draw, bar, _is_leader(bars, bar), scale, y)
            y += BAR_HEIGHT + BAR_GAP
        y += SECTION_GAP - BAR_GAP if bars else 0
        self.text_block(draw, note_lines, PADDING, y, NOTE_SIZE, MUTED)
        return _png(image)

    def text_block(
        self, draw: ImageDraw.ImageDraw, lines: list[str], x: int, y: int, size: int,
        fill: Colour,
    ) -> int:
        """Draws ``lines`` from ``y`` down; returns the ``y`` below them."""
        for line in lines:
            self.text(draw, line, x, y, size, fill)
            y += self.line_height(size)
        return y

    def text(
        self, draw: ImageDraw.ImageDraw, text: str, x: float, top: int, size: int, fill: Colour
    ) -> None:
        """One line whose box starts at ``top``, run by run, each in its own face, all on the
        first face's baseline."""
        baseline = top + self.fonts.faces[0].font(size).getmetrics()[0]
        for face, run in self.fonts.runs(text):
            font = face.font(size)
            draw.text((x, baseline), run, fill=fill, font=font, anchor="ls")
            x += font.getlength(run)

    def bar(
        self, draw: ImageDraw.ImageDraw, bar: Bar, leader: bool, scale: float, top: int
    ) -> None:
        bottom = top + BAR_HEIGHT
        track = self.right - self.left
        draw.rounded_rectangle((self.left, top, self.right, bottom), radius=8, fill=TRACK)
        length = _length(bar.value, scale, track)
        if length:
            draw.rounded_rectangle(
                (self.left, top, self.left + length, bottom),
                radius=8,
                fill=LEADER if leader else BAR,
            )
        width = self.fonts.length(bar.value_text, VALUE_SIZE)
        inside = length >= width + 24 or self.left + length + 12 + width > self.right
        x = self.left + length - 12 - width if inside else self.left + length + 12
        text_top = top + (BAR_HEIGHT - self.line_height(VALUE_SIZE)) // 2
        self.text(draw, bar.value_text, x, text_top, VALUE_SIZE, BACKGROUND if inside else INK)


# The numbered chart, for fonts that cannot draw the texts -------------------------------

ROW = 64
LABEL_WIDTH = 56
FALLBACK_PADDING = 24
FALLBACK_SIZE = 24


def render_numbered(bars: Sequence[Bar], *, full: float | None = None) -> bytes:
    """Numbers only, in Pillow's own font: ``1.`` and a bar with its value per row."""
    rows = max(1, len(bars))
    height = FALLBACK_PADDING * 2 + ROW * rows
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=FALLBACK_SIZE)
    scale = _scale(bars, full)
    left = FALLBACK_PADDING + LABEL_WIDTH
    right = WIDTH - FALLBACK_PADDING
    for index, bar in enumerate(bars):
        top = FALLBACK_PADDING + index * ROW + 8
        bottom = top + ROW - 16
        middle = (top + bottom) // 2
        draw.text((FALLBACK_PADDING, middle), f"{index + 1}.", fill=INK, font=font, anchor="lm")
        draw.rounded_rectangle((left, top, right, bottom), radius=8, fill=TRACK)
        length = _length(bar.value, scale, right - left)
        if length:
            colour = LEADER if _is_leader(bars, bar) else BAR
            draw.rounded_rectangle((left, top, left + length, bottom), radius=8, fill=colour)
        label = " ".join(bar.value_text.split())  # no narrow or non-breaking spaces
        label_width = draw.textlength(label, font=font)
        inside = length >= label_width + 24
        x = left + length - 12 if inside else left + length + 12
        draw.text(
            (x, middle),
            label,
            fill=BACKGROUND if inside else INK,
            font=font,
            anchor="rm" if inside else "lm",
        )
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
