"""Event ratings: the "Rate this event" prompt, its ``rate:`` buttons and ``/rate EVENT_ID``.

The prompt goes out through the broadcast engine, on demand (``/rate``: a preview with
inert buttons, then the admin's Send) and once after each event ends (a periodic job finds
events that ended in the last day and were not offered yet). One rating per user and event;
pressing another button changes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from html import escape
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks
from bot.broadcast import Audience, Delivered, Recipient, register_kind, start_broadcast
from bot.deps import AnyApp, app_deps, deps
from bot.handlers.drafts import SendHooks, inert, open_draft, register_send_hooks
from bot.handlers.replies import edit, send
from bot.handlers.rights import ensure_bot_admin
from bot.i18n import Translator, tr, translator
from bot.keyboards import markup
from bot.render.ratings import RATE_PREFIX, render_rating_prompt
from bot.services.poll_commands import parse_audience
from storage.broadcasts import BroadcastRow
from storage.clock import now_utc
from storage.ratings import MAX_STARS, MIN_STARS

log = logging.getLogger(__name__)

KIND_RATING = "rating_prompt"
OFFER_AFTER = timedelta(minutes=10)
"""How long after an event ends its rating prompt goes out."""
OFFER_WINDOW = timedelta(days=1)
"""Events that ended longer ago than this are not offered (e.g. on a first start)."""
OFFER_INTERVAL = 300.0
OFFER_FIRST = 60.0


async def rate_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    t = tr()
    decoded = callbacks.decode(query.data, RATE_PREFIX, (str, int))
    if decoded is None or not MIN_STARS <= decoded[1] <= MAX_STARS:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    event_id, stars = decoded
    app = deps(context)
    event = await app.events.get(event_id)
    if event is None:
        await query.answer(t._("Sorry, this event is no longer available."), show_alert=True)
        return
    summary = await app.ratings.rate(event_id, query.from_user.id, stars)
    message = query.message
    if message is not None:
        private = message.chat.type == ChatType.PRIVATE
        chosen = stars if private else None
        await edit(query, render_rating_prompt(event, summary, t, chosen=chosen))
    await query.answer(t._("Thank you! Your rating: {stars} of 5").format(stars=t.number(stars)))


async def deliver_rating_prompt(
    bot: Bot, recipient: Recipient, payload: Mapping[str, Any], application: AnyApp
) -> Delivered:
    """``payload = {"event_id": str}``: the prompt in the recipient's language."""
    app = app_deps(application)
    event_id = str(payload["event_id"])
    event = await app.events.get(event_id)
    if event is None:
        raise LookupError(f"event {event_id!r} is not stored any more")
    summary = await app.ratings.summary(event_id)
    rendered = render_rating_prompt(event, summary, translator(recipient.language))
    sent = await bot.send_message(
        recipient.chat_id,
        rendered.text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(rendered),
        allow_paid_broadcast=recipient.paid or None,
    )
    return Delivered(sent.message_id, sent)


async def rate_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await ensure_bot_admin(update, context):
        return
    message = update.effective_message
    if message is None:
        return
    t = tr()
    usage = t._(
        "Usage: /rate EVENT_ID [lang=en,ru,ko] [topic=business,researchers,students]"
        " [groups=yes]"
    )
    if not context.args:
        await message.reply_text(usage)
        return
    app = deps(context)
    event = await app.events.get(context.args[0])
    if event is None:
        await message.reply_text(t._("There is no event with this id."))
        return
    audience = parse_audience(context.args[1:])
    if audience.unknown:
        await message.reply_text(
            t._("I don't understand: {args}").format(args=escape(" ".join(audience.unknown)))
            + "\n"
            + usage
        )
        return
    summary = await app.ratings.summary(event.id)

    async def preview(
        context: ContextTypes.DEFAULT_TYPE, chat_id: int, t: Translator, broadcast_id: int
    ) -> None:
        prompt = render_rating_prompt(event, summary, t)
        await send(context, chat_id, inert(prompt, broadcast_id))

    await open_draft(
        update,
        context,
        kind=KIND_RATING,
        payload={"event_id": event.id},
        audience=Audience(
            languages=audience.languages,
            topics=audience.topics,
            include_groups=audience.groups,
        ),
        title=f"rating of {event.id}",
        preview=preview,
        event_id=event.id,
    )


async def _before_send(application: AnyApp, row: BroadcastRow, t: Translator) -> str | None:
    """Send pressed on a rating draft: refuse if the event was deleted meanwhile."""
    if await app_deps(application).events.get(str(row.payload["event_id"])) is None:
        return escape(t._("Sorry, this event is no longer available."))
    return None


async def offer_ratings(application: AnyApp) -> list[str]:
    """Send the prompt of every event that ended recently and was not offered yet."""
    app = app_deps(application)
    now = now_utc()
    offered: list[str] = []
    for event_id in await app.ratings.events_to_offer(
        now - OFFER_WINDOW - OFFER_AFTER, now - OFFER_AFTER
    ):
        if not await app.ratings.mark_offered(event_id):
            continue
        await start_broadcast(
            app,
            kind=KIND_RATING,
            payload={"event_id": event_id},
            audience=Audience(),
            created_by=None,
            title=f"rating of {event_id}",
            event_id=event_id,
        )
        offered.append(event_id)
    return offered


async def _offer_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    offered = await offer_ratings(context.application)
    if offered:
        log.info("rating prompts sent for %s", ", ".join(offered))


def register(application: AnyApp) -> None:
    async def deliver(bot: Bot, recipient: Recipient, payload: Mapping[str, Any]) -> Delivered:
        return await deliver_rating_prompt(bot, recipient, payload, application)

    register_kind(KIND_RATING, deliver)
    register_send_hooks(KIND_RATING, SendHooks(before=_before_send))
    application.add_handler(CommandHandler("rate", rate_command))
    application.add_handler(
        CallbackQueryHandler(rate_callback, pattern=callbacks.pattern(RATE_PREFIX))
    )
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _offer_job, interval=OFFER_INTERVAL, first=OFFER_FIRST, name="rating-offers"
        )
