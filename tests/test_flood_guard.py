"""The per-chat flood guard's bookkeeping (virtual clock)."""

from __future__ import annotations

from bot.services.flood import FloodGuard
from tests.clock import Clock


def test_three_a_second_then_twenty_a_minute() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock)
    assert [guard.admit(1) for _ in range(5)] == [True, True, True, False, False]
    assert guard.admit(2)  # another chat is not affected
    admitted = 3
    for _ in range(30):  # one message every 1.1 s: the minute fills up at 20
        clock.now += 1.1
        admitted += guard.admit(1)
    assert admitted == 20
    assert not guard.ready(1)
    clock.now += 60.0
    assert guard.ready(1) and guard.admit(1)
    assert guard.refused == 2 + 30 - 17


def test_refused_updates_do_not_count_and_the_notice_comes_once_a_minute() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock)
    for _ in range(100):
        guard.admit(7)
    clock.now += 1.0
    assert guard.admit(7)  # the refused 97 did not fill the window
    assert guard.notice_due(7)
    assert not guard.notice_due(7)
    clock.now += 59.0
    assert not guard.notice_due(7)
    clock.now += 1.0
    assert guard.notice_due(7)


def test_quiet_chats_are_forgotten() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock)
    for chat in range(10_000):
        guard.admit(chat)
    clock.now += 120.0
    guard.admit(-1)
    assert len(guard) == 1
