"""/stats text: counts by language and topic with plural forms in every language."""

from __future__ import annotations

from bot.i18n import translator
from bot.render.stats import render_stats

LANGUAGE_ROWS = [("en", True, 5), ("ko", True, 2), ("ko", False, 1), ("ru", True, 1)]
TOPIC_ROWS = [("business", True, 1), ("researchers", True, 2), ("researchers", False, 21)]


def test_russian_plurals() -> None:
    text = render_stats(LANGUAGE_ROWS, TOPIC_ROWS, translator("ru"))
    assert "Всего 9 подписчиков: 8 активных подписчиков, 1 неактивный" in text
    assert "• Русский: 1 активный подписчик, 0 неактивных" in text
    assert "• 한국어: 2 активных подписчика, 1 неактивный" in text
    assert "• English: 5 активных подписчиков, 0 неактивных" in text
    assert "• Для исследователей: 2 активных подписчика, 21 неактивный" in text
    assert "• Для студентов: 0 активных подписчиков, 0 неактивных" in text


def test_english_and_korean() -> None:
    text = render_stats(LANGUAGE_ROWS, TOPIC_ROWS, translator("en"))
    assert "9 subscribers in total: 8 active subscribers, 1 inactive" in text
    assert "• Русский: 1 active subscriber, 0 inactive" in text
    assert "• For business: 1 active subscriber, 0 inactive" in text
    korean = render_stats(LANGUAGE_ROWS, TOPIC_ROWS, translator("ko"))
    assert "전체 구독자 9명: 활성 구독자 8명, 비활성 1명" in korean
    assert "<b>언어별</b>" in korean


def test_big_numbers_use_locale_grouping() -> None:
    rows = [("en", True, 12345)]
    assert "12,345 active subscribers" in render_stats(rows, [], translator("en"))
    assert "12\xa0345 активных подписчиков" in render_stats(rows, [], translator("ru"))


def test_empty() -> None:
    text = render_stats([], [], translator("en"))
    assert "0 subscribers in total: 0 active subscribers, 0 inactive" in text
