"""The pacer and the per-chat limiter: spacing, the sliding-window cap, pauses, the rate's
decrease and recovery (virtual clock), and priorities (real event loop)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.broadcast.budget import chat_type_of, counted
from bot.broadcast.pacing import GUARD, ChatLimiter, Pacer, Priority
from tests.clock import Clock
from tests.fakebot import most_in_window

W = 1.0 + GUARD
"""The window the pacer enforces (and the per-chat interval), in seconds."""



def drive(pacer: Pacer, clock: Clock, sends: int, jitter: float = 0.0) -> list[float]:
    """Take ``sends`` turns as fast as the pacer allows; the times they were given."""
    times = []
    for _ in range(sends):
        clock.now = max(clock.now, pacer.free_at())
        pacer.take(clock.now)
        times.append(clock.now)
    return times


def test_turns_are_evenly_spaced_a_little_below_the_rate() -> None:
    clock = Clock()
    pacer = Pacer(100, clock=clock)
    times = drive(pacer, clock, 500)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(times)]
    assert gaps.count(round(W / 100, 6)) >= 480  # the rest: the window cap after the start
    assert most_in_window(times, W) <= 100  # no sliding second holds more than the rate
    assert len(times) / (times[-1] - times[0]) >= 100 / W - 0.5


def test_no_catch_up_burst_after_idling_or_stalling() -> None:
    clock = Clock()
    pacer = Pacer(1000, clock=clock)
    drive(pacer, clock, 100)
    clock.now += 10.0  # idle: nothing is owed
    times = drive(pacer, clock, 2000)
    # at most two timer quanta's worth (20 sends) at once, on top of the even spacing
    assert most_in_window(times, 0.01) <= 31
    assert most_in_window(times, 1.0) <= 1000
    clock.now += 0.5  # a stall in the middle of sending
    times += drive(pacer, clock, 1000)
    assert most_in_window(times, W) <= 1000


def test_the_window_caps_what_bunches_up() -> None:
    """However the turns are asked for, no window of 1 s + GUARD holds more than the rate."""
    clock = Clock()
    pacer = Pacer(50, clock=clock, quantum=0.5)  # a huge quantum: bursts of 25 allowed
    times = []
    for step in range(400):
        clock.now = 1000.0 + step * 0.05
        while pacer.free_at() <= clock.now:
            pacer.take(clock.now)
            times.append(clock.now)
    assert most_in_window(times, W) <= 50


def test_pause_holds_everyone_and_a_shorter_one_does_not_shorten_it() -> None:
    clock = Clock()
    pacer = Pacer(1000, clock=clock)
    sent_at = drive(pacer, clock, 1)[0]
    pacer.pause(3, sent_at)
    assert pacer.free_at() >= clock.now + 3
    assert pacer.pauses == 1
    pacer.pause(1, sent_at)
    assert pacer.paused_until == clock.now + 3


def test_a_429_lowers_the_rate_to_just_below_what_the_server_took() -> None:
    clock = Clock()
    pacer = Pacer(200, clock=clock)  # configured at twice the real limit of 100/s
    times = drive(pacer, clock, 101)
    # the server took 100 in the second before this send, then refused it; ten more were
    # sent before the answer came back
    refused = times[-1]
    in_flight = drive(pacer, clock, 10)
    pacer.pause(1.0, refused)
    assert 94.0 <= pacer.rate <= 96.0
    assert pacer.cuts == 1
    # the requests that were already on their way are refused too: no second cut
    pacer.pause(1.0, in_flight[-1])
    assert pacer.cuts == 1
    # it creeps back up, slowly: still below the refused level 20 s later
    clock.now += 21.0
    assert 96.0 < pacer.rate < 100.0
    clock.now += 60.0
    assert pacer.rate > 100.0  # then past it; it never exceeds 200 / W
    clock.now += 600.0
    assert pacer.rate == 200 / W


def test_a_429_far_below_the_rate_cuts_less_and_recovers_fast() -> None:
    """A refusal that is not about the global rate (three sends in a second at 25/s) must not
    drag the rate down to three a second."""
    clock = Clock()
    pacer = Pacer(25, clock=clock)
    sent = drive(pacer, clock, 3)
    pacer.pause(1.0, sent[-1])
    assert pacer.rate >= 25 / W * 0.7
    clock.now += 10.0
    assert pacer.rate == 25 / W


async def test_interactive_turns_go_before_waiting_broadcast_turns() -> None:
    pacer = Pacer(40)
    order: list[str] = []

    async def take(name: str, priority: Priority) -> None:
        await pacer.acquire(priority)
        order.append(name)

    broadcast = [
        asyncio.create_task(take(f"b{i}", Priority.BROADCAST)) for i in range(6)
    ]
    await asyncio.sleep(0)  # let the broadcast turns queue up
    reply = asyncio.create_task(take("reply", Priority.INTERACTIVE))
    async with asyncio.timeout(5):
        await asyncio.gather(*broadcast, reply)
    assert order.index("reply") <= 2  # the reply did not wait behind five broadcast sends
    assert sorted(order) == sorted([*(f"b{i}" for i in range(6)), "reply"])


async def test_cancelled_waiters_give_their_turn_away() -> None:
    pacer = Pacer(20)
    await pacer.acquire()
    waiting = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    async with asyncio.timeout(2):
        await pacer.acquire()
    assert pacer.waiting == 0


def test_chat_limiter_one_per_second_and_twenty_per_minute_in_groups() -> None:
    clock = Clock()
    limiter = ChatLimiter(clock=clock)
    assert limiter.reserve(42, "private") == clock.now
    assert limiter.reserve(42, "private") == clock.now + W  # a second, and a margin
    group = [limiter.reserve(-100, "supergroup") for _ in range(21)]
    assert group[19] == pytest.approx(clock.now + 19 * W)
    # the 21st waits for the first to leave the minute (and the margin)
    assert group[20] == pytest.approx(group[0] + 60 * W)
    clock.now += 120
    for chat in range(1, 500):
        limiter.reserve(chat, "private")
    assert len(limiter) <= 500  # old entries were dropped


def test_chat_limiter_allows_a_short_burst_of_replies() -> None:
    clock = Clock()
    limiter = ChatLimiter(clock=clock)
    slots = [limiter.reserve(7, "private", burst=3) for _ in range(5)]
    assert slots[:3] == [clock.now] * 3
    assert slots[3:] == pytest.approx([clock.now + W, clock.now + 2 * W])
    # a broadcast message (no burst) waits until the chat is calm again
    assert limiter.reserve(7, "private") == pytest.approx(clock.now + 5 * W)


def test_what_counts_against_the_budget() -> None:
    for method in ("sendMessage", "sendPhoto", "sendPoll", "copyMessage", "forwardMessages"):
        assert counted(method)
    assert counted("stopPoll")
    for method in ("sendChatAction", "answerCallbackQuery", "editMessageText", "getMe"):
        assert not counted(method)
    assert chat_type_of(5) == "private"
    assert chat_type_of(-1001) == "supergroup"
    assert chat_type_of("@channel") == "channel"
    assert chat_type_of("-1001") == "supergroup"
