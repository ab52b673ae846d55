"""The audience's questions board: ``/questions EVENT_ID`` (a moderator gets the queue
instead), ``ql:`` (open it), ``qp:`` (turn a page) and the ``qv:`` 👍 buttons.

A press toggles the presser's vote through :class:`bot.services.upvotes.UpvoteIntake`
(batched, counted in SQL), then the message is edited in place to show the new count; edits
of one message are coalesced (:mod:`bot.handlers.inplace`), so a burst of presses on a
group's board costs a few edits. The press is answered once the message shows its vote.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.config import SUPPORTED_LANGUAGES
from bot.deps import AnyApp, deps
from bot.handlers.inplace import InPlaceEdits
from bot.handlers.question_moderation import (
    MAX_PAGE,
    moderates_here,
    send_queue,
    view_translator,
)
from bot.handlers.replies import NEW_MESSAGES, edit, edit_in_place, send
from bot.i18n import Translator, tr, translator
from bot.render.question_buttons import BOARD_PREFIX, PAGE_PREFIX, VOTE_PREFIX
from bot.render.question_cards import ALL
from bot.render.questions import BOARD_STATUSES, PAGE_SIZE, render_board, speaker_index
from bot.render.types import Rendered
from storage.models import Event
from storage.question_votes import Press, VoteOutcome
from storage.questions import Page

log = logging.getLogger(__name__)

EDITS_KEY = "eventbot.question_edits"
EVENTS_KEY = "eventbot.question_events"
CACHED_EVENTS = 64


def _edits(context: ContextTypes.DEFAULT_TYPE) -> InPlaceEdits:
    value = context.bot_data.get(EDITS_KEY)
    assert isinstance(value, InPlaceEdits)
    return value


async def current_event(context: ContextTypes.DEFAULT_TYPE, event_id: str) -> Event | None:
    """The event, from a small cache checked against its import time: a press re-renders
    the board, and loading an event with its speakers is several queries."""
    app = deps(context)
    cache: dict[str, tuple[str, Event]] = context.bot_data.setdefault(EVENTS_KEY, {})
    version = await app.questions.event_version(event_id)
    if version is None:
        cache.pop(event_id, None)
        return None
    cached = cache.get(event_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    event = await app.events.get(event_id)
    if event is not None:
        if len(cache) >= CACHED_EVENTS:
            cache.clear()
        cache[event_id] = (version, event)
    return event


async def board(
    context: ContextTypes.DEFAULT_TYPE, event: Event, page: int, t: Translator
) -> Rendered:
    """Page ``page`` of the board as it is now (the last page if it has fewer pages). The
    audience's ranking is by votes only; the moderators' view puts the current speaker's
    questions first during the live mode."""
    repo = deps(context).questions

    async def read(page: int) -> Page:
        offset = page * PAGE_SIZE
        return await repo.page(
            event.id, BOARD_STATUSES, offset=offset, limit=PAGE_SIZE, first_speaker=None
        )

    found = await read(page)
    if not found.questions and page > 0:
        shown = found.counts[BOARD_STATUSES[0]] + found.counts[BOARD_STATUSES[1]]
        page = max(0, (shown - 1) // PAGE_SIZE)
        found = await read(page)
    return render_board(event, found, page, t)


async def questions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/questions EVENT_ID [SPEAKER_ID]``: the board; a moderator (in a private chat or the
    QA group) gets the queue, filtered by speaker if one is given."""
    chat = update.effective_chat
    if chat is None:
        return
    t = tr()
    args = context.args or []
    if not args:
        await send(context, chat.id, Rendered(t._("Usage: /questions EVENT_ID")))
        return
    event = await deps(context).events.get(args[0])
    if event is None:
        await send(context, chat.id, Rendered(t._("There is no event with this id.")))
        return
    if not moderates_here(update, context):
        await send(context, chat.id, await board(context, event, 0, t))
        return
    speaker = ALL
    if len(args) > 1:
        keys = [s.key for s in event.speakers]
        if args[1] not in keys:
            await send(context, chat.id, Rendered(t._("This event has no speaker with this id.")))
            return
        speaker = speaker_index(event, args[1])
    await send_queue(context, chat.id, event, 0, speaker, await view_translator(update, context))


async def _stale(query: CallbackQuery) -> None:
    await query.answer(tr()._("This button is no longer valid."), show_alert=True)


async def on_board(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``ql:<event>:<lang>`` sends the board (from a card or a notice)."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, BOARD_PREFIX, (str, str))
    if decoded is None or decoded[1] not in SUPPORTED_LANGUAGES or query.message is None:
        await _stale(query)
        return
    event = await current_event(context, decoded[0])
    if event is None:
        await _stale(query)
        return
    await send(
        context, query.message.chat.id, await board(context, event, 0, translator(decoded[1]))
    )
    await query.answer()


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``qp:<event>:<page>:<lang>`` turns the board's page in place."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, PAGE_PREFIX, (str, int, str))
    if (
        decoded is None
        or not 0 <= decoded[1] <= MAX_PAGE
        or decoded[2] not in SUPPORTED_LANGUAGES
        or query.message is None
    ):
        await _stale(query)
        return
    event = await current_event(context, decoded[0])
    if event is None:
        await _stale(query)
        return
    await edit(query, await board(context, event, decoded[1], translator(decoded[2])))
    await query.answer()


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``qv:<event>:<question>:<page>:<lang>``: toggle the presser's 👍, show the count (the
    board in its own language, the answer in the presser's)."""
    query = update.callback_query
    assert query is not None
    t = tr()
    decoded = callbacks.decode(query.data, VOTE_PREFIX, (str, int, int, str))
    if (
        decoded is None
        or query.message is None
        or not 0 <= decoded[2] <= MAX_PAGE
        or decoded[3] not in SUPPORTED_LANGUAGES
    ):
        await _stale(query)
        return
    event_id, question_id, page, language = decoded
    app = deps(context)
    pressed = await app.upvotes.press(Press(event_id, question_id, query.from_user.id))
    if pressed.outcome is VoteOutcome.UNKNOWN:
        await _stale(query)
        return
    if pressed.outcome is VoteOutcome.OWN:
        await query.answer(t._("You cannot vote for your own question."), show_alert=True)
        return
    event = await current_event(context, event_id)
    if event is None:
        await _stale(query)
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id

    async def show() -> None:
        rendered = await board(context, event, page, translator(language))
        await edit_in_place(context.bot, chat_id, message_id, rendered)

    await _edits(context).refresh((chat_id, message_id), show)
    votes = t.number(pressed.upvotes)
    if pressed.outcome is VoteOutcome.ON:
        await query.answer(t._("👍 Thank you! Votes: {n}").format(n=votes))
    elif pressed.outcome is VoteOutcome.OFF:
        await query.answer(t._("Your vote is taken back. Votes: {n}").format(n=votes))
    else:  # answered or closed meanwhile: the refreshed board shows it
        await query.answer(t._("This question is no longer open for votes."), show_alert=True)


def register(application: AnyApp) -> None:
    application.bot_data[EDITS_KEY] = InPlaceEdits()
    application.add_handler(CommandHandler("questions", questions_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_board, pattern=callbacks.pattern(BOARD_PREFIX)))
    application.add_handler(CallbackQueryHandler(on_page, pattern=callbacks.pattern(PAGE_PREFIX)))
    application.add_handler(CallbackQueryHandler(on_vote, pattern=callbacks.pattern(VOTE_PREFIX)))
