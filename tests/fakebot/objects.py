"""Builders of Bot API JSON objects, shaped as Bot API 10.0 / python-telegram-bot 22.8 expect.

Every builder returns a plain ``dict`` with all the fields PTB requires (a missing required
field makes ``Update.de_list`` raise, and PTB then drops the whole ``getUpdates`` batch).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

JSON = dict[str, Any]

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
SUPERGROUP_MIN_ID = -1_000_000_000_000
"""Supergroup and channel ids are ``-100xxxxxxxxxx``: at most this."""


def now() -> int:
    """The current Unix time, as Telegram's ``date`` fields carry it."""
    return int(time.time())


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def chat_type_for(chat_id: int) -> str:
    """The chat type Telegram's id ranges suggest: private, group or supergroup."""
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= SUPERGROUP_MIN_ID else "group"


def user(
    user_id: int,
    first_name: str | None = None,
    *,
    is_bot: bool = False,
    username: str | None = None,
    last_name: str | None = None,
    language_code: str | None = None,
    **extra: Any,
) -> JSON:
    """A ``User``."""
    data: JSON = {
        "id": user_id,
        "is_bot": is_bot,
        "first_name": first_name if first_name is not None else f"User{user_id}",
    }
    if last_name is not None:
        data["last_name"] = last_name
    if username is not None:
        data["username"] = username
    if language_code is not None:
        data["language_code"] = language_code
    data.update(extra)
    return data


def bot_user(bot_id: int, username: str, first_name: str = "Event Bot") -> JSON:
    """The bot as it appears in ``from`` of its messages."""
    return user(bot_id, first_name, is_bot=True, username=username)


def get_me(bot_id: int, username: str, first_name: str = "Event Bot") -> JSON:
    """The answer to ``getMe``."""
    return {
        **bot_user(bot_id, username, first_name),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat(
    chat_id: int,
    chat_type: str | None = None,
    *,
    title: str | None = None,
    username: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    **extra: Any,
) -> JSON:
    """A ``Chat``; private chats get ``first_name``, the others a ``title``."""
    chat_type = chat_type or chat_type_for(chat_id)
    data: JSON = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        data["first_name"] = first_name if first_name is not None else f"User{chat_id}"
        if last_name is not None:
            data["last_name"] = last_name
    else:
        data["title"] = title if title is not None else f"Chat {chat_id}"
    if username is not None:
        data["username"] = username
    data.update(extra)
    return data


def chat_full_info(chat_data: JSON, **extra: Any) -> JSON:
    """A ``ChatFullInfo`` (the answer to ``getChat``) for ``chat_data``."""
    data: JSON = {
        **chat_data,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    }
    if chat_data["type"] != "private":
        data.setdefault(
            "permissions",
            {
                "can_send_messages": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
            },
        )
    data.update(extra)
    return data


def command_entities(text: str | None) -> list[JSON]:
    """A ``bot_command`` entity for a leading ``/command`` or ``/command@botname``."""
    if not text:
        return []
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def message(
    message_id: int,
    chat_data: JSON,
    *,
    from_user: JSON | None,
    date: int | None = None,
    text: str | None = None,
    entities: Sequence[JSON] | None = None,
    caption: str | None = None,
    caption_entities: Sequence[JSON] | None = None,
    reply_markup: JSON | None = None,
    **extra: Any,
) -> JSON:
    """A ``Message``; in channels the sender is ``sender_chat`` instead of ``from``."""
    data: JSON = {"message_id": message_id, "date": date if date is not None else now()}
    if chat_data["type"] == "channel":
        data["sender_chat"] = chat_data
    elif from_user is not None:
        data["from"] = from_user
    data["chat"] = chat_data
    if text is not None:
        data["text"] = text
        if entities:
            data["entities"] = list(entities)
    if caption is not None:
        data["caption"] = caption
        if caption_entities:
            data["caption_entities"] = list(caption_entities)
    if reply_markup:
        data["reply_markup"] = reply_markup
    data.update(extra)
    return data


def document(
    file_id: str,
    file_unique_id: str,
    *,
    file_name: str | None,
    mime_type: str | None,
    file_size: int,
) -> JSON:
    """A ``Document``."""
    data: JSON = {"file_id": file_id, "file_unique_id": file_unique_id, "file_size": file_size}
    if file_name is not None:
        data["file_name"] = file_name
    if mime_type is not None:
        data["mime_type"] = mime_type
    return data


def photo_sizes(
    file_id: str, file_unique_id: str, *, width: int, height: int, file_size: int
) -> list[JSON]:
    """The ``photo`` array: a thumbnail and the full size (both served from the same bytes)."""
    scale = max(width, height) / 90 if max(width, height) > 90 else 1.0
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{file_unique_id}s",
            "width": max(1, round(width / scale)),
            "height": max(1, round(height / scale)),
            "file_size": max(1, file_size // 10),
        },
        {
            "file_id": file_id,
            "file_unique_id": file_unique_id,
            "width": width,
            "height": height,
            "file_size": file_size,
        },
    ]


