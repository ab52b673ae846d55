"""Fonts for the chart tests: a stripped install's font, made from the real one.

``latin_cyrillic_package`` writes an importable package holding a subset of the chart font
without Hangul, so a test can point :data:`bot.render.fonts.FONT_SOURCES` at it and see what
an install whose font lacks a script does (the real locator, the real cmap check).
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from bot.render.fonts import SCRIPTS, FontSource, chart_fonts

PACKAGE = "eventbot_test_stripped_font"
FONT_NAME = "LatinCyrillic.otf"
STRIPPED = FontSource(PACKAGE, FONT_NAME, "eventbot-test-stripped-font")
ABSENT = FontSource("eventbot_test_no_such_font", "None.otf", "eventbot-test-no-such-font")


def latin_cyrillic_font(path: Path) -> Path:
    """The chart font cut down to Latin and Cyrillic (no Hangul), saved at ``path``."""
    source = chart_fonts().faces[0].path
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=SCRIPTS["Latin"] + SCRIPTS["Cyrillic"] + " \u00a0")
    subsetter.subset(font)
    font.save(str(path))
    return path


def latin_cyrillic_package(folder: Path) -> Path:
    """An importable package ``PACKAGE`` in ``folder`` (put ``folder`` on ``sys.path``)
    that holds :func:`latin_cyrillic_font` as ``FONT_NAME``; returns the font's path."""
    package = folder / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    return latin_cyrillic_font(package / FONT_NAME)
