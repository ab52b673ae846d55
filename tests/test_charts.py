"""The chart drawing: wrapping, fonts and their coverage, the generic bar chart and its
numbered fallback, and the doctor's chart font line, in Latin, Cyrillic and Hangul."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.config import SUPPORTED_LANGUAGES
from bot.ops.doctor import check_chart_fonts
from bot.render import bars as bars_module
from bot.render.bars import (
    BAR,
    GUTTER,
    LEADER,
    PADDING,
    TEXT_SIZE,
    WIDTH,
    Bar,
    can_label,
    render_bar_chart,
    render_numbered,
)
from bot.render.fonts import (
    LANGUAGE_SCRIPTS,
    FontSet,
    chart_fonts,
    languages_of,
    load_fonts,
    missing_scripts,
    read_face,
)
from bot.render.wrap import wrap
from tests.font_helpers import ABSENT, latin_cyrillic_font

SAMPLES = {
    "en": "Which session was the most useful for your work",
    "ru": "Какое выступление было самым полезным для вашей работы",
    "ko": "귀하의 업무에 가장 유용했던 세션은 무엇입니까",
}


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return chart_fonts()


@pytest.fixture(scope="module")
def stripped(tmp_path_factory: pytest.TempPathFactory) -> FontSet:
    """A font set like a stripped install's: Latin and Cyrillic, no Hangul."""
    path = latin_cyrillic_font(tmp_path_factory.mktemp("fonts") / "LatinCyrillic.otf")
    return FontSet((read_face(path),))


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def _bar_lengths(png: bytes) -> list[int]:
    """The drawn length of each bar: columns holding the bar colours, per band of rows."""
    image = _image(png)
    width, height = image.size
    pixels = _pixels(image)
    colours = {BAR, LEADER}
    rows = [y for y in range(height) if colours & set(pixels[y * width : (y + 1) * width])]
    bands: list[list[int]] = []
    for y in rows:
        if bands and bands[-1][-1] == y - 1:
            bands[-1].append(y)
        else:
            bands.append([y])
    return [
        sum(1 for x in range(width) if any(pixels[y * width + x] in colours for y in band))
        for band in bands
    ]


def _pixels(image: Image.Image) -> list[tuple[int, ...]]:
    data = image.tobytes()
    return [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]


def _dark_pixels(png: bytes, top: int = 0, bottom: int | None = None) -> int:
    image = _image(png)
    region = image.crop((0, top, image.width, bottom or image.height))
    return sum(1 for pixel in _pixels(region) if max(pixel) < 110)


# wrapping ------------------------------------------------------------------------------


def test_wrap_breaks_at_spaces_and_keeps_non_breaking_ones_together() -> None:
    assert wrap("aaa bbb ccc", 7, len) == ["aaa bbb", "ccc"]
    assert wrap("aaa  bbb\tccc", 100, len) == ["aaa bbb ccc"]
    assert wrap("33 (31\xa0%) of all", 8, len) == ["33", "(31\xa0%)", "of all"]
    assert wrap("first line\nsecond", 100, len) == ["first line", "second"]
    assert wrap("", 10, len) == [] and wrap("   ", 10, len) == []


def test_wrap_cuts_a_word_only_when_it_is_wider_than_a_line() -> None:
    assert wrap("ab " + "x" * 25 + " cd", 10, len) == ["ab", "x" * 10, "x" * 10, "x" * 5 + " cd"]
    assert wrap("Ж", 0.5, len) == ["Ж"]  # one character wider than a line: a line of its own


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_wrap_with_the_fonts_widths(fonts: FontSet, language: str) -> None:
    text = " ".join([SAMPLES[language]] * 3)
    width = 400

    def measure(line: str) -> float:
        return fonts.length(line, TEXT_SIZE)

    lines = wrap(text, width, measure)
    assert len(lines) >= 3
    assert all(measure(line) <= width for line in lines)
    assert [word for line in lines for word in line.split(" ")] == text.split(" ")  # no cut


# fonts ---------------------------------------------------------------------------------


def test_the_chart_font_covers_the_three_scripts(fonts: FontSet) -> None:
    [face] = fonts.faces
    assert face.name == "Noto Sans KR" and face.path.name == "NotoSansKR-Regular.otf"
    assert face.has("A") and face.has("Ж") and face.has("한")
    assert not face.has("\U0001f600")
    assert missing_scripts(fonts) == []
    assert set(LANGUAGE_SCRIPTS) == set(SUPPORTED_LANGUAGES)
    assert all(fonts.covers(sample) for sample in SAMPLES.values())


def test_runs_draw_a_space_the_font_lacks_as_a_plain_one(fonts: FontSet) -> None:
    assert not fonts.faces[0].has("\u202f")
    assert fonts.covers("31\u202f%")
    assert [run for _, run in fonts.runs("31\u202f%")] == ["31 %"]
    assert fonts.length("31\u202f%", 20) == fonts.length("31 %", 20)


def test_a_missing_font_package_is_an_empty_set() -> None:
    nothing = load_fonts([ABSENT])
    assert nothing.faces == () and nothing.missing == (ABSENT,)
    assert missing_scripts(nothing) == ["Latin", "Cyrillic", "Hangul"]
    assert not nothing.covers("1") and list(nothing.runs("1")) == []


