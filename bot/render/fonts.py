"""The fonts that charts are drawn in: found inside installed packages, with their coverage.

Pillow's own default font has Latin letters only, so labelled charts need a font that comes
with the bot's dependencies: Noto Sans KR from the PyPI package ``pylopdf-fonts-ko`` (SIL
Open Font License 1.1), whose Korean subset of Noto Sans CJK also carries Latin and Cyrillic.
It is found with :mod:`importlib.resources` like every file read at run time, never through
a system font folder, so ``pip install .`` and the Docker image draw the same charts.

A :class:`FontSet` holds the faces in order of preference and knows each one's character map,
so that every run of text is drawn in the first face that has its glyphs (another face can be
added to :data:`FONT_SOURCES`, e.g. for a script Noto Sans KR lacks). Whoever draws asks
:meth:`FontSet.covers` first and falls back to numbers only when a glyph is missing (a
stripped install: the package absent, or a font without a script); ``eventbot doctor`` names
the missing scripts (:func:`missing_scripts`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from PIL import ImageFont

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FontSource:
    """A font file shipped as package data: ``package`` (importable) and ``name`` in it."""

    package: str
    name: str
    distribution: str
    """The package registry name that brings it (for messages: ``pip install …``)."""


FONT_SOURCES: tuple[FontSource, ...] = (
    FontSource("pylopdf_fonts_ko", "NotoSansKR-Regular.otf", "pylopdf-fonts-ko"),
)
"""The chart fonts, the preferred first. A dependency in pyproject.toml brings each one."""

SCRIPTS: dict[str, str] = {
    "Latin": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "%().,:;!?'\"-–—‘’“”…·",
    "Cyrillic": "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя«»№",
    "Hangul": "".join(chr(code) for code in range(0xAC00, 0xD7A4)),  # every syllable
}
"""The characters a font must have for a script to count as covered (with the punctuation
texts in that script use)."""

LANGUAGE_SCRIPTS: dict[str, tuple[str, ...]] = {
    "en": ("Latin",),
    "ru": ("Cyrillic", "Latin"),
    "ko": ("Hangul", "Latin"),
}
"""The scripts a chart in each supported language is written in (digits are Latin)."""


@dataclass(frozen=True, eq=False)
class Face:
    """One font file and the code points it has glyphs for (compared by identity: hashing
    thousands of code points per lookup would cost more than the drawing)."""

    path: Path
    name: str
    codepoints: frozenset[int] = field(repr=False)

    def has(self, char: str) -> bool:
        return ord(char) in self.codepoints

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        return _truetype(self.path, size)


@cache
def _truetype(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def read_face(path: Path) -> Face:
    """The face in ``path`` (the first of a collection) with its character map.

    Raises ``OSError`` if it cannot be read as a font."""
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
    except (TTLibError, AssertionError) as error:
        raise OSError(f"{path} is not a font: {error}") from error
    with font:
        cmap = font.getBestCmap() or {}
        name = font["name"].getDebugName(4) or path.stem
    return Face(path, name, frozenset(cmap))


@dataclass(frozen=True)
class FontSet:
    """The faces to draw with, in order of preference; empty when none was found."""

    faces: tuple[Face, ...]
    missing: tuple[FontSource, ...] = ()
    """Sources that were looked for and not found (for ``eventbot doctor``)."""

    def face_for(self, char: str) -> Face | None:
        for face in self.faces:
            if face.has(char):
                return face
        return None

    def covers(self, text: str) -> bool:
        """Whether every character of ``text`` can be drawn (a space of any kind can)."""
        return all(char.isspace() or self.face_for(char) is not None for char in text)

    def runs(self, text: str) -> Iterator[tuple[Face, str]]:
        """``text`` cut into runs, each with the face that draws it. A space no face has
        (e.g. U+202F) becomes a plain one; other characters that no face has are dropped
        (callers check :meth:`covers` first)."""
        if not self.faces:
            return
        current: Face | None = None
        run: list[str] = []
        for char in text:
            face = self.face_for(char)
            if face is None:
                if not char.isspace():
                    continue
                char = " "
                face = current or self.face_for(" ") or self.faces[0]
            if face is not current and run and current is not None:
                yield current, "".join(run)
                run = []
            current = face
            run.append(char)
        if run and current is not None:
            yield current, "".join(run)

    def length(self, text: str, size: int) -> float:
        """The width of ``text`` in pixels at ``size``."""
        return sum(face.font(size).getlength(run) for face, run in self.runs(text))


def locate(source: FontSource) -> Path | None:
    """The installed file of ``source``, or None (package absent, file missing, or inside a
    zip: FreeType reads plain files only)."""
    try:
        candidate = resources.files(source.package).joinpath(source.name)
    except ModuleNotFoundError:
        return None
    return candidate if isinstance(candidate, Path) and candidate.is_file() else None


def load_fonts(sources: Iterable[FontSource] | None = None) -> FontSet:
    """The faces of the installed ``sources`` (:data:`FONT_SOURCES` by default); an
    unreadable file counts as missing."""
    faces: list[Face] = []
    missing: list[FontSource] = []
    for source in FONT_SOURCES if sources is None else sources:
        path = locate(source)
        if path is None:
            missing.append(source)
            continue
        try:
            faces.append(read_face(path))
        except OSError as error:
            log.warning("chart font unusable: %s", error)
            missing.append(source)
    return FontSet(tuple(faces), tuple(missing))


@cache
def chart_fonts() -> FontSet:
    """The bot's chart fonts (:data:`FONT_SOURCES`), read once per process."""
    fonts = load_fonts()
    gaps = missing_scripts(fonts)
    if gaps:
        log.warning(
            "charts in %s are drawn with numbers only: no font has glyphs for %s",
            ", ".join(languages_of(gaps)),
            ", ".join(gaps),
        )
    return fonts


def missing_scripts(fonts: FontSet, scripts: Iterable[str] = SCRIPTS) -> list[str]:
    """The scripts (names in :data:`SCRIPTS`) that ``fonts`` cannot draw entirely."""
    return [script for script in scripts if not fonts.covers(SCRIPTS[script])]


def languages_of(scripts: Iterable[str]) -> list[str]:
    """The languages written in any of ``scripts`` (whose charts those would spoil)."""
    wanted = set(scripts)
    return [language for language, used in LANGUAGE_SCRIPTS.items() if wanted & set(used)]