def file(file_id: str, file_unique_id: str, *, file_size: int, file_path: str) -> JSON:
    """A ``File`` (the answer to ``getFile``)."""
    return {
        "file_id": file_id,
        "file_unique_id": file_unique_id,
        "file_size": file_size,
        "file_path": file_path,
    }


def poll_option(text: str, voter_count: int, persistent_id: str) -> JSON:
    """A ``PollOption``; ``persistent_id`` is required since Bot API 9.6."""
    return {"persistent_id": persistent_id, "text": text, "voter_count": voter_count}


def poll(
    poll_id: str,
    question: str,
    options: Sequence[JSON],
    *,
    total_voter_count: int,
    is_closed: bool = False,
    is_anonymous: bool = True,
    poll_type: str = "regular",
    allows_multiple_answers: bool = False,
    allows_revoting: bool = True,
    members_only: bool = False,
    **extra: Any,
) -> JSON:
    """A ``Poll``; ``allows_revoting`` (API 9.6) and ``members_only`` (API 10.0) are required."""
    data: JSON = {
        "id": poll_id,
        "question": question,
        "options": list(options),
        "total_voter_count": total_voter_count,
        "is_closed": is_closed,
        "is_anonymous": is_anonymous,
        "type": poll_type,
        "allows_multiple_answers": allows_multiple_answers,
        "allows_revoting": allows_revoting,
        "members_only": members_only,
    }
    data.update(extra)
    return data


def poll_answer(
    poll_id: str,
    option_ids: Sequence[int],
    option_persistent_ids: Sequence[str],
    *,
    voter: JSON | None = None,
    voter_chat: JSON | None = None,
) -> JSON:
    """A ``PollAnswer``; ``option_persistent_ids`` is required since Bot API 9.6."""
    data: JSON = {
        "poll_id": poll_id,
        "option_ids": list(option_ids),
        "option_persistent_ids": list(option_persistent_ids),
    }
    if voter is not None:
        data["user"] = voter
    if voter_chat is not None:
        data["voter_chat"] = voter_chat
    return data


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
)
CHAT_MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


def chat_member(user_data: JSON, status: str, **overrides: Any) -> JSON:
    """A ``ChatMember`` with every field its ``status`` requires (rights default to True)."""
    data: JSON = {"status": status, "user": user_data}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update({"can_be_edited": False, "is_anonymous": False})
        data.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        data.update({"can_post_messages": True, "can_edit_messages": True})
        data["can_pin_messages"] = True
    elif status == "restricted":
        data.update({"is_member": True, "until_date": 0})
        data.update(dict.fromkeys(_RESTRICTED_RIGHTS, False))
    elif status == "kicked":
        data["until_date"] = 0
    elif status not in CHAT_MEMBER_STATUSES:
        raise ValueError(f"unknown chat member status {status!r}")
    data.update(overrides)
    return data


def chat_member_updated(
    chat_data: JSON,
    from_user: JSON,
    old_member: JSON,
    new_member: JSON,
    *,
    date: int | None = None,
    **extra: Any,
) -> JSON:
    """A ``ChatMemberUpdated`` (``my_chat_member`` / ``chat_member`` updates)."""
    data: JSON = {
        "chat": chat_data,
        "from": from_user,
        "date": date if date is not None else now(),
        "old_chat_member": old_member,
        "new_chat_member": new_member,
    }
    data.update(extra)
    return data


def callback_query(
    query_id: str,
    from_user: JSON,
    message_data: JSON | None,
    data: str | None,
    *,
    chat_instance: str,
    **extra: Any,
) -> JSON:
    """A ``CallbackQuery``."""
    result: JSON = {"id": query_id, "from": from_user, "chat_instance": chat_instance}
    if message_data is not None:
        result["message"] = message_data
    if data is not None:
        result["data"] = data
    result.update(extra)
    return result


def inline_query(
    query_id: str,
    from_user: JSON,
    query: str,
    *,
    offset: str = "",
    chat_type: str | None = "sender",
    **extra: Any,
) -> JSON:
    """An ``InlineQuery``."""
    data: JSON = {"id": query_id, "from": from_user, "query": query, "offset": offset}
    if chat_type is not None:
        data["chat_type"] = chat_type
    data.update(extra)
    return data


def webhook_info(url: str, pending_update_count: int, **extra: Any) -> JSON:
    """A ``WebhookInfo``."""
    data: JSON = {
        "url": url,
        "has_custom_certificate": False,
        "pending_update_count": pending_update_count,
    }
    data.update({k: v for k, v in extra.items() if v is not None})
    return data
