"""A virtual monotonic clock for pure timing code (pacers, limiters, guards)."""

from __future__ import annotations


class Clock:
    """Callable like ``time.monotonic``; tests move ``now`` by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
