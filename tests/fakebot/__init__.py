"""A fake Telegram Bot API server for behaviour tests and benchmarks (see server.py)."""

from tests.fakebot.records import ApiError, Request, Stats, UploadedFile
from tests.fakebot.server import FakeBotApi
from tests.fakebot.state import PollState, StoredFile

__all__ = ["ApiError", "FakeBotApi", "PollState", "Request", "Stats", "StoredFile", "UploadedFile"]
