"""Sending times: what /schedule reads (pure), how admins read times back (one zone, UTC,
said on the line), and the whole flow through the chat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.broadcast.parsing import MAX_AHEAD, WhenError, parse_when
from bot.config import Config
from bot.handlers.broadcast import when_problem
from bot.i18n import translator
from bot.render.dates import admin_time
from bot.render.poll_admin import render_draft
from bot.services.poll_commands import PollDraft
from storage.clock import now_utc, to_db
from tests.broadcast_helpers import add_subscribers, copies, fast_bot
from tests.chat_helpers import callback_data, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi
from tests.sample_events import round_table

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
MOSCOW = "Europe/Moscow"


# parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "used"),
    [
        ("+90s", NOW + timedelta(seconds=90), 1),
        ("+20s", NOW + timedelta(seconds=20), 1),
        ("+20m", NOW + timedelta(minutes=20), 1),
        ("+2h", NOW + timedelta(hours=2), 1),
        ("+1d", NOW + timedelta(days=1), 1),
        ("+1d2h", NOW + timedelta(days=1, hours=2), 1),
        ("+1h30m", NOW + timedelta(hours=1, minutes=30), 1),
        ("+1.5h", NOW + timedelta(hours=1, minutes=30), 1),
        ("+2H", NOW + timedelta(hours=2), 1),
        ("+ 2h", NOW + timedelta(hours=2), 2),
        ("+1w", NOW + timedelta(weeks=1), 1),
        ("in 2h", NOW + timedelta(hours=2), 2),
        ("in 20s", NOW + timedelta(seconds=20), 2),
        ("In 90 min", NOW + timedelta(minutes=90), 3),
        ("in 90min", NOW + timedelta(minutes=90), 2),
        ("in 2 hours 30 minutes", NOW + timedelta(hours=2, minutes=30), 5),
        ("in 1h 30m", NOW + timedelta(hours=1, minutes=30), 3),
        ("in 3 days", NOW + timedelta(days=3), 3),
        # ISO 8601: without a zone in the event's zone (Moscow, UTC+3), else as written
        ("2026-05-01T15:00", datetime(2026, 5, 1, 12, 0, tzinfo=UTC), 1),
        ("2026-05-01T15:00:30", datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC), 1),
        ("2026-05-01T15:00:00Z", datetime(2026, 5, 1, 15, 0, tzinfo=UTC), 1),
        ("2026-05-01t15:00z", datetime(2026, 5, 1, 15, 0, tzinfo=UTC), 1),
        ("2026-05-01T15:00:00.250Z", datetime(2026, 5, 1, 15, 0, tzinfo=UTC), 1),
        ("2026-05-01T15:00+03:00", datetime(2026, 5, 1, 12, 0, tzinfo=UTC), 1),
        ("2026-05-01T15:00-0430", datetime(2026, 5, 1, 19, 30, tzinfo=UTC), 1),
        ("2026-05-01T15:00+09", datetime(2026, 5, 1, 6, 0, tzinfo=UTC), 1),
        # date and time apart, optionally with a zone
        ("2026-05-01 15:00", datetime(2026, 5, 1, 12, 0, tzinfo=UTC), 2),
        ("2026-5-1 9:05", datetime(2026, 5, 1, 6, 5, tzinfo=UTC), 2),
        ("2026-05-01 15:00:30", datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC), 2),
        ("2026-05-01 15:00Z", datetime(2026, 5, 1, 15, 0, tzinfo=UTC), 2),
        ("2026-05-01 15:00 UTC", datetime(2026, 5, 1, 15, 0, tzinfo=UTC), 3),
        ("2026-05-01 15:00 utc", datetime(2026, 5, 1, 15, 0, tzinfo=UTC), 3),
        ("2026-05-01 15:00 +09:00", datetime(2026, 5, 1, 6, 0, tzinfo=UTC), 3),
        ("2026-05-01 15:00 UTC+9", datetime(2026, 5, 1, 6, 0, tzinfo=UTC), 3),
        ("2026-05-01 15:00 −02:00", datetime(2026, 5, 1, 17, 0, tzinfo=UTC), 3),
    ],
)
def test_accepted_times(text: str, expected: datetime, used: int) -> None:
    tokens = [*text.split(), "lang=ru", "groups=no"]
    moment, taken = parse_when(tokens, NOW, MOSCOW)
    assert (moment, taken) == (expected, used)
    assert moment.tzinfo is UTC
    assert tokens[taken:] == ["lang=ru", "groups=no"]  # the filters are left for the caller


def test_local_times_follow_the_given_zone() -> None:
    seoul, _ = parse_when(["2026-05-01", "15:00"], NOW, "Asia/Seoul")
    assert seoul == datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    # a zone written in the time wins over the event's
    assert parse_when(["2026-05-01T15:00Z"], NOW, "Asia/Seoul")[0] == datetime(
        2026, 5, 1, 15, 0, tzinfo=UTC
    )
    # summer time: Moscow has none, Berlin is UTC+2 in May and UTC+1 in January
    assert parse_when(["2026-05-01", "15:00"], NOW, "Europe/Berlin")[0].hour == 13
    assert parse_when(["2027-01-15", "15:00"], NOW, "Europe/Berlin")[0].hour == 14


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "unreadable"),
        ("tomorrow", "unreadable"),
        ("soon lang=ru", "unreadable"),
        ("+", "unreadable"),
        ("+2x", "unreadable"),
        ("+2", "unreadable"),
        ("+90", "unreadable"),
        ("+-5m", "unreadable"),
        ("in", "unreadable"),
        ("in 2", "unreadable"),
        ("in two hours", "unreadable"),
        ("+1y", "unreadable"),
        ("2026-05-01", "unreadable"),
        ("2026-05-01 lang=ru", "unreadable"),
        ("2026-05-01 3pm", "unreadable"),
        ("01.05.2026 15:00", "unreadable"),
        ("15:00", "unreadable"),
        ("2026-02-30 10:00", "invalid"),
        ("2026-13-01 10:00", "invalid"),
        ("2026-05-01 24:00", "invalid"),
        ("2026-05-01 10:60", "invalid"),
        ("2026-05-01T10:00+15:00", "invalid"),
        ("2026-05-01T10:00+03:75", "invalid"),
        ("+0m", "past"),
        ("+0.1s", "past"),
        ("2026-04-01 11:59", "past"),  # 08:59 UTC, a minute ago
        ("2026-04-01T09:00Z", "past"),  # exactly now
        ("2020-01-01 10:00", "past"),
        ("+367d", "too_far"),
        ("+53w", "too_far"),
        ("+99999999d", "too_far"),
        ("in 999999999 days", "too_far"),
        ("2030-01-01 00:00", "too_far"),
        ("9999-12-31 23:59", "too_far"),
        ("9999-12-31T23:59-12:00", "too_far"),
    ],
)
def test_refused_times(text: str, problem: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text.split(), NOW, MOSCOW)
    assert caught.value.problem == problem
    if problem == "past":
        assert caught.value.moment is not None and caught.value.moment <= NOW


def test_the_limit_is_inclusive() -> None:
    assert parse_when([f"+{MAX_AHEAD.days}d"], NOW, MOSCOW)[0] == NOW + MAX_AHEAD
    assert parse_when(["+1s"], NOW, MOSCOW)[0] == NOW + timedelta(seconds=1)


# how admins read times -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "plain", "with_event"),
    [
        (
            "en",
            "May 1, 2026, 12:00\u202fPM UTC",
            "May 1, 2026, 12:00\u202fPM UTC · event time: May 1, 2026, 3:00\u202fPM"
            " (Moscow Time, UTC+3)",
        ),
        (
            "ru",
            "1 мая 2026\u202fг., 12:00 UTC",
            "1 мая 2026\u202fг., 12:00 UTC · время мероприятия: 1 мая 2026\u202fг., 15:00"
            " (Москва, UTC+3)",
        ),
        ("ko", "2026. 5. 1. 오후 12:00 UTC", "2026. 5. 1. 오후 12:00 UTC · 행사 현지 시각: "),
    ],
)
def test_admin_times_are_in_utc_and_say_so(language: str, plain: str, with_event: str) -> None:
    t = translator(language)
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert admin_time(moment, t) == plain
    assert admin_time(moment.astimezone(datetime.now().astimezone().tzinfo), t) == plain
    assert admin_time(moment, t, event_zone=MOSCOW).startswith(with_event)
    assert admin_time(moment, t, event_zone="UTC") == plain


def test_poll_closing_times_use_the_same_format() -> None:
    draft = PollDraft("Q?", ("A", "B"), closes_at=datetime(2026, 5, 2, 18, 30, tzinfo=UTC))
    assert "Closes: May 2, 2026, 6:30\u202fPM UTC" in render_draft(draft, translator("en")).text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "+400d", "“+400d” is too far ahead: a broadcast can be scheduled at most 366 days"),
        ("ru", "+400d", "не более чем на 366 дней вперёд"),
        ("ko", "+400d", "최대 366일 후까지"),
        ("en", "2020-01-01T10:00Z", "Jan 1, 2020, 10:00\u202fAM UTC has already passed"),
        ("ru", "2020-01-01T10:00Z", "Время 1 янв. 2020\u202fг., 10:00 UTC уже прошло"),
        ("en", "2026-02-30 10:00", "There is no such date, time or offset: “2026-02-30 10:00”."),
        ("en", "<b>soon</b>", "I could not read the time “&lt;b&gt;soon&lt;/b&gt;”."),
        ("ko", "soon", "in 2h, in 90 min"),
    ],
)
def test_refusals_are_translated_and_escaped(language: str, text: str, expected: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text.split(), NOW, MOSCOW)
    assert expected in when_problem(translator(language), caught.value)


# through the chat ----------------------------------------------------------------------------


async def _broadcasts(bot: BotHarness) -> list[tuple[int, str]]:
    async with bot.deps.db.conn.execute("SELECT id, state FROM broadcasts ORDER BY id") as cur:
        return [(int(r[0]), str(r[1])) for r in await cur.fetchall()]


async def test_schedule_in_seconds_fires_and_every_admin_time_is_utc(
    fake_api: FakeBotApi, make_config: Callable[..., Config]
) -> None:
    api = fake_api
    async with fast_bot(api, make_config) as bot:
        await bot.deps.events.save(round_table("riac"))  # Europe/Moscow
        await add_subscribers(bot.deps.db, [1, 2])
        confirmation = await say(
            api, ADMIN_ID, "/schedule riac in 1s lang=en", contains="Send it?", user_id=ADMIN_ID
        )
        text = confirmation.params["text"]
        assert "Sending time: " in text and " UTC · event time: " in text
        assert "(Moscow Time, UTC+3)" in text and "+0300" not in text
        go = next(d for d in callback_data(confirmation) if d.startswith("bc:go:"))
        await press(api, ADMIN_ID, message_id(confirmation), go, user_id=ADMIN_ID)
        scheduled = await api.wait_for(
            lambda r: r.method == "editMessageText" and "Scheduled: #" in r.params["text"]
        )
        assert " UTC" in scheduled.params["text"] and "+0300" not in scheduled.params["text"]
        await api.wait_for_message(ADMIN_ID, contains="Broadcast finished", timeout=10)
        assert copies(api, [1, 2]) == {1: 1, 2: 1}

        later = (now_utc() + timedelta(days=30)).replace(second=0, microsecond=0)
        iso = f"{later:%Y-%m-%dT%H:%M:%S}Z"
        await say(api, ADMIN_ID, f"/schedule riac {iso}", contains="Send it?", user_id=ADMIN_ID)
        await say(api, ADMIN_ID, "/broadcast hello", contains="Send it?", user_id=ADMIN_ID)
        listing = await say(
            api, ADMIN_ID, "/broadcasts", contains="Recent broadcasts", user_id=ADMIN_ID
        )
        times = [
            line
            for line in listing.params["text"].splitlines()
            if line.startswith(("Sending time:", "Started:"))
        ]
        assert times and all(line.endswith(" UTC") for line in times), times
        assert "+0300" not in listing.params["text"]


@pytest.mark.parametrize(
    ("time", "reply"),
    [
        ("+20x", "I could not read the time “+20x”."),
        ("2026-02-30 10:00", "There is no such date, time or offset"),
        ("+400d", "is too far ahead"),
        ("2020-01-01T10:00Z", "Jan 1, 2020, 10:00\u202fAM UTC has already passed"),
    ],
)
async def test_schedule_refusals_create_nothing(bot: BotHarness, time: str, reply: str) -> None:
    await bot.deps.events.save(round_table("riac"))
    answer = await say(bot.api, ADMIN_ID, f"/schedule riac {time}", contains=reply)
    assert answer.ok
    assert await _broadcasts(bot) == []


async def test_a_schedule_confirmed_after_its_time_is_refused(bot: BotHarness) -> None:
    api = bot.api
    await bot.deps.events.save(round_table("riac"))
    await add_subscribers(bot.deps.db, [1])
    confirmation = await say(api, ADMIN_ID, "/schedule riac +2h", contains="Send it?")
    [(broadcast_id, _)] = await _broadcasts(bot)
    async with bot.deps.db.transaction() as conn:  # the admin came back three hours later
        await conn.execute(
            "UPDATE broadcasts SET scheduled_at = ? WHERE id = ?",
            (to_db(now_utc() - timedelta(hours=1)), broadcast_id),
        )
    go = next(d for d in callback_data(confirmation) if d.startswith("bc:go:"))
    await press(api, ADMIN_ID, message_id(confirmation), go)
    edited = await api.wait_for(
        lambda r: r.method == "editMessageText" and "has passed meanwhile" in r.params["text"]
    )
    assert " UTC" in edited.params["text"]
    assert await _broadcasts(bot) == [(broadcast_id, "cancelled")]
    assert copies(api, [1]) == {1: 0}
