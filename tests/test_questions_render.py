"""Rendering audience questions (pure): the picker, the prompt, the board, the moderators'
cards and footer, the notices; in the three languages, every user value escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from telegram.constants import MessageLimit

from bot.i18n import translator
from bot.render.event_card import render_event_card
from bot.render.question_cards import (
    ALL,
    render_approved_notice,
    render_card,
    render_queue_footer,
)
from bot.render.questions import EVERYONE, render_board, render_picker, render_prompt
from storage.questions import ANSWERED, APPROVED, PENDING, REJECTED, STATUSES, Page, Question
from tests.sample_events import round_table

LANGUAGES = ("en", "ru", "ko")
EVENT = round_table()


def question(number: int, status: str = APPROVED, **changes: object) -> Question:
    base = Question(
        id=number,
        event_id=EVENT.id,
        speaker_key="lee",
        author_id=1000 + number,
        author_name="<Anna & co>",
        language="en",
        text=f"Question {number}: <script>alert(1)</script> & more?",
        status=status,
        upvotes=number,
        asked_at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def page(*questions: Question, **counts: int) -> Page:
    totals = dict.fromkeys(STATUSES, 0)
    totals.update(counts)
    return Page(tuple(questions), totals)


def data(rendered_buttons: tuple[tuple[object, ...], ...]) -> list[str]:
    return [b.callback_data for row in rendered_buttons for b in row]  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_card_offers_asking_and_the_board(language: str) -> None:
    card = render_event_card(EVENT, translator(language))
    assert f"qa:{EVENT.id}" in data(card.buttons)
    assert f"ql:{EVENT.id}:{language}" in data(card.buttons)
    labels = [b.text for row in card.buttons for b in row]
    expected = {"en": "❓ Ask a question", "ru": "❓ Задать вопрос", "ko": "❓ 질문하기"}
    assert expected[language] in labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_picker_has_every_speaker_then_everyone(language: str) -> None:
    t = translator(language)
    picker = render_picker(EVENT, t)
    names = [row[0].text for row in picker.buttons]
    assert names[:-1] == [s.name.get(language) for s in EVENT.speakers]
    assert names[-1] == "👥 " + t._("Everyone")
    assert data(picker.buttons) == [f"qt:{EVENT.id}:{i}" for i in range(3)] + [
        f"qt:{EVENT.id}:{EVERYONE}"
    ]
    assert "&lt;Threats&gt; &amp;" in picker.text or language != "en"
    prompt = render_prompt(EVENT, "lee", t)
    assert EVENT.speakers[1].name.get(language) in prompt.text and "/cancel" in prompt.text
    assert not prompt.buttons


def test_board_ranks_numbers_escapes_and_separates_answered() -> None:
    t = translator("en")
    board = render_board(
        EVENT,
        page(question(1, upvotes=7), question(2, upvotes=3), question(3, ANSWERED, upvotes=9),
             approved=7, answered=1),
        1,
        t,
    )  # fmt: skip
    text = board.text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "Anna" not in text  # the audience does not see who asked
    assert text.index("<b>6.</b>") < text.index("<b>7.</b>") < text.index("Answered questions")
    assert text.index("Answered questions") < text.index("<b>8.</b>")
    assert "to Geun Lee" in text and "👍 9" in text and "Page 2/2" in text
    labels = [b.text for row in board.buttons for b in row]
    assert labels[:2] == ["6 · 👍 7", "7 · 👍 3"]  # no vote button for the answered one
    assert data(board.buttons)[:2] == [f"qv:{EVENT.id}:1:1:en", f"qv:{EVENT.id}:2:1:en"]
    assert f"qp:{EVENT.id}:0:en" in data(board.buttons)  # ◀
    assert f"qp:{EVENT.id}:2:en" not in data(board.buttons)  # no page 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_board_in_every_language_and_empty(language: str) -> None:
    t = translator(language)
    empty = render_board(EVENT, page(), 0, t)
    assert t._("No questions yet. Ask the first one!") in empty.text
    assert data(empty.buttons) == [f"qa:{EVENT.id}"]
    full = render_board(EVENT, page(question(1, upvotes=1234), approved=6), 0, t)
    assert t.number(1234) in full.buttons[0][0].text
    assert f"qp:{EVENT.id}:1:{language}" in data(full.buttons)  # ▶


def test_a_page_of_the_longest_questions_fits_one_message() -> None:
    long = [question(n, text="&<>" * 166 + "😀😀") for n in range(1, 6)]
    for language in LANGUAGES:
        text = render_board(EVENT, page(*long, approved=5), 0, translator(language)).text
        assert len(text.encode("utf-16-le")) // 2 <= MessageLimit.MAX_TEXT_LENGTH
        assert "…" in text


def test_moderator_cards_have_the_buttons_of_their_status() -> None:
    t = translator("en")
    waiting = render_card(EVENT, question(4, PENDING), t)
    assert [[b.text for b in row] for row in waiting.buttons] == [
        ["Approve", "Reject"],
        ["Reject and block"],
    ]
    assert data(waiting.buttons) == ["qm:approve:4:pending", "qm:reject:4:pending",
                                     "qm:block:4:pending"]  # fmt: skip
    assert "Question #4" in waiting.text and "From: &lt;Anna &amp; co&gt;" in waiting.text
    assert "To: Geun Lee" in waiting.text and "&lt;script&gt;" in waiting.text
    open_card = render_card(EVENT, question(4, APPROVED), t)
    assert [[b.text for b in row] for row in open_card.buttons] == [["Answered", "Reject"]]
    assert not render_card(EVENT, question(4, ANSWERED), t).buttons
    blocked = render_card(EVENT, question(4, REJECTED), t, banned=True)
    assert not blocked.buttons and "can ask no more" in blocked.text
    ru = render_card(EVENT, question(4, PENDING), translator("ru"))
    assert [b.text for row in ru.buttons for b in row] == [
        "Одобрить",
        "Отклонить",
        "Отклонить и заблокировать",
    ]
    ko = render_card(EVENT, question(4, APPROVED), translator("ko"))
    assert [b.text for row in ko.buttons for b in row] == ["답변 완료", "거절"]


def test_queue_footer_pages_and_filters() -> None:
    t = translator("en")
    counts = {PENDING: 4, APPROVED: 3, ANSWERED: 2, REJECTED: 1}
    footer = render_queue_footer(EVENT, counts, 0, ALL, t)
    assert "Waiting: 4 · approved: 3 · answered: 2 · rejected: 1" in footer.text
    assert "1–5 of 7" in footer.text and "Speaker: All speakers" in footer.text
    labels = [b.text for row in footer.buttons for b in row]
    assert labels[0] == "▶️" and "• All speakers" in labels and "Everyone" in labels
    assert f"qq:{EVENT.id}:1:{ALL}" in data(footer.buttons)
    assert f"qq:{EVENT.id}:0:1" in data(footer.buttons)  # the second speaker
    lee = render_queue_footer(EVENT, counts, 1, 1, t)
    assert "Speaker: Geun Lee" in lee.text and "• Geun Lee" in [
        b.text for row in lee.buttons for b in row
    ]
    nothing = render_queue_footer(EVENT, dict.fromkeys(STATUSES, 0), 0, EVERYONE, t)
    assert "Nothing to moderate here." in nothing.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_approved_notice(language: str) -> None:
    t = translator(language)
    notice = render_approved_notice(EVENT, question(2), t)
    assert "&lt;script&gt;" in notice.text
    assert t._("It was approved: others can now support it with 👍.") in notice.text
    assert data(notice.buttons) == [f"ql:{EVENT.id}:{language}"]
