"""What the fake Telegram holds: chats, members, messages, polls, files and pending updates."""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot import objects
from tests.fakebot.faults import Faults
from tests.fakebot.records import JSON, ApiError, bad_request

MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass
class StoredFile:
    """A file the server can serve through ``getFile`` and the file URL."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str


@dataclass
class PollState:
    """A poll as Telegram holds it: options, per-user votes and anonymous counts.

    ``counts`` = ``base_counts`` (set with ``FakeBotApi.set_poll_counts``, for anonymous polls)
    plus one per user vote recorded by ``inject_poll_answer``.
    """

    id: str
    question: str
    options: list[str]
    persistent_ids: list[str]
    type: str = "regular"
    is_anonymous: bool = True
    allows_multiple_answers: bool = False
    allows_revoting: bool = True
    members_only: bool = False
    correct_option_ids: list[int] = field(default_factory=list)
    chat_id: int | None = None
    message_id: int | None = None
    is_closed: bool = False
    votes: dict[int, tuple[int, ...]] = field(default_factory=dict)
    base_counts: list[int] = field(default_factory=list)
    base_voters: int = 0
    extra: JSON = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.base_counts:
            self.base_counts = [0] * len(self.options)

    @property
    def counts(self) -> list[int]:
        """Voter count per option."""
        counts = list(self.base_counts)
        for choice in self.votes.values():
            for option in choice:
                counts[option] += 1
        return counts

    @property
    def total_voter_count(self) -> int:
        """Users who voted (a multiple-answer vote counts once)."""
        return self.base_voters + sum(1 for choice in self.votes.values() if choice)

    def vote(self, user_id: int, option_ids: list[int]) -> None:
        """Record ``user_id``'s choice as Telegram would, refusing impossible votes."""
        if self.is_closed:
            raise ValueError(f"poll {self.id} is closed: nobody can vote any more")
        if any(not 0 <= o < len(self.options) for o in option_ids) or len(set(option_ids)) != len(
            option_ids
        ):
            raise ValueError(f"invalid option ids {option_ids} for poll {self.id}")
        if len(option_ids) > 1 and not self.allows_multiple_answers:
            raise ValueError(f"poll {self.id} does not allow multiple answers")
        if self.votes.get(user_id) and not self.allows_revoting:
            raise ValueError(f"poll {self.id} does not allow changing a vote (allows_revoting)")
        if option_ids:
            self.votes[user_id] = tuple(sorted(option_ids))
        else:
            self.votes.pop(user_id, None)

    def to_json(self) -> JSON:
        """The ``Poll`` object with the counts held now."""
        counts = self.counts
        options = [
            objects.poll_option(text, counts[i], self.persistent_ids[i])
            for i, text in enumerate(self.options)
        ]
        extra = dict(self.extra)
        if self.type == "quiz" and self.correct_option_ids:
            extra["correct_option_ids"] = list(self.correct_option_ids)
        return objects.poll(
            self.id,
            self.question,
            options,
            total_voter_count=self.total_voter_count,
            is_closed=self.is_closed,
            is_anonymous=self.is_anonymous,
            poll_type=self.type,
            allows_multiple_answers=self.allows_multiple_answers,
            allows_revoting=self.allows_revoting,
            members_only=self.members_only,
            **extra,
        )


