"""Bot API method names and the groups of methods the fault machinery applies to."""

from __future__ import annotations

METHODS: tuple[str, ...] = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyName",
    "setMyDescription",
    "setMyShortDescription",
    "setChatMenuButton",
    "getChatMenuButton",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "deleteMessages",
    "copyMessage",
    "forwardMessage",
    "sendDocument",
    "sendPhoto",
    "sendChatAction",
    "answerCallbackQuery",
    "answerInlineQuery",
    "sendPoll",
    "stopPoll",
    "getChat",
    "getChatMember",
    "getChatMemberCount",
    "getChatAdministrators",
    "leaveChat",
    "pinChatMessage",
    "unpinChatMessage",
    "getFile",
    "setMessageReaction",
)

_CANONICAL = {name.lower(): name for name in METHODS}

MESSAGE_CREATING = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "sendPoll", "copyMessage", "forwardMessage"}
)
"""Methods that put a new message into ``chat_id``; counted in ``FakeBotApi.delivered``."""

RATE_LIMITED = MESSAGE_CREATING | {"stopPoll"}
"""Methods the server-side rate limiter counts by default."""

CHAT_WRITES = MESSAGE_CREATING | {
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "deleteMessages",
    "sendChatAction",
    "stopPoll",
    "setMessageReaction",
    "pinChatMessage",
    "unpinChatMessage",
}
"""Methods that act in ``chat_id``: refused for blocked and migrated chats."""


def canonical(method: str) -> str:
    """``"SENDMESSAGE"`` -> ``"sendMessage"``; unknown names are returned unchanged."""
    return _CANONICAL.get(method.lower(), method)


def is_known(method: str) -> bool:
    """True if the fake server implements ``method`` (case-insensitive)."""
    return method.lower() in _CANONICAL
