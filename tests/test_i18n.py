"""Translations: plural forms, CLDR numbers, language choice, placeholders kept."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import (
    LANGUAGE_NAMES,
    LOCALES_ENV,
    catalog_path,
    locales_dir,
    normalize_language,
    translator,
)

SUBSCRIBERS = ("{n} active subscriber", "{n} active subscribers")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 активных подписчиков"),
        (1, "1 активный подписчик"),
        (2, "2 активных подписчика"),
        (4, "4 активных подписчика"),
        (5, "5 активных подписчиков"),
        (11, "11 активных подписчиков"),
        (12, "12 активных подписчиков"),
        (21, "21 активный подписчик"),
        (22, "22 активных подписчика"),
        (111, "111 активных подписчиков"),
    ],
)
def test_russian_plural_forms(n: int, expected: str) -> None:
    t = translator("ru")
    assert t.ngettext(*SUBSCRIBERS, n).format(n=t.number(n)) == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(1, "1 active subscriber"), (2, "2 active subscribers")]
)
def test_english_plural_forms(n: int, expected: str) -> None:
    t = translator("en")
    assert t.ngettext(*SUBSCRIBERS, n).format(n=t.number(n)) == expected


@pytest.mark.parametrize("n", [1, 2, 5])
def test_korean_has_one_form(n: int) -> None:
    t = translator("ko")
    assert t.ngettext(*SUBSCRIBERS, n).format(n=n) == f"활성 구독자 {n}명"


def test_numbers_and_percentages_per_locale() -> None:
    assert translator("en").number(1234567.5) == "1,234,567.5"
    assert translator("ru").number(1234567.5) == "1\xa0234\xa0567,5"
    assert translator("ko").number(1234567.5) == "1,234,567.5"
    assert translator("en").percent(0.31) == "31%"
    assert translator("ru").percent(0.31) == "31\xa0%"


def test_gettext_falls_back_to_msgid_for_unknown_messages() -> None:
    assert translator("ru")._("no such message here") == "no such message here"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("KO", "ko"),
        ("ko_KR", "ko"),
        ("en-GB", "en"),
        ("de", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_language(code: str | None, expected: str | None) -> None:
    assert normalize_language(code) == expected


def test_unknown_language_gets_default_translator() -> None:
    assert translator("xx").language in SUPPORTED_LANGUAGES


def test_every_language_has_a_name_in_itself() -> None:
    assert set(LANGUAGE_NAMES) == set(SUPPORTED_LANGUAGES)


_FIELD = re.compile(r"\{[a-z_]*\}")


@pytest.mark.parametrize("language", ["ru", "ko"])
def test_translations_keep_placeholders(language: str) -> None:
    """A translation that drops or renames ``{field}`` would crash ``format`` or lose data."""
    path = locales_dir() / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_FIELD.findall(str(ids[-1])))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if string and set(_FIELD.findall(str(string))) != wanted:
                problems.append(f"{ids[0]!r}: {string!r}")
    assert not problems, "\n".join(problems)


# where the catalogs are ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_catalogs_are_the_bot_locales_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """In this (editable) install ``bot.locales`` is the checkout's top-level ``locales/``;
    tests/test_installed.py checks the same lookup in a regular install."""
    package = importlib.import_module("bot.locales")  # mypy cannot follow the package-dir map
    monkeypatch.delenv(LOCALES_ENV, raising=False)
    assert locales_dir() == Path(str(package.__file__)).parent == ROOT / "locales"
    assert catalog_path("ko") == ROOT / "locales" / "ko" / "LC_MESSAGES" / "messages.po"
    assert catalog_path("ko", ".mo").name == "messages.mo"


def test_the_override_and_the_uninstalled_tree(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(LOCALES_ENV, str(tmp_path))
    assert locales_dir() == tmp_path
    monkeypatch.delenv(LOCALES_ENV)

    def not_installed(package: str) -> None:
        raise ModuleNotFoundError(f"No module named {package!r}")

    # The tree on sys.path without an install, or an editable install older than bot.locales.
    monkeypatch.setattr("importlib.resources.files", not_installed)
    assert locales_dir() == ROOT / "locales"
