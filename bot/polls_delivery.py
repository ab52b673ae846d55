"""The polls feature's broadcast kinds: send a native poll, stop one, publish results.

Each ``deliver`` makes one Bot API call for one recipient through the broadcast engine (which
paces, retries and survives restarts) and records what it did right away: a sent poll is
stored as an instance before the engine marks the row sent, so a vote arriving a moment
later already finds it, and a re-send after a crash is skipped for a chat that has one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, InputPollOption, Message
from telegram.constants import ParseMode

from bot.broadcast import Delivered, Recipient, register_kind
from bot.deps import AnyApp, Deps, app_deps
from bot.i18n import Translator, translator
from bot.render.chart import chart_key, render_chart
from bot.render.results import results_caption, results_text
from bot.services.polls import PollResults
from storage.models import PollDef
from storage.polls import PollInstance

HTML = ParseMode.HTML
KIND_POLL = "poll"
KIND_STOP = "poll_stop"
KIND_RESULTS = "poll_results"


class PollDefinitions:
    """Poll definitions by id for the duration of a broadcast (one read, not one per chat)."""

    def __init__(self) -> None:
        self._polls: dict[str, PollDef] = {}

    async def get(self, app: Deps, poll_id: str) -> PollDef:
        poll = self._polls.get(poll_id)
        if poll is None:
            poll = await app.polls.definition(poll_id)
            if poll is None:
                raise LookupError(f"poll {poll_id!r} is not stored any more")
            self._polls[poll_id] = poll
        return poll

    def forget(self, poll_id: str) -> None:
        self._polls.pop(poll_id, None)


CHARTS_KEY = "eventbot.poll_charts"


@dataclass
class _Chart:
    png: bytes | None = None
    """Drawn, not uploaded yet (kept if an upload fails; dropped once there is a file id)."""
    file_id: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Charts:
    """The results charts: each is drawn once per :func:`bot.render.chart.chart_key` (poll,
    language, counts, voters, closed, texts), so a ``/results`` storm or a publication to
    every subscriber draws it once per language; the first send uploads it (the others wait)
    and later ones send Telegram's file id. A vote or closing makes a new key. The least
    recently used charts beyond ``capacity`` are forgotten."""

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = capacity
        self._charts: OrderedDict[tuple[object, ...], _Chart] = OrderedDict()

    def _chart(self, poll: PollDef, results: PollResults, t: Translator) -> _Chart:
        key = chart_key(poll, results, t.language)
        chart = self._charts.get(key)
        if chart is None:
            chart = self._charts[key] = _Chart()
            while len(self._charts) > self._capacity:
                self._charts.popitem(last=False)
        else:
            self._charts.move_to_end(key)
        return chart

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        poll: PollDef,
        results: PollResults,
        t: Translator,
        caption: str,
        paid: bool | None,
    ) -> Message:
        chart = self._chart(poll, results, t)
        if chart.file_id is None:
            async with chart.lock:
                if chart.file_id is None:
                    if chart.png is None:
                        chart.png = await asyncio.to_thread(render_chart, poll, results, t)
                    sent = await bot.send_photo(
                        chat_id,
                        chart.png,
                        caption=caption,
                        parse_mode=HTML,
                        allow_paid_broadcast=paid,
                    )
                    if sent.photo:
                        chart.file_id, chart.png = sent.photo[-1].file_id, None
                    return sent
        return await bot.send_photo(
            chat_id, chart.file_id, caption=caption, parse_mode=HTML, allow_paid_broadcast=paid
        )


def charts_of(application: AnyApp) -> Charts:
    """The application's results charts, shared by ``/results``, the previews and the
    publications."""
    found = application.bot_data.get(CHARTS_KEY)
    if not isinstance(found, Charts):
        found = Charts()
        application.bot_data[CHARTS_KEY] = found
    return found


async def send_native_poll(
    bot: Bot, chat_id: int, poll: PollDef, language: str, *, paid: bool, is_closed: bool = False
) -> Message:
    """The poll as a native Telegram poll in ``language``; ``is_closed`` for a preview (nobody
    can vote in it)."""
    return await bot.send_poll(
        chat_id,
        poll.question.get(language),
        [InputPollOption(o.get(language), text_parse_mode=None) for o in poll.options],
        is_anonymous=poll.anonymous,
        allows_multiple_answers=poll.multiple_answers,
        allows_revoting=True,
        hide_results_until_closes=True if poll.hide_results else None,
        question_parse_mode=None,
        is_closed=True if is_closed else None,
        allow_paid_broadcast=paid or None,
    )


async def send_results(
    bot: Bot,
    chat_id: int,
    poll: PollDef,
    results: PollResults,
    t: Translator,
    charts: Charts,
    *,
    paid: bool,
) -> Message:
    """The chart with the results as its caption, in ``t``'s language (text only if the
    caption would be too long)."""
    caption = results_caption(poll, results, t)
    if caption is None:
        text = results_text(poll, results, t)
        return await bot.send_message(
            chat_id, text, parse_mode=HTML, allow_paid_broadcast=paid or None
        )
    return await charts.send(bot, chat_id, poll, results, t, caption, paid or None)


def register_kinds(application: AnyApp, definitions: PollDefinitions, charts: Charts) -> None:
    async def deliver_poll(
        bot: Bot, recipient: Recipient, payload: Mapping[str, Any]
    ) -> Delivered:
        """``payload = {"poll_id": str}``: the poll in the recipient's language."""
        app = app_deps(application)
        poll = await definitions.get(app, str(payload["poll_id"]))
        if await app.polls.has_instance(poll.id, recipient.chat_id):
            return Delivered(None)  # sent before a restart, or by an earlier /startpoll
        if (await app.polls.status(poll.id)).closed:
            return Delivered(None)  # closed while this broadcast was still going
        language = recipient.language
        message = await send_native_poll(
            bot, recipient.chat_id, poll, language, paid=recipient.paid
        )
        if message.poll is not None:
            await app.polls.record_instance(
                PollInstance(
                    telegram_poll_id=message.poll.id,
                    poll_id=poll.id,
                    chat_id=recipient.chat_id,
                    message_id=message.message_id,
                    language=language,
                    chat_type=recipient.chat_type,
                )
            )
        return Delivered(message.message_id, message)

    async def deliver_stop(
        bot: Bot, recipient: Recipient, payload: Mapping[str, Any]
    ) -> Delivered:
        """Target data ``{"telegram_poll_id": str, "message_id": int}``: stop that instance;
        the final Poll Telegram returns replaces the instance's stored counts."""
        app = app_deps(application)
        data = recipient.data or {}
        telegram_poll_id = str(data["telegram_poll_id"])
        poll = await bot.stop_poll(recipient.chat_id, int(data["message_id"]))
        await app.polls.record_final(
            telegram_poll_id, [o.voter_count for o in poll.options], poll.total_voter_count
        )
        return Delivered(None, poll=poll)

    async def deliver_results(
        bot: Bot, recipient: Recipient, payload: Mapping[str, Any]
    ) -> Delivered:
        """``payload = {"poll_id": str, "results": PollResults.to_dict()}``: the chart with
        the results as its caption, in the recipient's language (text only if too long)."""
        app = app_deps(application)
        poll = await definitions.get(app, str(payload["poll_id"]))
        results = PollResults.from_dict(dict(payload["results"]))
        t = translator(recipient.language)
        sent = await send_results(
            bot, recipient.chat_id, poll, results, t, charts, paid=recipient.paid
        )
        return Delivered(sent.message_id, sent)

    register_kind(KIND_POLL, deliver_poll)
    register_kind(KIND_STOP, deliver_stop)
    register_kind(KIND_RESULTS, deliver_results)
