"""A PNG bar chart of poll results, drawn with Pillow.

The chart carries only digits: option numbers on the left and ``33 (31%)`` on each bar. The
font Pillow ships has no Cyrillic or Hangul glyphs and nothing may be downloaded at run time,
so option texts stay in the caption/message, numbered the same way. One image therefore
serves readers of every language.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from bot.services.polls import PollResults

WIDTH = 800
ROW = 64
PADDING = 24
LABEL_WIDTH = 56
BACKGROUND = (255, 255, 255)
TRACK = (236, 239, 244)
BAR = (84, 132, 216)
LEADER = (38, 92, 184)
INK = (33, 37, 41)
FONT_SIZE = 24

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font() -> Font:
    return ImageFont.load_default(size=FONT_SIZE)


def render_chart(results: PollResults) -> bytes:
    """Horizontal bars, one per option, length proportional to its share of the votes."""
    counts = results.counts or (0,)
    percents = results.percentages() or [0]
    height = PADDING * 2 + ROW * len(counts)
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = _font()
    top_count = max(counts)
    track_left = PADDING + LABEL_WIDTH
    track_right = WIDTH - PADDING
    track_width = track_right - track_left
    for index, (count, percent) in enumerate(zip(counts, percents, strict=True)):
        top = PADDING + index * ROW + 8
        bottom = top + ROW - 16
        middle = (top + bottom) // 2
        draw.text((PADDING, middle), f"{index + 1}.", fill=INK, font=font, anchor="lm")
        draw.rounded_rectangle((track_left, top, track_right, bottom), radius=8, fill=TRACK)
        length = round(track_width * percent / 100)
        if length > 0:
            colour = LEADER if count == top_count else BAR
            draw.rounded_rectangle(
                (track_left, top, track_left + max(length, 16), bottom), radius=8, fill=colour
            )
        label = f"{count} ({percent}%)"
        label_width = draw.textlength(label, font=font)
        inside = length >= label_width + 24
        x = track_left + length - 12 if inside else track_left + length + 12
        draw.text(
            (x, middle),
            label,
            fill=BACKGROUND if inside else INK,
            font=font,
            anchor="rm" if inside else "lm",
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
