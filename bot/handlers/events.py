"""/events and the event card's buttons: open a card, speakers, language switch, calendar.

Buttons edit the message they belong to where that makes sense (speakers, language), so a
card stays one message; stale or forged buttons get a polite answer and change nothing.
Each of them is recorded for ``/stats EVENT_ID`` (``deps.engagement``: in memory, written
in batches).
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.config import SUPPORTED_LANGUAGES
from bot.deps import AnyApp, deps
from bot.handlers.follow import is_following
from bot.handlers.replies import NEW_MESSAGES, edit, query_chat_id, send, send_text
from bot.i18n import Translator, tr, translator
from bot.render.event_card import render_event_card
from bot.render.events_list import render_event_list
from bot.render.ics import build_ics, ics_filename
from bot.render.speakers import render_speaker_page
from bot.render.types import Rendered
from storage.models import Event, RatingSummary
from storage.ratings import RatingRepository

log = logging.getLogger(__name__)


async def event_rating(context: ContextTypes.DEFAULT_TYPE, event_id: str) -> RatingSummary:
    return await RatingRepository(deps(context).db).summary(event_id)


async def card(
    context: ContextTypes.DEFAULT_TYPE, event: Event, t: Translator, chat_id: int | None
) -> Rendered:
    """The card of ``event`` in ``t``'s language, with its current rating (and, for the chat
    it goes to, Follow live or Unfollow live)."""
    following = chat_id is not None and await is_following(context, event.id, chat_id)
    return render_event_card(
        event, t, rating=await event_rating(context, event.id), following=following
    )


async def show_event_card(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, event_id: str, user_id: int | None = None
) -> None:
    """Send the card of ``event_id`` to a chat (a deep link), counted as opened by
    ``user_id``."""
    t = tr()
    event = await deps(context).events.get(event_id) if event_id else None
    if event is None:
        await send_text(context, chat_id, t._("Sorry, I could not find this event."))
        return
    if user_id is not None:
        deps(context).engagement.card_opened(event.id, user_id)
    await send(context, chat_id, await card(context, event, t, chat_id))


async def events_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    upcoming, recent = await deps(context).events.list_events()
    await send(context, chat.id, render_event_list(upcoming, recent, tr()))


async def _stale(query: CallbackQuery) -> None:
    await query.answer(tr()._("This button is no longer valid."), show_alert=True)


async def _event(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, event_id: str
) -> Event | None:
    event = await deps(context).events.get(event_id)
    if event is None:
        await query.answer(tr()._("Sorry, I could not find this event."), show_alert=True)
    return event


async def on_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``ev:<id>``: send the card as a new message (the list stays as it is)."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, "ev", (str,))
    if decoded is None or query.message is None:
        await _stale(query)
        return
    event = await _event(query, context, decoded[0])
    if event is None:
        return
    deps(context).engagement.card_opened(event.id, query.from_user.id)
    chat_id = query.message.chat.id
    await send(context, chat_id, await card(context, event, tr(), chat_id))
    await query.answer()


async def on_card_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``evl:<id>:<lang>``: show the card in that language, in place; ``evl:<id>:<lang>:<i>``
    is "back to the event" from speaker ``i``'s page (no language switch)."""
    query = update.callback_query
    assert query is not None
    switch = callbacks.decode(query.data, "evl", (str, str))
    back = callbacks.decode(query.data, "evl", (str, str, int))
    target = switch or (None if back is None else (back[0], back[1]))
    if target is None or target[1] not in SUPPORTED_LANGUAGES:
        await _stale(query)
        return
    event_id, language = target
    event = await _event(query, context, event_id)
    if event is None:
        return
    if switch is not None:
        deps(context).engagement.language_switched(event.id, query.from_user.id, language)
    chat_id = query_chat_id(query)
    await edit(query, await card(context, event, translator(language), chat_id))
    await query.answer()


async def on_speaker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``spk:<id>:<index>:<lang>``: the speaker's page in place of the message; a page too
    long for one message continues in new messages, the last one with the buttons."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, "spk", (str, int, str))
    if decoded is None or decoded[2] not in SUPPORTED_LANGUAGES:
        await _stale(query)
        return
    event_id, index, language = decoded
    event = await _event(query, context, event_id)
    if event is None:
        return
    try:
        pages = render_speaker_page(event, index, translator(language))
    except IndexError:
        await _stale(query)
        return
    deps(context).engagement.speaker_read(
        event.id, event.speakers[index].key, query.from_user.id, source="card"
    )
    await edit(query, pages[0])
    if len(pages) > 1 and query.message is not None:
        for page in pages[1:]:
            await send(context, query.message.chat.id, page)
    await query.answer()


async def on_calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``ics:<id>``: send the event as an ``.ics`` file in the reader's language."""
    query = update.callback_query
    assert query is not None
    decoded = callbacks.decode(query.data, "ics", (str,))
    if decoded is None or query.message is None:
        await _stale(query)
        return
    event = await _event(query, context, decoded[0])
    if event is None:
        return
    t = tr()
    deps(context).engagement.calendar_downloaded(event.id, query.from_user.id)
    await context.bot.send_document(
        query.message.chat.id,
        InputFile(build_ics(event, t), filename=ics_filename(event)),
        caption=t._("Open the file to add the event to your calendar."),
    )
    await query.answer()


def register(application: AnyApp) -> None:
    application.add_handler(CommandHandler("events", events_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_open, pattern=callbacks.pattern("ev")))
    application.add_handler(
        CallbackQueryHandler(on_card_language, pattern=callbacks.pattern("evl"))
    )
    application.add_handler(CallbackQueryHandler(on_speaker, pattern=callbacks.pattern("spk")))
    application.add_handler(CallbackQueryHandler(on_calendar, pattern=callbacks.pattern("ics")))
