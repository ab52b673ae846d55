"""/stats: subscribers by language and by topic, active and inactive."""

from __future__ import annotations

from collections.abc import Iterable

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.render.settings import topic_name
from storage.models import TOPICS


def _tally(rows: Iterable[tuple[str, bool, int]]) -> dict[str, tuple[int, int]]:
    """``key -> (active, inactive)``."""
    tally: dict[str, tuple[int, int]] = {}
    for key, active, count in rows:
        on, off = tally.get(key, (0, 0))
        tally[key] = (on + count, off) if active else (on, off + count)
    return tally


def _pair(active: int, inactive: int, t: Translator) -> str:
    return t._("{active}, {inactive}").format(
        active=t.ngettext("{n} active subscriber", "{n} active subscribers", active).format(
            n=t.number(active)
        ),
        inactive=t.ngettext("{n} inactive", "{n} inactive", inactive).format(n=t.number(inactive)),
    )


def render_stats(
    by_language: Iterable[tuple[str, bool, int]],
    by_topic: Iterable[tuple[str, bool, int]],
    t: Translator,
) -> str:
    """HTML text; ``by_language``/``by_topic`` are ``(key, active, count)`` rows."""
    languages = _tally(by_language)
    topics = _tally(by_topic)
    active = sum(on for on, _ in languages.values())
    inactive = sum(off for _, off in languages.values())
    total = active + inactive
    lines = [
        "<b>" + t._("Subscribers") + "</b>",
        t.ngettext("{n} subscriber in total", "{n} subscribers in total", total).format(
            n=t.number(total)
        )
        + ": "
        + _pair(active, inactive, t),
        "",
        "<b>" + t._("By language") + "</b>",
    ]
    known = list(SUPPORTED_LANGUAGES)
    known += sorted(code for code in languages if code not in SUPPORTED_LANGUAGES)
    for code in known:
        on, off = languages.get(code, (0, 0))
        lines.append(f"• {LANGUAGE_NAMES.get(code, code)}: {_pair(on, off, t)}")
    lines += ["", "<b>" + t._("By topic") + "</b>"]
    for topic in TOPICS:
        on, off = topics.get(topic, (0, 0))
        lines.append(f"• {topic_name(topic, t)}: {_pair(on, off, t)}")
    return "\n".join(lines)
