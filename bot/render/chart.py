"""The poll results chart (PNG): the question, every option's text with its bar and
``33 (31%)``, the number of voters, in the reader's language.

A chart gets forwarded on its own, so it carries everything the results message does; it
is a :func:`bot.render.bars.render_bar_chart`, so an install whose fonts lack a script gets
the numbered chart instead (the texts are then only in the message, numbered alike).
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.render.bars import Bar, render_bar_chart
from bot.render.fonts import FontSet
from bot.render.results import count_with_percent, voters_line
from bot.services.polls import PollResults
from storage.models import PollDef


def result_bars(poll: PollDef, results: PollResults, t: Translator) -> list[Bar]:
    """One bar per option of ``poll`` (or per count, if the counts have more)."""
    percents = results.percentages()
    size = max(len(poll.options), len(results.counts))
    bars: list[Bar] = []
    for index in range(size):
        label = poll.options[index].get(t.language) if index < len(poll.options) else ""
        count = results.counts[index] if index < len(results.counts) else 0
        percent = percents[index] if index < len(percents) else 0
        bars.append(Bar(label, count, count_with_percent(count, percent, t)))
    return bars


def render_chart(
    poll: PollDef, results: PollResults, t: Translator, fonts: FontSet | None = None
) -> bytes:
    """The results chart of ``poll`` in ``t``'s language (``fonts``: the chart fonts)."""
    notes = [voters_line(results.voters, t)]
    if poll.multiple_answers:
        notes.append(t._("Several answers were allowed: percentages are shares of all answers."))
    return render_bar_chart(
        poll.question.get(t.language),
        result_bars(poll, results, t),
        subtitle=t._("Final results:") if results.closed else t._("Results so far:"),
        notes=notes,
        full=results.total_votes or None,
        numbered=True,
        fonts=fonts,
    )


def chart_key(poll: PollDef, results: PollResults, language: str) -> tuple[object, ...]:
    """Everything a results chart is drawn from: equal keys, equal charts. A vote (counts,
    voters), closing, or a changed text (content imported again) makes a new key."""
    return (
        poll.id,
        language,
        poll.question.get(language),
        tuple(option.get(language) for option in poll.options),
        poll.multiple_answers,
        results.counts,
        results.voters,
        results.closed,
    )
