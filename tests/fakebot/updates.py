"""The update queue: injection helpers for tests and the ``getUpdates`` method."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

from tests.fakebot import objects
from tests.fakebot.records import JSON, ApiError
from tests.fakebot.state import BotState

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
"""Update types Telegram does not deliver unless ``allowed_updates`` asks for them."""

_MEMBER_STATUSES = ("creator", "administrator", "member", "restricted")


def update_type(update: JSON) -> str:
    """The kind of an update: its one key besides ``update_id``."""
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue(BotState):
    """Pending updates (served by ``getUpdates``) and the ``inject_*`` helpers."""

    _query_ids = itertools.count(4_382_000_000_000_000_001)
    _poll_generation = 0
    waiting_polls = 0
    """Long-polling ``getUpdates`` requests waiting now."""

    # the queue ----------------------------------------------------------------------------

    def inject_update(self, update: JSON) -> JSON:
        """Queue a raw update (``update_id`` is added if missing); returns it.

        Callback and inline query ids in it become answerable.
        """
        update.setdefault("update_id", next(self._update_ids))
        if "callback_query" in update:
            self.open_callback_queries.add(str(update["callback_query"]["id"]))
        if "inline_query" in update:
            self.open_inline_queries.add(str(update["inline_query"]["id"]))
        self._updates.append(update)
        self._wake_pollers()
        return update

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by a later ``getUpdates`` offset."""
        return list(self._updates)

    def _wake_pollers(self) -> None:
        event = self._updates_arrived
        self._updates_arrived = asyncio.Event()
        event.set()

    def _allowed(self, update: JSON) -> bool:
        kind = update_type(update)
        if self._allowed_updates is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self._allowed_updates

    def _take(self, limit: int) -> list[JSON]:
        if not all(self._allowed(u) for u in self._updates):
            # Telegram never delivers updates of types the bot did not ask for.
            self._updates = type(self._updates)(u for u in self._updates if self._allowed(u))
        return list(itertools.islice(self._updates, limit))

    def _confirm(self, offset: Any) -> None:
        if isinstance(offset, bool) or not isinstance(offset, int) or offset == 0:
            return
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        else:
            while len(self._updates) > -offset:
                self._updates.popleft()

    async def get_updates(self, params: JSON) -> list[JSON]:
        """``getUpdates``: confirm below ``offset``, answer up to ``limit`` updates, long-poll
        up to ``timeout`` seconds. A newer ``getUpdates`` makes a waiting one answer ``[]``."""
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(params.get("offset"))
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) and limit > 0 else 100
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 0.0
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            event = self._updates_arrived
            self.waiting_polls += 1
            self._notify()
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return []
            finally:
                self.waiting_polls -= 1
            if generation != self._poll_generation:
                return []

    # helpers ------------------------------------------------------------------------------

    def _chat_for(self, chat_id: int, chat_type: str | None, **names: str | None) -> JSON:
        """The chat of an injected update: the registered one, updated with ``chat_type`` and
        (for private chats) the user's names if they differ; registered if new."""
        known = self.chats.get(chat_id)
        chat_type = chat_type or (known["type"] if known else objects.chat_type_for(chat_id))
        given = {k: v for k, v in names.items() if v is not None} if chat_type == "private" else {}
        if (
            known is not None
            and known["type"] == chat_type
            and all(known.get(k) == v for k, v in given.items())
        ):
            return known
        old = known or {}
        if chat_type == "private":
            merged = {k: old.get(k) for k in ("first_name", "last_name", "username")}
            merged.update(given)
            return self.add_chat(chat_id, chat_type, **merged)
        return self.add_chat(
            chat_id, chat_type, title=old.get("title"), username=old.get("username")
        )

    def _sender(self, chat: JSON, user_id: int | None, **fields: Any) -> JSON:
        if user_id is None:
            if chat["type"] != "private":
                raise ValueError(f"user_id is required in a {chat['type']} chat")
            user_id = int(chat["id"])
        if chat["type"] == "private" and user_id == chat["id"]:
            fields.setdefault("first_name", chat.get("first_name"))
            fields.setdefault("username", chat.get("username"))
            fields.setdefault("last_name", chat.get("last_name"))
        return objects.user(user_id, **{k: v for k, v in fields.items() if v is not None})

    # messages -----------------------------------------------------------------------------

    def inject_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        language_code: str | None = "en",
        chat_type: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        document: JSON | None = None,
        photo: list[JSON] | None = None,
        caption: str | None = None,
        reply_to_message: JSON | int | None = None,
        entities: list[JSON] | None = None,
        message_id: int | None = None,
        update_type: str | None = None,
        **extra: Any,
    ) -> JSON:
        """Queue a user's message (``update_type`` "message", or "edited_message"; channels
        get "channel_post") and return the update.

        ``user_id`` defaults to ``chat_id`` (a private chat); the chat type defaults to the
        registered one or follows the id (positive: private, -100...: supergroup, else group).
        A leading ``/command`` or ``/command@bot`` gets its ``bot_command`` entity (also in a
        caption). ``reply_to_message`` is a message dict or the id of a stored message.
        ``extra`` adds or overrides Message fields.
        """
        names = {"first_name": first_name, "last_name": last_name, "username": username}
        chat = self._chat_for(chat_id, chat_type, **(names if user_id in (None, chat_id) else {}))
        is_channel = chat["type"] == "channel"
        sender = None
        if not is_channel:
            sender = self._sender(chat, user_id, language_code=language_code, **names)
        content: JSON = {}
        if document is not None:
            content["document"] = document
        if photo is not None:
            content["photo"] = photo
        if isinstance(reply_to_message, int):
            replied = self.message(chat_id, reply_to_message) or objects.message(
                reply_to_message, chat, from_user=self.bot_user, text="..."
            )
            reply_to_message = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if reply_to_message is not None:
            content["reply_to_message"] = reply_to_message
        data = objects.message(
            self.new_message_id(chat_id, message_id),
            chat,
            from_user=sender,
            text=text,
            entities=objects.command_entities(text) if entities is None else entities,
            caption=caption,
            caption_entities=objects.command_entities(caption),
            **content,
            **extra,
        )
        if update_type == "edited_message" or update_type == "edited_channel_post":
            data.setdefault("edit_date", data["date"])
        self.store(data)
        kind = update_type or ("channel_post" if is_channel else "message")
        return self.inject_update({kind: data})

    def inject_document(
        self,
        chat_id: int,
        file_name: str,
        content: bytes,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        **kwargs: Any,
    ) -> JSON:
        """Queue a message with a document whose bytes ``getFile``/download serve.

        ``kwargs`` are passed to ``inject_message``.
        """
        stored = self.register_file(content, file_name, mime_type)
        document = objects.document(
            stored.file_id,
            stored.file_unique_id,
            file_name=file_name,
            mime_type=stored.mime_type,
            file_size=len(content),
        )
        return self.inject_message(chat_id, None, document=document, caption=caption, **kwargs)

    def inject_photo(
        self,
        chat_id: int,
        content: bytes,
        caption: str | None = None,
        *,
        width: int = 800,
        height: int = 600,
        **kwargs: Any,
    ) -> JSON:
        """Queue a message with a photo (two sizes, both downloadable as ``content``)."""
        stored = self.register_file(content, "photo.jpg", "image/jpeg", kind="photos")
        photo = objects.photo_sizes(
            stored.file_id,
            stored.file_unique_id,
            width=width,
            height=height,
            file_size=len(content),
        )
        return self.inject_message(chat_id, None, photo=photo, caption=caption, **kwargs)

    # queries ------------------------------------------------------------------------------

    def inject_callback_query(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int,
        user_id: int | None = None,
        language_code: str | None = "en",
        message_text: str = "...",
        first_name: str | None = None,
        username: str | None = None,
        query_id: str | None = None,
        **extra: Any,
    ) -> JSON:
        """Queue a button press on the bot's message ``message_id`` in ``chat_id``.

        The callback's ``message`` is the stored message if the server has it (e.g. sent by
        the bot), else a message from the bot with ``message_text`` (then stored, so the bot
        can edit it). ``user_id`` defaults to ``chat_id``. The query must be answered once.
        """
        chat = self._chat_for(chat_id, None)
        sender = self._sender(
            chat, user_id, language_code=language_code, first_name=first_name, username=username
        )
        message = self.message(chat_id, message_id)
        if message is None:
            message = self.store(
                objects.message(
                    self.new_message_id(chat_id, message_id),
                    chat,
                    from_user=self.bot_user,
                    text=message_text,
                )
            )
        query = objects.callback_query(
            query_id or str(next(self._query_ids)),
            sender,
            dict(message),
            data,
            chat_instance=str(abs(chat_id) * 7919 % 10**18 + 10**17),
            **extra,
        )
        return self.inject_update({"callback_query": query})

    def inject_inline_query(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = "sender",
        language_code: str | None = "en",
        first_name: str | None = None,
        username: str | None = None,
        **extra: Any,
    ) -> JSON:
        """Queue an inline query from ``user_id`` (answerable once with answerInlineQuery)."""
        sender = objects.user(
            user_id,
            first_name,
            username=username,
            language_code=language_code,
        )
        data = objects.inline_query(
            str(next(self._query_ids)), sender, query, offset=offset, chat_type=chat_type, **extra
        )
        return self.inject_update({"inline_query": data})

    # polls --------------------------------------------------------------------------------

    def inject_poll_answer(
        self,
        poll_id: str,
        user_id: int,
        option_ids: Sequence[int],
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        poll_update: bool = False,
    ) -> JSON:
        """Queue ``user_id``'s vote (empty ``option_ids`` = retracted) and return the update.

        For a poll the bot sent, the server's held counts change as Telegram's would (the
        user's previous choice is replaced) and impossible votes raise ``ValueError`` (closed
        poll, anonymous poll — Telegram sends no answers for those —, several options without
        ``allows_multiple_answers``, a changed vote without ``allows_revoting``).
        ``poll_update=True`` also queues the ``poll`` update Telegram sends with new counts.
        """
        state = self.polls.get(poll_id)
        options = list(option_ids)
        if state is not None:
            if state.is_anonymous:
                raise ValueError(
                    f"poll {poll_id} is anonymous: Telegram sends no poll_answer for it; "
                    "use set_poll_counts() / inject_poll()"
                )
            state.vote(user_id, options)
            persistent = [state.persistent_ids[i] for i in options]
        else:
            persistent = [f"{poll_id}:{i}" for i in options]
        voter = objects.user(user_id, first_name, username=username, language_code=language_code)
        answer = objects.poll_answer(poll_id, options, persistent, voter=voter)
        update = self.inject_update({"poll_answer": answer})
        if poll_update and state is not None:
            self.inject_update({"poll": state.to_json()})
        return update

    def set_poll_counts(
        self, poll_id: str, counts: Sequence[int], *, total_voter_count: int | None = None
    ) -> None:
        """Set the anonymous part of a poll's counts (added to the recorded user votes).

        ``total_voter_count`` defaults to ``sum(counts)``, exact for single-answer polls.
        """
        state = self.poll(poll_id)
        if len(counts) != len(state.options) or any(c < 0 for c in counts):
            raise ValueError(f"poll {poll_id} has {len(state.options)} options, got {counts}")
        state.base_counts = list(counts)
        state.base_voters = sum(counts) if total_voter_count is None else total_voter_count

    def inject_poll(
        self,
        poll_id: str,
        counts: Sequence[int] | None = None,
        *,
        total_voter_count: int | None = None,
        is_closed: bool | None = None,
    ) -> JSON:
        """Queue a ``poll`` update with the held state of a poll the bot sent.

        ``counts`` (with ``total_voter_count``) first calls ``set_poll_counts``; ``is_closed``
        changes the held state too.
        """
        state = self.poll(poll_id)
        if counts is not None:
            self.set_poll_counts(poll_id, counts, total_voter_count=total_voter_count)
        if is_closed is not None:
            state.is_closed = is_closed
        return self.inject_update({"poll": state.to_json()})

    def inject_poll_update(self, poll: JSON) -> JSON:
        """Queue a ``poll`` update with a raw Poll dict (see ``objects.poll``)."""
        return self.inject_update({"poll": poll})

    # membership ---------------------------------------------------------------------------

    def inject_my_chat_member(
        self,
        chat_id: int,
        chat_type: str | None = None,
        old_status: str = "member",
        new_status: str = "kicked",
        from_user_id: int | None = None,
        *,
        title: str | None = None,
        apply: bool = True,
        language_code: str | None = "en",
        **extra: Any,
    ) -> JSON:
        """Queue a ``my_chat_member`` update: the bot's status in ``chat_id`` changed.

        ``from_user_id`` (who did it) defaults to ``chat_id`` for private chats. With
        ``apply`` the server follows: "kicked"/"left" make sends to the chat answer 403 (a
        private "kicked" is a user blocking the bot), "member"/"administrator" undo that,
        and ``getChatMember`` answers the new status for the bot.
        """
        chat = self._chat_for(chat_id, chat_type)
        if title is not None and chat["type"] != "private":
            chat = self.add_chat(chat_id, chat["type"], title=title, username=chat.get("username"))
        sender = self._sender(chat, from_user_id, language_code=language_code)
        bot = dict(self.bot_user)
        data = objects.chat_member_updated(
            chat,
            sender,
            objects.chat_member(bot, old_status),
            objects.chat_member(bot, new_status),
            **extra,
        )
        if apply:
            self.set_chat_member(chat_id, self.bot_id, new_status)
            if new_status in ("kicked", "left"):
                description = None
                if new_status == "left" and chat["type"] != "private":
                    description = f"Forbidden: bot is not a member of the {chat['type']} chat"
                self.faults.blocked[chat_id] = description
            elif new_status in _MEMBER_STATUSES:
                self.faults.blocked.pop(chat_id, None)
        return self.inject_update({"my_chat_member": data})

    def inject_chat_member(
        self,
        chat_id: int,
        user_id: int,
        old_status: str,
        new_status: str,
        from_user_id: int | None = None,
        **extra: Any,
    ) -> JSON:
        """Queue a ``chat_member`` update (delivered only if the bot asked for it in
        ``allowed_updates``, as on Telegram) and record the new status."""
        chat = self._chat_for(chat_id, None)
        member_user = self.user_data(user_id)
        sender = self.user_data(from_user_id if from_user_id is not None else user_id)
        data = objects.chat_member_updated(
            chat,
            sender,
            objects.chat_member(member_user, old_status),
            objects.chat_member(member_user, new_status),
            **extra,
        )
        self.set_chat_member(chat_id, user_id, new_status)
        return self.inject_update({"chat_member": data})

    def inject_chat_migration(
        self, old_chat_id: int, new_chat_id: int, *, from_user_id: int = 1
    ) -> JSON:
        """Queue the two service messages of a group upgraded to a supergroup.

        The old group gets a message with ``migrate_to_chat_id`` (returned), the supergroup one
        with ``migrate_from_chat_id``; sends to the old id then answer 400 with
        ``migrate_to_chat_id`` (PTB raises ``ChatMigrated``).
        """
        old_chat = self._chat_for(old_chat_id, "group")
        new_chat = self.add_chat(new_chat_id, "supergroup", title=old_chat.get("title"))
        sender = objects.user(from_user_id)
        first = objects.message(
            self.new_message_id(old_chat_id),
            old_chat,
            from_user=sender,
            migrate_to_chat_id=new_chat_id,
        )
        second = objects.message(
            self.new_message_id(new_chat_id),
            new_chat,
            from_user=sender,
            migrate_from_chat_id=old_chat_id,
        )
        self.faults.migrated[old_chat_id] = new_chat_id
        update = self.inject_update({"message": first})
        self.inject_update({"message": second})
        return update