class BotState:
    """The data behind the fake Bot API (shared by the method and update mix-ins)."""

    def __init__(
        self,
        token: str,
        bot_id: int | None,
        bot_username: str,
        *,
        store_messages: bool,
    ) -> None:
        self.token = token
        self.bot_id: int = bot_id if bot_id is not None else int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_user: JSON = objects.bot_user(self.bot_id, bot_username)
        self.store_messages = store_messages
        self.strict_html = True
        self.faults = Faults()
        self._closing = False
        self.chats: dict[int, JSON] = {}
        self.full_info: dict[int, JSON] = {}
        self._usernames: dict[str, int] = {}
        self.members: dict[tuple[int, int], JSON] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.reactions: dict[tuple[int, int], list[JSON]] = {}
        self._next_message_id: dict[int, int] = {}
        self.polls: dict[str, PollState] = {}
        self._poll_by_message: dict[tuple[int, int], str] = {}
        self._poll_ids = itertools.count(5000000000000000001)
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.webhook_url = ""
        self.open_callback_queries: set[str] = set()
        self.open_inline_queries: set[str] = set()
        self.callback_answers: dict[str, JSON] = {}
        self.inline_answers: dict[str, JSON] = {}
        # updates
        self._updates: deque[JSON] = deque()
        self._update_ids = itertools.count(100000001)
        self._updates_arrived = asyncio.Event()
        self._allowed_updates: frozenset[str] | None = None
        self.served_updates = 0

    def _notify(self) -> None:
        """Hook: something changed that ``wait_until`` conditions may look at."""

    # chats -----------------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        **full_info: Any,
    ) -> JSON:
        """Register (or replace) a chat, answered by ``getChat`` and used in messages.

        ``username`` lets methods address the chat as ``"@username"``; ``full_info`` adds
        ``ChatFullInfo`` fields (``description``, ``invite_link``...) to ``getChat``.
        """
        data = objects.chat(
            chat_id,
            chat_type,
            title=title,
            username=username,
            first_name=first_name,
            last_name=last_name,
        )
        if full_info or chat_id not in self.full_info:
            self.full_info[chat_id] = full_info
        self.chats[chat_id] = data
        if username:
            self._usernames[username.lower()] = chat_id
        return self.chat_data(chat_id)

    def chat_data(self, chat_id: int) -> JSON:
        """The ``Chat`` object for ``chat_id`` (made from the id's range if unknown, and kept
        only if messages are stored, to keep long benchmarks small)."""
        data = self.chats.get(chat_id)
        if data is None:
            data = objects.chat(chat_id)
            if self.store_messages:
                self.chats[chat_id] = data
        return data

    def resolve_chat(self, value: Any) -> int:
        """A ``chat_id`` parameter (int or ``"@username"``) -> the chat's numeric id."""
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            if value.startswith("@") and value[1:].lower() in self._usernames:
                return self._usernames[value[1:].lower()]
            try:
                return int(value)
            except ValueError:
                pass
        raise bad_request("chat not found")

    def chat_key(self, value: Any) -> int | str | None:
        """Like ``resolve_chat`` but never raising (unknown usernames stay strings)."""
        try:
            return self.resolve_chat(value) if value is not None else None
        except ApiError:
            return str(value)

    def user_data(self, user_id: int, **fields: Any) -> JSON:
        """The ``User`` for ``user_id`` (the bot for the bot's id; private chat names reused)."""
        if user_id == self.bot_id:
            return dict(self.bot_user)
        known = self.chats.get(user_id)
        if known is not None and known["type"] == "private":
            fields.setdefault("first_name", known.get("first_name"))
            fields.setdefault("username", known.get("username"))
        return objects.user(user_id, **{k: v for k, v in fields.items() if v is not None})

    # messages ---------------------------------------------------------------------------

    def new_message_id(self, chat_id: int, wanted: int | None = None) -> int:
        """The next message id in ``chat_id`` (ids are per chat, shared by all senders)."""
        if wanted is not None:
            self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), wanted + 1)
            return wanted
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def store(self, message_data: JSON) -> JSON:
        """Keep (a copy of) a new message, if messages are stored; returns it."""
        if self.store_messages:
            key = (message_data["chat"]["id"], message_data["message_id"])
            self.messages[key] = dict(message_data)
        return message_data

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current state of a message (after edits), or None if unknown or deleted."""
        return self.messages.get((chat_id, message_id))

    def chat_messages(self, chat_id: int) -> list[JSON]:
        """The messages currently in ``chat_id`` (not deleted), oldest first."""
        found = [m for (c, _), m in self.messages.items() if c == chat_id]
        return sorted(found, key=lambda m: int(m["message_id"]))

    # files ------------------------------------------------------------------------------

    def register_file(
        self,
        content: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        *,
        kind: str = "documents",
    ) -> StoredFile:
        """Store bytes so ``getFile`` and the file URL serve them; returns the ids."""
        number = next(self._file_ids)
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"BQACAgIAAx{number:010d}{self.bot_id}",
            file_unique_id=f"AgAD{number:06d}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}/file_{number}{suffix}",
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        return self._files_by_path.get(path)

    def lookup_file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id) or self.files.get(file_id.removesuffix("-s"))
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    # polls ------------------------------------------------------------------------------

    def new_poll_id(self) -> str:
        return str(next(self._poll_ids))

    def poll(self, poll_id: str) -> PollState:
        """The held state of a poll the bot sent (``KeyError`` names the known polls)."""
        try:
            return self.polls[poll_id]
        except KeyError:
            raise KeyError(f"unknown poll {poll_id!r}; known: {sorted(self.polls)}") from None

    # members ----------------------------------------------------------------------------

    def set_chat_member(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        is_bot: bool = False,
        **fields: Any,
    ) -> JSON:
        """Set ``user_id``'s membership in ``chat_id`` for ``getChatMember`` and
        ``getChatAdministrators``. ``status``: creator, administrator, member, restricted, left
        or kicked; ``fields`` override the ``ChatMember`` fields (rights, custom_title...)."""
        user_fields: JSON = {"first_name": first_name, "username": username}
        if is_bot:
            user_fields["is_bot"] = True
        member = objects.chat_member(self.user_data(user_id, **user_fields), status, **fields)
        self.members[chat_id, user_id] = member
        return member

    def chat_member(self, chat_id: int, user_id: int) -> JSON:
        """The ``ChatMember`` answered by ``getChatMember`` (default: member in private chats
        with that user, else left)."""
        member = self.members.get((chat_id, user_id))
        if member is not None:
            return member
        private = chat_id > 0 and user_id in (chat_id, self.bot_id)
        return objects.chat_member(self.user_data(user_id), "member" if private else "left")
