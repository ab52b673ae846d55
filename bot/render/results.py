"""Poll results as a message: question, each option with ``33 (31%)`` and a bar, voters.

Pure: a poll definition, its aggregated results and a Translator in, HTML out.
"""

from __future__ import annotations

from html import escape

from telegram.constants import MessageLimit

from bot.i18n import Translator
from bot.render.types import Rendered
from bot.services.polls import PollResults
from storage.models import PollDef

BAR_WIDTH = 10
FULL = "▓"
EMPTY = "░"


def text_bar(percent: int, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells, ``percent`` of them full (rounded)."""
    filled = min(width, max(0, round(percent * width / 100)))
    return FULL * filled + EMPTY * (width - filled)


def count_with_percent(count: int, percent: int, t: Translator) -> str:
    """The seed's ``33 (31%)``, with the reader's number and percent formats."""
    return f"{t.number(count)} ({t.percent(percent / 100)})"


def voters_line(voters: int, t: Translator) -> str:
    return t.ngettext("{n} person voted", "{n} people voted", voters).format(n=t.number(voters))


def results_text(poll: PollDef, results: PollResults, t: Translator) -> str:
    lang = t.language
    lines = [f"📊 <b>{escape(poll.question.get(lang))}</b>"]
    lines.append(t._("Final results:") if results.closed else t._("Results so far:"))
    percents = results.percentages()
    for index, option in enumerate(poll.options):
        count = results.counts[index] if index < len(results.counts) else 0
        percent = percents[index] if index < len(percents) else 0
        lines.append("")
        lines.append(f"{index + 1}. {escape(option.get(lang))}")
        lines.append(f"{text_bar(percent)} {count_with_percent(count, percent, t)}")
    lines.append("")
    lines.append("👥 " + voters_line(results.voters, t))
    if poll.multiple_answers:
        lines.append(t._("Several answers were allowed: percentages are shares of all answers."))
    return "\n".join(lines)


def render_results(poll: PollDef, results: PollResults, t: Translator) -> Rendered:
    return Rendered(results_text(poll, results, t))


def chart_caption(poll: PollDef, t: Translator) -> str:
    """The chart's caption when the results text went just before it: the question."""
    question = poll.question.get(t.language)
    budget = MessageLimit.CAPTION_LENGTH - 20
    short = question if len(question) <= budget else question[: budget - 1] + "…"
    return f"📊 <b>{escape(short)}</b>"


def results_caption(poll: PollDef, results: PollResults, t: Translator) -> str | None:
    """The whole results text as the chart's caption, or None if it is too long for one."""
    text = results_text(poll, results, t)
    return text if len(text) <= MessageLimit.CAPTION_LENGTH else None


def render_hidden(poll: PollDef, t: Translator) -> Rendered:
    return Rendered(
        f"📊 <b>{escape(poll.question.get(t.language))}</b>\n"
        + t._("The results will be shown when the poll closes.")
    )
