"""Which language to speak to a chat: stored preference, then Telegram's, then the default."""

from __future__ import annotations

from collections import OrderedDict

from storage.subscribers import SubscriberRepository

_MISSING = ""


class LanguagePreferences:
    """Stored language per chat, with a bounded in-memory cache.

    The choice is made once per update (a ``TypeHandler`` in group -1), so the cache keeps
    that from costing a database round trip each time.
    """

    def __init__(self, subscribers: SubscriberRepository, capacity: int = 20_000) -> None:
        self._subscribers = subscribers
        self._capacity = capacity
        self._cache: OrderedDict[int, str] = OrderedDict()

    async def stored(self, chat_id: int) -> str | None:
        if chat_id in self._cache:
            self._cache.move_to_end(chat_id)
            value = self._cache[chat_id]
        else:
            value = await self._subscribers.language(chat_id) or _MISSING
            self._put(chat_id, value)
        return value or None

    def remember(self, chat_id: int, language: str) -> None:
        self._put(chat_id, language)

    def forget(self, chat_id: int) -> None:
        self._cache.pop(chat_id, None)

    def _put(self, chat_id: int, value: str) -> None:
        self._cache[chat_id] = value
        self._cache.move_to_end(chat_id)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
