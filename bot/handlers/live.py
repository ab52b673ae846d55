"""Live mode during an event: ``/live EVENT_ID`` (admins) and the control message's buttons.

The control message has, per speaker, 🎤 (followers get "Now speaking: …") and 📝 (followers
get that speaker's summary, the card's speaker page), then ⏹ End live (followers get "The
event has ended" with the rating buttons, and the live mode stops). Each button sends once
per live session (bot/live_delivery.py); the press is confirmed to the admin with the number
of followers it went to. The live state (session, current speaker, what was sent) is stored,
so the live mode and its buttons survive a restart. ``/live`` on an event that is live posts
its control message again (same session); after End live it starts a new session, and the
old message's buttons are refused.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, live_delivery
from bot.config import SUPPORTED_LANGUAGES
from bot.deps import AnyApp, deps
from bot.handlers.replies import NEW_MESSAGES, edit, send, send_text
from bot.handlers.rights import ensure_bot_admin
from bot.i18n import Translator, tr, translator
from bot.live_delivery import live_repo
from bot.render.live import (
    LIVE_PREFIX,
    OPS,
    SAY,
    STOP,
    SUMMARY,
    render_control,
    render_live_end,
    render_now_speaking,
    sent_to_text,
)
from bot.render.speakers import render_speaker_page
from bot.render.types import Rendered
from storage.live import END, LiveSession, say_action, summary_action
from storage.models import Event, RatingSummary

log = logging.getLogger(__name__)


async def control(
    context: ContextTypes.DEFAULT_TYPE, event: Event, session: LiveSession, t: Translator
) -> Rendered:
    repo = live_repo(context.application)
    sent = await repo.sent_actions(session.id)
    return render_control(event, session, sent, await repo.follower_count(event.id), t)


async def live_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None or not await ensure_bot_admin(update, context):
        return
    t = tr()
    if not context.args:
        await send_text(context, chat.id, escape(t._("Usage: /live EVENT_ID")))
        return
    event = await deps(context).events.get(context.args[0])
    if event is None:
        await send_text(context, chat.id, escape(t._("There is no event with this id.")))
        return
    user = update.effective_user
    repo = live_repo(context.application)
    session, started = await repo.start(event.id, user.id if user else None)
    if started:
        log.info("event %s is live (session %s)", event.id, session.id)
    await send(context, chat.id, await control(context, event, session, t))


def _parts(
    event: Event, op: str, index: int, rating: RatingSummary | None
) -> dict[str, list[Rendered]]:
    """The message of a button in every language, as its parts (a summary may have several)."""
    parts: dict[str, list[Rendered]] = {}
    for language in SUPPORTED_LANGUAGES:
        t = translator(language)
        if op == SAY:
            parts[language] = [render_now_speaking(event, event.speakers[index], t)]
        elif op == SUMMARY:
            parts[language] = render_speaker_page(event, index, t)
        else:
            assert rating is not None
            parts[language] = [render_live_end(event, rating, t)]
    return parts


async def on_control(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``live:<session>:<say|sum|end>:<speaker index>``: admins only; once each."""
    query = update.callback_query
    assert query is not None
    if not await ensure_bot_admin(update, context):
        return
    t = tr()
    decoded = callbacks.decode(query.data, LIVE_PREFIX, (int, str, int))
    repo = live_repo(context.application)
    session = await repo.session(decoded[0]) if decoded is not None else None
    if decoded is None or decoded[1] not in OPS or session is None:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    _, op, index = decoded
    event = await deps(context).events.get(session.event_id)
    if event is None:
        await query.answer(t._("Sorry, this event is no longer available."), show_alert=True)
        return
    if not session.open:
        await _show(context, query, event, session, t)
        await query.answer(t._("The live mode of this event has ended."), show_alert=True)
        return
    if op != STOP and not 0 <= index < len(event.speakers):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    await _fire(update, context, query, event, session, op, index, t)


async def _fire(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    event: Event,
    session: LiveSession,
    op: str,
    index: int,
    t: Translator,
) -> None:
    if op == STOP:
        action = END
        summary = await deps(context).ratings.summary(event.id)
    else:
        key = event.speakers[index].key
        action = say_action(key) if op == SAY else summary_action(key)
        summary = None
    user = update.effective_user
    count = await live_delivery.send_live(
        context.application,
        session,
        action,
        _parts(event, op, index, summary),
        default_language=event.default_language,
        sent_by=user.id if user else None,
        admin_language=t.language,
    )
    if count is None:
        await _show(context, query, event, session, t)
        now = await live_repo(context.application).session(session.id)
        ended = action != END and (now is None or not now.open)  # End live came first
        text = (
            t._("The live mode of this event has ended.")
            if ended
            else t._("Already sent: each button works once.")
        )
        await query.answer(text, show_alert=True)
        return
    if op == SAY:
        speaker = event.speakers[index].key
        await live_repo(context.application).set_current_speaker(session.id, speaker)
    log.info("live %s (%s): %s to %s followers", session.id, event.id, action, count)
    await _show(context, query, event, session, t)
    await query.answer(sent_to_text(t, count))


async def _show(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    event: Event,
    session: LiveSession,
    t: Translator,
) -> None:
    """The control message as it is now (what was sent, who speaks, or that it ended). A
    message that cannot be edited any more is left as it is: the answer still says it all."""
    current = await live_repo(context.application).session(session.id) or session
    try:
        await edit(query, await control(context, event, current, t))
    except BadRequest as error:
        log.warning("live %s: control message not updated: %s", session.id, error)


def register(application: AnyApp) -> None:
    live_delivery.register(application)
    application.add_handler(CommandHandler("live", live_command, filters=NEW_MESSAGES))
    application.add_handler(
        CallbackQueryHandler(on_control, pattern=callbacks.pattern(LIVE_PREFIX))
    )
