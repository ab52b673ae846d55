"""A fake Telegram Bot API server for behaviour tests and benchmarks.

Modules: ``server`` (``FakeBotApi``: HTTP, lifecycle), ``methods`` (the Bot API methods),
``updates`` (update queue, ``getUpdates``, ``inject_*``), ``recording`` (``requests``, ``stats``,
``wait_*``), ``controls`` + ``faults`` (blocking, migration, scripted/random failures, delays,
rate limiter), ``state`` (chats, members, messages, polls, files), ``objects`` (Bot API 10.0
JSON builders), ``validation`` (HTML parse mode, lengths, keyboards), ``records``, ``names``.
"""

from tests.fakebot.records import ApiError, Request, Stats, UploadedFile, most_in_window
from tests.fakebot.server import FakeBotApi
from tests.fakebot.state import PollState, StoredFile

__all__ = [
    "ApiError",
    "FakeBotApi",
    "PollState",
    "Request",
    "Stats",
    "StoredFile",
    "UploadedFile",
    "most_in_window",
]
