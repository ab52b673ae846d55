"""The results chart end to end: labelled in the reader's language, drawn once per language
and counts however many ask, and numbered where an install's font lacks a script."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from bot import polls_delivery
from bot.config import Config
from bot.i18n import Translator, translator
from bot.ops.doctor import cmd_doctor
from bot.render import fonts as fonts_module
from bot.render.bars import render_numbered
from bot.render.chart import render_chart, result_bars
from bot.services.polls import PollResults
from storage.models import PollDef
from tests.chat_helpers import confirm_draft
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request
from tests.font_helpers import STRIPPED, latin_cyrillic_package
from tests.poll_helpers import instances_recorded, poll_bot, seed_poll, subscribe, votes_handled

NUMBERED_HEIGHT = 24 * 2 + 64 * 4
"""The numbered chart of the seed poll's four options."""


class RenderSpy:
    """Counts the results charts drawn, by language (wraps the pure render function)."""

    def __init__(self) -> None:
        self.languages: list[str] = []

    def __call__(self, poll: PollDef, results: PollResults, t: Translator) -> bytes:
        self.languages.append(t.language)
        return render_chart(poll, results, t)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> RenderSpy:
    spy = RenderSpy()
    monkeypatch.setattr(polls_delivery, "render_chart", spy)
    return spy


@pytest.fixture
def stripped_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """The chart font is an installed package without Hangul glyphs."""
    latin_cyrillic_package(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(fonts_module, "FONT_SOURCES", (STRIPPED,))
    fonts_module.chart_fonts.cache_clear()
    yield
    fonts_module.chart_fonts.cache_clear()


async def _results(api: FakeBotApi, chats: list[int], language: str) -> list[Request]:
    """``/results us-goals`` from each of ``chats`` (one message each, in a row); their charts."""
    before = len(api.requests)
    for chat in chats:
        api.inject_message(chat, "/results us-goals", language_code=language)

    def photos() -> list[Request]:
        return [
            r for r in api.requests[before:]
            if r.method == "sendPhoto" and r.ok and r.chat_id in chats
        ]

    await api.wait_for(lambda r: len(photos()) == len(chats))
    return photos()


def _png(api: FakeBotApi, request: Request) -> bytes:
    """The PNG a sendPhoto showed: its upload, or the file its file id names."""
    if request.files:
        return request.files["photo"].content
    return api.lookup_file(str(request.params["photo"])).content


def _height(png: bytes) -> int:
    return Image.open(io.BytesIO(png)).height


async def test_a_results_storm_draws_one_chart_per_language_and_counts(
    fake_api: FakeBotApi, make_config: Callable[..., Config], spy: RenderSpy
) -> None:
    api = fake_api
    poll = seed_poll()
    voter = 7001
    async with poll_bot(api, make_config) as bot:
        await bot.deps.events.save_poll(poll, "en")

        english = list(range(6001, 6021))
        photos = await _results(api, english, "en")
        assert spy.languages == ["en"]  # 20 /results, one drawing
        uploads = [r for r in photos if r.files]
        assert len(uploads) == 1  # then Telegram's file id
        assert {_png(api, r) for r in photos} == {uploads[0].files["photo"].content}
        assert _height(_png(api, uploads[0])) > NUMBERED_HEIGHT  # labelled

        russian = await _results(api, [6101, 6102], "ru")
        assert spy.languages == ["en", "ru"]
        assert _png(api, russian[0]) != _png(api, uploads[0])

        # a vote changes the counts: the next /results draws a new chart
        await subscribe(bot, [(voter, "en", "private")])
        await confirm_draft(api, ADMIN_ID, "/startpoll us-goals")
        instance_of = await instances_recorded(bot, poll.id, 1)
        api.inject_poll_answer(instance_of[voter], voter, [2])
        await votes_handled(bot, 1)
        [after] = await _results(api, [6201], "en")
        assert spy.languages == ["en", "ru", "en"]
        assert after.files and _png(api, after) != _png(api, uploads[0])
        [again] = await _results(api, [6202], "en")
        assert spy.languages == ["en", "ru", "en"] and not again.files


async def test_a_font_without_hangul_gives_korean_readers_the_numbered_chart(
    bot: BotHarness, stripped_install: None
) -> None:
    api = bot.api
    poll = seed_poll()
    await bot.deps.events.save_poll(poll, "en")
    [english] = await _results(api, [6301], "en")
    [korean] = await _results(api, [6302], "ko")
    assert _height(_png(api, english)) > NUMBERED_HEIGHT
    nothing = PollResults((0, 0, 0, 0), 0)
    numbered = render_numbered(result_bars(poll, nothing, translator("ko")))
    assert _png(api, korean) == numbered
    assert _height(numbered) == NUMBERED_HEIGHT
    # the options are still in the message, numbered like the chart's bars
    [text] = [
        r.params["text"] for r in api.calls("sendMessage", 6302, ok=True)
    ]
    assert f"1. {poll.options[0].get('ko')}" in text


async def test_doctor_warns_about_the_missing_script_and_passes(
    fake_api: FakeBotApi,
    make_config: Callable[..., Config],
    stripped_install: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await asyncio.to_thread(cmd_doctor, make_config()) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if "chart font" in line]
    assert line.startswith("WARN chart font: ")
    assert "has no glyphs for Hangul: results charts in ko are numbered only" in line
    assert "all checks passed (1 with a warning)" in out