def test_a_font_without_hangul_misses_only_hangul(stripped: FontSet) -> None:
    assert missing_scripts(stripped) == ["Hangul"]
    assert languages_of(["Hangul"]) == ["ko"]
    assert stripped.covers(SAMPLES["ru"]) and not stripped.covers(SAMPLES["ko"])


# the bar chart -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_the_chart_grows_with_wrapped_lines(fonts: FontSet, language: str) -> None:
    word = SAMPLES[language].split()[0]
    line_height = sum(fonts.faces[0].font(TEXT_SIZE).getmetrics())

    def height(title: str, label: str) -> int:
        chart = render_bar_chart(title, [Bar(label, 1, "1")], fonts=fonts)
        return _image(chart).height

    one_line = height("Q", word)
    long_label = " ".join([SAMPLES[language]] * 3)
    lines = len(wrap(long_label, WIDTH - 2 * PADDING, lambda t: fonts.length(t, TEXT_SIZE)))
    assert lines >= 3
    assert height("Q", long_label) == one_line + (lines - 1) * line_height
    assert height(" ".join([SAMPLES[language]] * 3), word) > one_line  # the title wraps too


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_labels_are_drawn_as_text(fonts: FontSet, language: str) -> None:
    """Above the first bar there is ink where a label is, none where it is empty."""
    label = " ".join(SAMPLES[language].split()[:3])  # one line
    labelled = render_bar_chart("", [Bar(label, 3, "3")], fonts=fonts)
    bare = render_bar_chart("", [Bar("", 3, "3")], fonts=fonts)
    line_height = sum(fonts.faces[0].font(TEXT_SIZE).getmetrics())
    assert _image(labelled).height == _image(bare).height + line_height + bars_module.LABEL_GAP
    label_band = (PADDING, PADDING + line_height)
    assert _dark_pixels(labelled, *label_band) > 500
    assert _dark_pixels(bare, *label_band) == 0


def test_bars_are_proportional(fonts: FontSet) -> None:
    chart = render_bar_chart(
        "Readers per speaker",
        [Bar("Anna", 60, "60"), Bar("Борис", 30, "30"), Bar("민수", 15, "15"), Bar("x", 0, "0")],
        full=100,
        fonts=fonts,
    )
    track = WIDTH - 2 * PADDING
    lengths = _bar_lengths(chart)
    assert len(lengths) == 3  # a zero bar is not drawn
    for length, share in zip(lengths, (0.6, 0.3, 0.15), strict=True):
        assert abs(length - track * share) <= 2, (length, track * share)
    # without ``full`` the largest value fills the track; numbered bars leave room for "1."
    numbered = render_bar_chart("T", [Bar("a", 2, "2"), Bar("b", 1, "1")], numbered=True)
    longest, half = _bar_lengths(numbered)
    assert abs(longest - (track - GUTTER)) <= 2 and abs(half - (track - GUTTER) / 2) <= 2


def test_the_numbered_chart_is_drawn_when_glyphs_are_missing(stripped: FontSet) -> None:
    korean = [Bar(SAMPLES["ko"], 2, "2 (67%)"), Bar("민수", 1, "1 (33%)")]
    assert not can_label(stripped, ["Q", *(b.label for b in korean)])
    chart = render_bar_chart("Q", korean, numbered=True, fonts=stripped)
    assert chart == render_numbered(korean)
    assert _image(chart).size == (WIDTH, 24 * 2 + 64 * 2)
    assert _bar_lengths(chart)[0] > _bar_lengths(chart)[1] > 0
    russian = [Bar(SAMPLES["ru"], 2, "2 (67\xa0%)"), Bar("Борис", 1, "1 (33\xa0%)")]
    labelled = render_bar_chart("Вопрос", russian, numbered=True, fonts=stripped)
    assert labelled != render_numbered(russian) and _image(labelled).height > 24 * 2 + 64 * 2
    nothing = FontSet(())
    assert render_bar_chart("Q", russian, fonts=nothing) == render_numbered(russian)


# eventbot doctor -----------------------------------------------------------------------


def test_doctor_says_which_scripts_the_chart_font_lacks(
    fonts: FontSet, stripped: FontSet
) -> None:
    good = check_chart_fonts(fonts)
    assert good.ok and not good.warning
    assert good.line().startswith("OK   chart font: Noto Sans KR (")
    assert "has Latin, Cyrillic, Hangul" in good.detail

    partial = check_chart_fonts(stripped)
    assert partial.ok and partial.warning  # the bot works, with numbered charts in Korean
    assert partial.line().startswith("WARN chart font: ")
    assert "has no glyphs for Hangul: results charts in ko are numbered only" in partial.detail

    none = check_chart_fonts(load_fonts([ABSENT]))
    assert none.warning
    assert f"no chart font is installed (pip install {ABSENT.distribution})" in none.detail
    assert "results charts in en, ru, ko are numbered only" in none.detail


def test_stripped_font_helper_writes_a_real_font(tmp_path: Path) -> None:
    face = read_face(latin_cyrillic_font(tmp_path / "f.otf"))
    assert face.has("Ж") and not face.has("한")
    with pytest.raises(OSError, match="is not a font"):
        read_face(Path(__file__))
