"""Welcome, pickers, summaries and /help, rendered in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import translator
from bot.render.commands import ADMIN_COMMANDS, SUBSCRIBER_COMMANDS, commands, render_help
from bot.render.settings import (
    render_language_picker,
    render_summary,
    render_topics_picker,
    render_welcome,
    topics_text,
)
from storage.models import Subscriber

LANGUAGES = ("en", "ru", "ko")


def subscriber(**overrides: object) -> Subscriber:
    values: dict[str, object] = {
        "chat_id": 1,
        "user_id": 1,
        "chat_type": "private",
        "language": "ru",
        "topics": frozenset({"business", "students"}),
        "active": True,
        "joined_at": datetime(2024, 1, 1, tzinfo=UTC),
    }
    values.update(overrides)
    return Subscriber(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
def test_welcome_preselects_language(language: str) -> None:
    welcome = render_welcome(language, translator(language))
    row = welcome.buttons[0]
    assert [b.callback_data for b in row] == ["lang:ru:start", "lang:ko:start", "lang:en:start"]
    ticked = [b.text for b in row if b.text.startswith("✅ ")]
    assert len(ticked) == 1
    assert {"ru": "Русский", "ko": "한국어", "en": "English"}[language] in ticked[0]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Choose your language:"),
        ("ru", "Выберите язык:"),
        ("ko", "언어를 선택하세요:"),
    ],
)
def test_welcome_texts(language: str, text: str) -> None:
    assert text in render_welcome("en", translator(language)).text
    assert render_language_picker("en", translator(language)).text == text


def test_group_welcome_escapes_title() -> None:
    text = render_welcome("ru", translator("ru"), group_title="<b>Club</b> & co").text
    assert "«&lt;b&gt;Club&lt;/b&gt; &amp; co»" in text


def test_language_picker_for_changes() -> None:
    picker = render_language_picker("ko", translator("en"))
    assert [b.callback_data for b in picker.buttons[0]] == [
        "lang:ru:set",
        "lang:ko:set",
        "lang:en:set",
    ]
    assert picker.buttons[0][1].text == "✅ 한국어"


@pytest.mark.parametrize("language", LANGUAGES)
def test_topics_picker_toggles(language: str) -> None:
    picker = render_topics_picker(frozenset({"researchers"}), translator(language), "set")
    data = [row[0].callback_data for row in picker.buttons]
    assert data == ["top:business:set", "top:researchers:set", "top:students:set", "top:done:set"]
    marks = [row[0].text.split(" ", 1)[0] for row in picker.buttons[:3]]
    assert marks == ["▫️", "✅", "▫️"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "For business and For students"),
        ("ru", "Для бизнеса и Для студентов"),
        ("ko", "비즈니스용 및 학생용"),
    ],
)
def test_topics_text(language: str, expected: str) -> None:
    assert topics_text(frozenset({"students", "business"}), translator(language)) == expected


def test_no_topics_means_all() -> None:
    assert topics_text(frozenset(), translator("ru")) == "все темы"


def test_summary_active_and_inactive() -> None:
    text = render_summary(subscriber(), translator("ru"))
    assert "Вы подписаны." in text
    assert "Язык: Русский." in text
    active = render_summary(subscriber(active=False), translator("en"))
    assert "You are unsubscribed" in active


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_lists_commands(language: str) -> None:
    t = translator(language)
    text = render_help(t)
    for command, _ in SUBSCRIBER_COMMANDS:
        assert f"/{command} — " in text
    assert "/announce" not in text
    admin_text = render_help(t, admin=True)
    for command, _ in ADMIN_COMMANDS:
        assert f"/{command} — " in admin_text


def test_menu_descriptions_translated_and_valid() -> None:
    for language in LANGUAGES:
        pairs = commands(translator(language), admin=True)
        assert len(pairs) == len(SUBSCRIBER_COMMANDS) + len(ADMIN_COMMANDS)
        assert all(1 <= len(description) <= 256 for _, description in pairs)
    assert dict(commands(translator("ko")))["stop"] == "구독 해지 (설정은 유지됩니다)"
    assert dict(commands(translator("ru"), admin=True))["stats"] == (
        "Статистика подписчиков; /stats EVENT_ID — по одному мероприятию"
    )
