"""Helpers for the live mode tests: followers in three languages, the control message, waiting
for what a button sent."""

from __future__ import annotations

from bot.i18n import translator
from bot.render.speakers import render_speaker_page
from storage.live import LiveRepository
from storage.models import Event
from tests.chat_helpers import callback_data, calm, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import Request
from tests.poll_helpers import until

EN, RU, KO = 60_001, 60_002, 60_003
"""Followers: EN and RU subscribed (en, ru), KO not subscribed (Telegram language ko)."""
OTHER = 60_004
"""A subscriber who follows nothing."""
FOLLOWERS = {EN: "en", RU: "ru", KO: "ko"}


def live(bot: BotHarness) -> LiveRepository:
    return LiveRepository(bot.deps.db)


async def follow_by_command(bot: BotHarness, event_id: str) -> None:
    """EN and RU subscribe, then all three follow with /follow; OTHER only subscribes."""
    api = bot.api
    for chat, language in ((EN, "en"), (RU, "ru"), (OTHER, "en")):
        await bot.deps.subscribers.subscribe(
            chat, language=language, user_id=chat, chat_type="private"
        )
    for chat, language in FOLLOWERS.items():
        await say(api, chat, f"/follow {event_id}", language_code=language)
        await calm(bot.deps.flood, chat)
    for chat in FOLLOWERS:
        assert await live(bot).is_following(event_id, chat)


async def open_control(bot: BotHarness, event_id: str) -> tuple[Request, int]:
    """``/live EVENT`` by the admin: the control message and its session id."""
    control = await say(bot.api, ADMIN_ID, f"/live {event_id}", contains="Live mode")
    session = int(callback_data(control)[-1].split(":")[1])
    return control, session


def button(session: int, op: str, index: int = 0) -> str:
    return f"live:{session}:{op}:{index}"


async def sent_and_finished(bot: BotHarness, session: int, action: str) -> list[int]:
    """Wait until every part of a send went out; the broadcasts, one per part."""
    repo = live(bot)

    async def all_parts_started() -> bool:
        send = await repo.get_send(session, action)
        return send is not None and send.complete

    await until(all_parts_started, what=f"all parts of {action} started")
    send = await repo.get_send(session, action)
    assert send is not None
    for broadcast_id in send.broadcasts:
        await bot.deps.broadcaster.wait_finished(broadcast_id, timeout=15)
    return list(send.broadcasts)


def page_texts(event: Event, index: int, language: str) -> list[str]:
    """The card's speaker page: what the summary button must send."""
    return [page.text for page in render_speaker_page(event, index, translator(language))]


def texts_to(bot: BotHarness, chat: int) -> list[str]:
    return bot.api.sent_texts(chat)

