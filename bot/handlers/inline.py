"""Inline mode (the Share button): ``@bot`` in any chat offers event cards to post.

An empty query offers the upcoming events (then recent ones); text picks the events whose id
or title (in any language) contains it. Posted cards carry a link that opens the bot on
that event (``/start ev_<id>``).
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit
from telegram.ext import ContextTypes, InlineQueryHandler

from bot.deps import AnyApp, deps
from bot.handlers.events import event_rating
from bot.handlers.replies import NO_PREVIEW
from bot.i18n import Translator, tr
from bot.keyboards import markup
from bot.render.dates import event_day
from bot.render.event_card import render_event_card
from bot.render.types import Rendered
from storage.models import Event

CACHE_SECONDS = 30
"""Short: cards change when content is re-imported or rated; answers are per user anyway."""
SEARCH_DEPTH = 200
"""How many upcoming and how many recent events a query looks through."""


def matches(event: Event, query: str) -> bool:
    needle = query.casefold()
    return needle in event.id.casefold() or any(
        needle in title.casefold() for title in event.title.values.values()
    )


def _description(event: Event, t: Translator) -> str:
    day = event_day(event.starts_at, event.timezone, t)
    if event.format is None:
        return day
    return f"{day} · {event.format.get(t.language)}"


def _result(event: Event, card: Rendered, t: Translator) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=event.id,
        title=event.title.get(t.language),
        description=_description(event, t),
        input_message_content=InputTextMessageContent(card.text, link_preview_options=NO_PREVIEW),
        reply_markup=markup(card),
    )


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    t = tr()
    text = query.query.strip()
    upcoming, recent = await deps(context).events.list_events(
        upcoming=SEARCH_DEPTH, recent=SEARCH_DEPTH
    )
    found = [e for e in upcoming + recent if not text or matches(e, text)]
    found = found[: InlineQueryLimit.RESULTS]
    results = []
    for event in found:
        card = render_event_card(
            event,
            t,
            rating=await event_rating(context, event.id),
            bot_username=context.bot.username,
        )
        results.append(_result(event, card, t))
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


def register(application: AnyApp) -> None:
    application.add_handler(InlineQueryHandler(on_inline_query))
