"""Are the translation catalogs usable and complete? Used by ``eventbot doctor``."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import Translator, catalog_path

KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
SOURCES = Path(__file__).resolve().parent.parent
"""The ``bot`` package: every message it marks for translation must be in each catalog."""


def code_messages(sources: Path = SOURCES) -> dict[str, str | None]:
    """msgid -> plural msgid (or None) for every string the code marks for translation."""
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        sources, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found[message] = None
    return found


def _read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def catalog_problems(language: str, messages: dict[str, str | None]) -> list[str]:
    """What is wrong with one language's catalog: it does not load, or ``messages`` are
    missing, fuzzy, untranslated or lack plural forms in it."""
    try:
        Translator(language)
        catalog = _read_catalog(language)
    except Exception as error:  # any failure to load is the answer, whatever its type
        return [f"does not load: {error}"]
    problems: list[str] = []
    for msgid, plural in messages.items():
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy {msgid!r}")
        elif plural is not None and len(strings) != catalog.num_plurals:
            wanted = catalog.num_plurals
            problems.append(f"{len(strings)} plural forms instead of {wanted}: {msgid!r}")
        elif not all(strings):
            problems.append(f"untranslated {msgid!r}")
    return problems
