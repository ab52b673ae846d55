"""Votes (``poll_answer`` and ``poll`` updates) and ``/results POLL_ID``.

The vote handlers are the hot path: no database round trip per update (see
:mod:`bot.services.votes`), no reply, no language lookup (``bot/handlers/locale.py`` skips
poll updates).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes, PollAnswerHandler, PollHandler

from bot.deps import AnyApp, deps
from bot.i18n import Translator, tr
from bot.polls_delivery import charts_of
from bot.render.results import chart_caption, render_hidden, results_text
from bot.services.polls import PollResults
from bot.services.votes import VoteOutcome
from storage.models import PollDef

log = logging.getLogger(__name__)


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    if answer is None:
        return
    if answer.voter_chat is not None:
        voter, as_chat = answer.voter_chat.id, True
    elif answer.user is not None:
        voter, as_chat = answer.user.id, False
    else:
        return
    outcome = await deps(context).votes.answer(
        answer.poll_id, voter, answer.option_ids, update.update_id, voter_is_chat=as_chat
    )
    if outcome is not VoteOutcome.STORED:
        log.debug("poll answer for %s ignored: %s", answer.poll_id, outcome.value)


async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    poll = update.poll
    if poll is None:
        return
    outcome = await deps(context).votes.counts(
        poll.id,
        [option.voter_count for option in poll.options],
        poll.total_voter_count,
        update.update_id,
    )
    if outcome is not VoteOutcome.STORED:
        log.debug("poll update for %s ignored: %s", poll.id, outcome.value)


async def send_results(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, poll: PollDef, results: PollResults,
    t: Translator,
) -> None:
    """The results message, then the chart (labelled in ``t``'s language, numbered like the
    message's options; drawn once per language and counts, see :class:`Charts`)."""
    await context.bot.send_message(chat_id, results_text(poll, results, t))
    charts = charts_of(context.application)
    await charts.send(context.bot, chat_id, poll, results, t, chart_caption(poll, t), paid=None)


async def results_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    t = tr()
    if not context.args:
        await message.reply_text(t._("Usage: /results POLL_ID"))
        return
    app = deps(context)
    poll = await app.polls.definition(context.args[0])
    if poll is None:
        await message.reply_text(t._("There is no poll with this id."))
        return
    user = update.effective_user
    status = await app.polls.status(poll.id)
    admin = app.config.is_admin(user.id if user else None)
    if poll.hide_results and not status.closed and not admin:
        await message.reply_text(render_hidden(poll, t).text)
        return
    results = await app.polls.results(poll)
    await send_results(context, chat.id, poll, results, t)


def register(application: AnyApp) -> None:
    application.add_handler(PollAnswerHandler(on_poll_answer))
    application.add_handler(PollHandler(on_poll))
    application.add_handler(CommandHandler("results", results_command))
