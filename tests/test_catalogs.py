"""Every message used in the code is translated, not fuzzy, in every catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import locales_dir

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}


def _code_messages() -> dict[str, str | None]:
    """msgid -> plural msgid (or None) for every string the code marks for translation."""
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "bot", method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found[message] = None
    return found


def _catalog(language: str) -> Catalog:
    path = locales_dir() / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _raw_msgids(text: str) -> list[str]:
    """Each msgid of a .po file as written (continuation lines joined), obsolete ones skipped."""
    ids: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("msgid "):
            current = [line[len("msgid ") :]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            ids.append("".join(current))
            current = None
    return [msgid for msgid in ids if msgid != '""']


def test_code_has_messages() -> None:
    assert len(_code_messages()) > 0


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_complete(language: str) -> None:
    catalog = _catalog(language)
    problems: list[str] = []
    for msgid, plural in _code_messages().items():
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if plural is not None:
            if not isinstance(message.string, tuple):
                problems.append(f"not a plural entry: {msgid!r}")
            elif len(strings) != catalog.num_plurals:
                problems.append(
                    f"{len(strings)} plural forms, need {catalog.num_plurals}: {msgid!r}"
                )
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_has_no_duplicates_or_fuzzy(language: str) -> None:
    path = locales_dir() / language / "LC_MESSAGES" / "messages.po"
    ids = _raw_msgids(path.read_text(encoding="utf-8"))
    duplicates = {msgid for msgid in ids if ids.count(msgid) > 1}
    assert not duplicates
    catalog = _catalog(language)
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def test_russian_plural_forms() -> None:
    catalog = _catalog("ru")
    assert catalog.num_plurals == 3
    assert _catalog("ko").num_plurals == 1
    assert _catalog("en").num_plurals == 2
