"""Messages of the ``/poll`` dialogue: the draft with its settings buttons, the summary. Pure."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.i18n import Translator
from bot.render.dates import admin_time
from bot.render.types import Button, Rendered
from bot.services.poll_commands import (
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    DraftProblem,
    PollDraft,
)
from storage.models import PollDef

DRAFT_PREFIX = "poll"
"""Callback prefix of the dialogue's buttons: ``poll:anonymous``, ``poll:create``…"""

SETTINGS = ("anonymous", "multiple", "hide")
ACTIONS = ("closes", "create", "cancel")


def _mark(on: bool) -> str:
    return "✅" if on else "▫️"


def settings_lines(
    t: Translator, *, anonymous: bool, multiple: bool, hide: bool, closes: str | None
) -> list[str]:
    yes, no = t._("yes"), t._("no")
    return [
        t._("Anonymous: {value}").format(value=yes if anonymous else no),
        t._("Multiple answers: {value}").format(value=yes if multiple else no),
        t._("Results hidden until closed: {value}").format(value=yes if hide else no),
        t._("Closes: {value}").format(
            value=escape(closes) if closes else t._("manually, with /closepoll")
        ),
    ]


def _options(options: tuple[str, ...]) -> list[str]:
    return [f"{index}. {escape(option)}" for index, option in enumerate(options, start=1)]


def render_draft(draft: PollDraft, t: Translator) -> Rendered:
    closes = None if draft.closes_at is None else admin_time(draft.closes_at, t)
    lines = ["📝 <b>" + escape(t._("New poll")) + "</b>", "", f"<b>{escape(draft.question)}</b>"]
    lines += _options(draft.options)
    lines.append("")
    lines += settings_lines(
        t,
        anonymous=draft.anonymous,
        multiple=draft.multiple_answers,
        hide=draft.hide_results,
        closes=closes,
    )
    buttons = (
        (
            Button(
                f"{_mark(draft.anonymous)} " + t._("Anonymous"),
                callback_data=callbacks.encode(DRAFT_PREFIX, "anonymous"),
            ),
            Button(
                f"{_mark(draft.multiple_answers)} " + t._("Multiple answers"),
                callback_data=callbacks.encode(DRAFT_PREFIX, "multiple"),
            ),
        ),
        (
            Button(
                f"{_mark(draft.hide_results)} " + t._("Hide results until closed"),
                callback_data=callbacks.encode(DRAFT_PREFIX, "hide"),
            ),
        ),
        (
            Button(
                "🕒 " + t._("Closing time"), callback_data=callbacks.encode(DRAFT_PREFIX, "closes")
            ),
        ),
        (
            Button("✅ " + t._("Create"), callback_data=callbacks.encode(DRAFT_PREFIX, "create")),
            Button("✖️ " + t._("Cancel"), callback_data=callbacks.encode(DRAFT_PREFIX, "cancel")),
        ),
    )
    return Rendered("\n".join(lines), buttons)


def render_created(poll: PollDef, t: Translator) -> Rendered:
    language = t.language
    closes = None if poll.closes_at is None else admin_time(poll.closes_at, t)
    lines = [
        "✅ " + escape(t._("Poll {id} is ready.").format(id=poll.id)),
        "",
        f"<b>{escape(poll.question.get(language))}</b>",
        *_options(tuple(o.get(language) for o in poll.options)),
        "",
        *settings_lines(
            t,
            anonymous=poll.anonymous,
            multiple=poll.multiple_answers,
            hide=poll.hide_results,
            closes=closes,
        ),
        "",
        escape(
            t._("Send it with /startpoll {id}, see the results with /results {id}.").format(
                id=poll.id
            )
        ),
    ]
    return Rendered("\n".join(lines))


def problem_text(problem: DraftProblem, t: Translator) -> str:
    texts = {
        DraftProblem.NO_QUESTION: t._("The poll needs a question."),
        DraftProblem.QUESTION_TOO_LONG: t._(
            "The question is too long: at most {n} characters."
        ).format(n=MAX_QUESTION),
        DraftProblem.TOO_FEW_OPTIONS: t._("A poll needs at least two options."),
        DraftProblem.TOO_MANY_OPTIONS: t._("A poll can have at most {n} options.").format(
            n=MAX_OPTIONS
        ),
        DraftProblem.OPTION_TOO_LONG: t._("An option is too long: at most {n} characters.").format(
            n=MAX_OPTION
        ),
        DraftProblem.DUPLICATE_OPTIONS: t._("Two options are the same."),
        DraftProblem.BAD_CLOSING_TIME: t._(
            "I could not read the closing time: write it as YYYY-MM-DD HH:MM (UTC)."
        ),
        DraftProblem.CLOSING_IN_PAST: t._("The closing time must be in the future."),
    }
    return texts[problem]
