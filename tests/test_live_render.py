"""The live mode's pure parts: its texts, the control message, the parts of a long message."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.i18n import translator
from bot.live_delivery import part_payloads
from bot.render.live import render_control, render_live_end, render_now_speaking, sent_to_text
from bot.render.types import Rendered
from storage.live import LiveSession, say_action, summary_action
from storage.models import RatingSummary
from tests.sample_events import round_table

EVENT = round_table(speakers=2)
OPEN = LiveSession(1, EVENT.id, 9001, datetime(2026, 1, 1, tzinfo=UTC), None, None)


def test_now_speaking_escapes_and_leaves_out_what_is_missing() -> None:
    speaker = EVENT.speakers[0]
    text = render_now_speaking(EVENT, speaker, translator("en")).text
    assert text.endswith(
        "Now speaking: <b>Gleb Ivashentsov</b>, Expert &lt;ivashentsov&gt; &amp; co — Main session"
    )
    assert "&lt;Threats&gt; &amp; Opportunities" in text
    bare = replace(speaker, position=None, role=None)
    assert render_now_speaking(EVENT, bare, translator("ko")).text.endswith(
        "지금 발표 중: <b>글렙 이바셴초프</b>"
    )


def test_control_marks_what_was_sent_and_who_speaks() -> None:
    session = replace(OPEN, current_speaker="lee")
    sent = {say_action("lee"), summary_action("ivashentsov")}
    control = render_control(EVENT, session, sent, 1, translator("ru"))
    assert "1 подписчик эфира" in control.text
    assert "Сейчас выступает: <b>Ли Гын</b>" in control.text
    labels = [[b.text for b in row] for row in control.buttons]
    assert labels == [
        ["🎤 Глеб Ивашенцов", "📝 Глеб Ивашенцов ✓"],
        ["🎤 Ли Гын ✓", "📝 Ли Гын"],
        ["⏹ Завершить эфир"],
    ]
    assert [b.callback_data for b in control.buttons[1]] == ["live:1:say:1", "live:1:sum:1"]
    closed = replace(OPEN, ended_at=OPEN.started_at)
    ended = render_control(EVENT, closed, sent, 1, translator("en"))
    assert ended.buttons == ()
    assert ended.text.startswith("⏹ The live mode has ended.")


def test_end_carries_the_rating_buttons() -> None:
    end = render_live_end(EVENT, RatingSummary(2, 4.5), translator("en"))
    assert "Rating: 4.5 (2 votes)" in end.text
    rate = [f"rate:{EVENT.id}:{n}" for n in range(1, 6)]
    assert [b.callback_data for b in end.buttons[0]] == rate


def test_sent_to_counts_in_each_language() -> None:
    assert sent_to_text(translator("en"), 1) == "Sent to 1 follower."
    assert sent_to_text(translator("ru"), 2) == "Отправлено 2 подписчикам эфира."
    assert sent_to_text(translator("ru"), 21) == "Отправлено 21 подписчику эфира."
    assert sent_to_text(translator("ko"), 1_234) == "팔로워 1,234명에게 보냈습니다."
    assert sent_to_text(translator("en"), 0).startswith("Nobody follows")


def test_parts_hold_the_languages_that_have_them() -> None:
    one, two, three = Rendered("1"), Rendered("2"), Rendered("3")
    payloads = part_payloads({"en": [one], "ru": [one, two, three], "ko": [one, two]}, "en")
    assert [sorted(p["versions"]) for p in payloads] == [["en", "ko", "ru"], ["ko", "ru"], ["ru"]]
    assert payloads[0]["default"] == "en"  # the event's default language while it has the part
    assert all(p["default"] in p["versions"] for p in payloads)
    assert payloads[2]["versions"]["ru"] == three.to_dict()


def test_now_speaking_offers_to_ask_a_question() -> None:
    event = round_table("riac-kf-2021")
    for language, label in (("en", "❓ Ask a question"), ("ru", "❓ Задать вопрос")):
        rendered = render_now_speaking(event, event.speakers[1], translator(language))
        labels = [button.text for row in rendered.buttons for button in row]
        assert labels[0] == label, labels
        assert rendered.buttons[0][0].callback_data == "qa:riac-kf-2021"
