"""Rendering poll results (text and chart) and the rating prompt, in en, ru and ko."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from bot import callbacks
from bot.content.parser import parse_event
from bot.i18n import translator
from bot.render.bars import render_numbered
from bot.render.chart import chart_key, render_chart, result_bars
from bot.render.fonts import FontSet
from bot.render.ratings import render_rating_prompt
from bot.render.results import (
    chart_caption,
    count_with_percent,
    render_hidden,
    results_caption,
    results_text,
    text_bar,
    voters_line,
)
from bot.services.polls import PollResults
from storage.models import Event, Localized, PollDef, RatingSummary

SEED = Path(__file__).resolve().parent.parent / "examples" / "riac-kf-2021.toml"
SEED_RESULTS = PollResults(counts=(33, 30, 24, 21), voters=108)


@pytest.fixture(scope="module")
def seed_event() -> Event:
    return parse_event(SEED.read_bytes(), SEED.name)


@pytest.fixture(scope="module")
def seed_poll(seed_event: Event) -> PollDef:
    return seed_event.polls[0]


@pytest.mark.parametrize(
    ("language", "figures"),
    [
        ("en", ["33 (31%)", "30 (28%)", "24 (22%)", "21 (19%)"]),
        ("ru", ["33 (31\xa0%)", "30 (28\xa0%)", "24 (22\xa0%)", "21 (19\xa0%)"]),
        ("ko", ["33 (31%)", "30 (28%)", "24 (22%)", "21 (19%)"]),
    ],
)
def test_seed_counts_read_as_the_seed(
    seed_poll: PollDef, language: str, figures: list[str]
) -> None:
    t = translator(language)
    text = results_text(seed_poll, SEED_RESULTS, t)
    positions = [text.index(figure) for figure in figures]
    assert positions == sorted(positions), "options keep their order"
    assert seed_poll.question.get(language) in text
    for option in seed_poll.options:
        assert option.get(language) in text
    assert "▓▓▓░░░░░░░ 33" in text  # 31% of a ten-cell bar


def test_voters_plural_forms() -> None:
    en, ru, ko = translator("en"), translator("ru"), translator("ko")
    assert voters_line(1, en) == "1 person voted"
    assert voters_line(108, en) == "108 people voted"
    assert voters_line(1, ru) == "Проголосовал 1 человек"
    assert voters_line(3, ru) == "Проголосовали 3 человека"
    assert voters_line(108, ru) == "Проголосовали 108 человек"
    assert voters_line(21, ru) == "Проголосовал 21 человек"
    assert voters_line(1500, ru) == "Проголосовали 1\xa0500 человек"
    assert voters_line(108, ko) == "108명이 투표했습니다"
    assert "108 people voted" in results_text(
        PollDef("p", Localized({"en": "Q?"}, "en"), ()), SEED_RESULTS, en
    )


def test_closed_and_open_headings(seed_poll: PollDef) -> None:
    t = translator("en")
    assert "Results so far:" in results_text(seed_poll, SEED_RESULTS, t)
    closed = PollResults(SEED_RESULTS.counts, SEED_RESULTS.voters, closed=True)
    assert "Final results:" in results_text(seed_poll, closed, t)


def test_text_is_escaped() -> None:
    poll = PollDef(
        "p",
        Localized({"en": "<b>Bold</b> & co?"}, "en"),
        (Localized({"en": "A <i>"}, "en"), Localized({"en": "B & C"}, "en")),
        multiple_answers=True,
    )
    text = results_text(poll, PollResults((1, 1), 1), translator("en"))
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co?" in text
    assert "A &lt;i&gt;" in text and "B &amp; C" in text
    assert "percentages are shares of all answers" in text
    assert "<i>" not in text


def test_helpers() -> None:
    t = translator("en")
    assert text_bar(0) == "░" * 10
    assert text_bar(100) == "▓" * 10
    assert text_bar(55) == "▓" * 6 + "░" * 4
    assert count_with_percent(1500, 7, t) == "1,500 (7%)"
    assert count_with_percent(1500, 7, translator("ru")) == "1\xa0500 (7\xa0%)"


def test_captions_and_hidden_notice(seed_poll: PollDef) -> None:
    t = translator("ru")
    caption = results_caption(seed_poll, SEED_RESULTS, t)
    assert caption is not None and "33 (31\xa0%)" in caption
    assert seed_poll.question.get("ru") in chart_caption(seed_poll, t)
    hidden = render_hidden(seed_poll, translator("ko")).text
    assert "결과는 설문이 마감된 뒤에 공개됩니다." in hidden
    long_poll = PollDef(
        "long",
        Localized({"en": "Q" * 300}, "en"),
        tuple(Localized({"en": f"{i} " + "x" * 95}, "en") for i in range(12)),
    )
    assert results_caption(long_poll, PollResults((1,) * 12, 12), translator("en")) is None
    assert len(chart_caption(long_poll, translator("en"))) <= 1024


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_chart_is_a_png_labelled_in_the_readers_language(
    seed_poll: PollDef, language: str
) -> None:
    t = translator(language)
    png = render_chart(seed_poll, SEED_RESULTS, t)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 800
    bars = result_bars(seed_poll, SEED_RESULTS, t)
    assert [b.label for b in bars] == [o.get(language) for o in seed_poll.options]
    assert [b.value_text for b in bars] == [
        count_with_percent(c, p, t) for c, p in zip((33, 30, 24, 21), (31, 28, 22, 19), strict=True)
    ]
    # the labelled chart, not the numbered one (which is 24 * 2 + 64 * 4 high)
    assert png != render_numbered(bars, full=108)
    assert image.height > 24 * 2 + 64 * 4
    other = "ru" if language != "ru" else "en"
    assert png != render_chart(seed_poll, SEED_RESULTS, translator(other))


def test_chart_without_fonts_is_numbered(seed_poll: PollDef) -> None:
    t = translator("ru")
    png = render_chart(seed_poll, SEED_RESULTS, t, fonts=FontSet(()))
    assert png == render_numbered(result_bars(seed_poll, SEED_RESULTS, t), full=108)
    image = Image.open(io.BytesIO(png))
    assert image.width == 800 and image.height == 24 * 2 + 64 * 4
    empty = Image.open(io.BytesIO(render_numbered([])))
    assert empty.height == 24 * 2 + 64


def test_chart_key_changes_with_what_is_drawn(seed_poll: PollDef) -> None:
    key = chart_key(seed_poll, SEED_RESULTS, "en")
    assert key == chart_key(seed_poll, PollResults((33, 30, 24, 21), 108), "en")
    changed = [
        chart_key(seed_poll, SEED_RESULTS, "ru"),
        chart_key(seed_poll, PollResults((34, 30, 24, 21), 109), "en"),
        chart_key(seed_poll, PollResults((33, 30, 24, 21), 107), "en"),
        chart_key(seed_poll, PollResults((33, 30, 24, 21), 108, closed=True), "en"),
        chart_key(
            replace(seed_poll, question=Localized({"en": "Another question?"}, "en")),
            SEED_RESULTS,
            "en",
        ),
    ]
    assert key not in changed and len(set(changed)) == len(changed)


@pytest.mark.parametrize(
    ("language", "heading", "rating"),
    [
        ("en", "Rate this event", "Rating: 4.5 (2 votes)"),
        ("ru", "Оцените мероприятие", "4,5"),
        ("ko", "이 행사를 평가해 주세요", "4.5"),
    ],
)
def test_rating_prompt(seed_event: Event, language: str, heading: str, rating: str) -> None:
    t = translator(language)
    rendered = render_rating_prompt(seed_event, RatingSummary(2, 4.5), t, chosen=4)
    assert heading in rendered.text
    assert rating in rendered.text
    assert seed_event.title.get(language).split("<")[0].strip()[:20] in rendered.text
    data = [b.callback_data for row in rendered.buttons for b in row]
    assert data == [callbacks.encode("rate", seed_event.id, n) for n in range(1, 6)]
    nobody = render_rating_prompt(seed_event, RatingSummary(0, None), translator("en"))
    assert "No ratings yet." in nobody.text
    assert "Your rating" not in nobody.text
