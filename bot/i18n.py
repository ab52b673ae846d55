"""Translations: gettext catalogs (package ``bot.locales``) plus Babel's CLDR formatting.

The current language lives in a ``ContextVar`` set once per update (see
``bot/handlers/locale.py``); :func:`tr` returns the :class:`Translator` for it. Pure renderers
take a :class:`Translator` argument instead, so they can be tested in every language.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from contextvars import ContextVar
from functools import cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from bot.config import SUPPORTED_LANGUAGES

DOMAIN = "messages"
LANGUAGE_NAMES: dict[str, str] = {"ru": "Русский", "ko": "한국어", "en": "English"}
"""Each language in its own name, for the language picker."""

_current_language: ContextVar[str] = ContextVar("eventbot_language", default="en")
_default_language = "en"


LOCALES_PACKAGE = "bot.locales"
"""The catalogs are package data of this package. pyproject.toml maps the repository's
top-level ``locales/`` folder to it, so a wheel holds ``bot/locales/<lang>/LC_MESSAGES/
messages.po`` and an editable install resolves it to the checkout's ``locales/``."""
LOCALES_ENV = "EVENTBOT_LOCALES_DIR"
"""Overrides where the catalogs are read from (a folder holding ``<lang>/LC_MESSAGES/``)."""


def locales_dir() -> Path:
    """The folder holding ``<lang>/LC_MESSAGES/messages.po``: ``EVENTBOT_LOCALES_DIR`` if set,
    else the installed ``bot.locales`` package, found with :mod:`importlib.resources`."""
    configured = os.environ.get(LOCALES_ENV)
    if configured:
        return Path(configured)
    try:
        found = resources.files(LOCALES_PACKAGE)
    except ModuleNotFoundError:
        # The source tree imported without being installed (PYTHONPATH=.), or an editable
        # install made before the catalogs became package data: the tree's own folder.
        return Path(__file__).resolve().parent.parent / "locales"
    if not isinstance(found, Path):  # e.g. imported from a zip: Babel reads plain files
        raise RuntimeError(f"the catalogs are not plain files ({found}): set {LOCALES_ENV}")
    return found


def catalog_path(language: str, suffix: str = ".po") -> Path:
    """``<locales_dir>/<language>/LC_MESSAGES/messages.po`` (or ``.mo`` with ``suffix``)."""
    return locales_dir() / language / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def _load_catalog(language: str) -> Translations:
    """Load ``messages.mo`` if it is at least as new as ``messages.po``, else compile in memory.

    A fresh checkout or an installed wheel (which ships only the ``.po`` sources) therefore
    works without a compile step; the Docker image compiles once.
    """
    po_path = catalog_path(language)
    mo_path = catalog_path(language, ".mo")
    if mo_path.is_file() and (
        not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po_path.is_file():
        raise FileNotFoundError(f"no catalog for {language!r} at {po_path}")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def normalize_language(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` such as ``ru-RU`` or ``ko`` to a supported language."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


class Translator:
    """Messages and CLDR formatting for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = _load_catalog(language)

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Plural-aware lookup; the result still holds ``{n}``-style fields to ``format``."""
        return self._translations.ngettext(singular, plural, n)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, fraction: float) -> str:
        return format_percent(fraction, locale=self.locale)

    def datetime(self, moment: dt.datetime, timezone: str | dt.tzinfo | None = None) -> str:
        zone = get_timezone(timezone) if isinstance(timezone, str) else timezone
        return format_datetime(moment, format="long", tzinfo=zone, locale=self.locale)

    def date(self, moment: dt.datetime, timezone: str | dt.tzinfo | None = None) -> str:
        zone = get_timezone(timezone) if isinstance(timezone, str) else timezone
        local = moment.astimezone(zone) if zone is not None else moment
        return format_date(local, format="long", locale=self.locale)

    def time(self, moment: dt.datetime, timezone: str | dt.tzinfo | None = None) -> str:
        zone = get_timezone(timezone) if isinstance(timezone, str) else timezone
        return format_time(moment, format="short", tzinfo=zone, locale=self.locale)


@cache
def translator(language: str) -> Translator:
    """The (cached) translator for a supported language; unknown ones get the default."""
    if language not in SUPPORTED_LANGUAGES:
        language = _default_language
    return Translator(language)


def set_default_language(language: str) -> None:
    global _default_language
    _default_language = language if language in SUPPORTED_LANGUAGES else "en"


def default_language() -> str:
    return _default_language


def set_current_language(language: str) -> None:
    _current_language.set(language)


def current_language() -> str:
    return _current_language.get()


def tr() -> Translator:
    """The translator for the language of the update being handled."""
    return translator(_current_language.get())
