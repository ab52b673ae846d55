"""The Bot API methods the fake server implements (all but ``getUpdates``, in updates.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from tests.fakebot import objects
from tests.fakebot.records import JSON, ApiError, UploadedFile, bad_request
from tests.fakebot.state import MAX_DOWNLOAD, BotState, PollState, StoredFile
from tests.fakebot.validation import check_poll, check_reply_markup, render_text, require

Files = dict[str, UploadedFile]
Handler = Callable[["BotApiMethods", JSON, Files], Any]

HANDLERS: dict[str, Handler] = {}

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}\Z")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "document", "photo", "poll")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def method(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the implementation of Bot API method ``name``."""

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


def _inline_markup(params: JSON) -> JSON | None:
    """The markup echoed in Message.reply_markup: only inline keyboards are."""
    markup = params.get("reply_markup")
    check_reply_markup(markup)
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _int_param(params: JSON, name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f'field "{name}" must be of type Integer')
    return value


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    parts = [str(scope.get("type", "default"))]
    parts += [str(scope[key]) for key in ("chat_id", "user_id") if key in scope]
    return ":".join(parts)


def _image_size(content: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except Exception:
        raise bad_request("IMAGE_PROCESS_FAILED") from None


class BotApiMethods(BotState):
    """Implementations of the Bot API methods over ``BotState``."""

    # helpers -------------------------------------------------------------------------------

    def _target(self, params: JSON) -> int:
        require(params, "chat_id")
        return self.resolve_chat(params["chat_id"])

    def _new_message(self, chat_id: int, params: JSON, **content: Any) -> JSON:
        """A message from the bot in ``chat_id`` with ``content``, stored."""
        extra: JSON = {k: v for k, v in content.items() if v is not None and v != []}
        reply_to = params.get("reply_parameters") or {}
        if not isinstance(reply_to, dict):
            raise bad_request("can't parse reply parameters JSON object")
        reply_id = reply_to.get("message_id") or params.get("reply_to_message_id")
        reply_chat = self.resolve_chat(reply_to.get("chat_id", chat_id))
        if isinstance(reply_id, int):
            replied = self.message(reply_chat, reply_id)
            if replied is not None:
                extra["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
            elif self.store_messages and not reply_to.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        message_id = self.new_message_id(chat_id)
        return self.store(
            objects.message(
                message_id,
                self.chat_data(chat_id),
                from_user=self.bot_user,
                reply_markup=_inline_markup(params),
                **extra,
            )
        )

    def _editable(self, params: JSON) -> tuple[int, int, JSON]:
        """The stored message ``chat_id``/``message_id`` refer to (or a stand-in if messages
        are not stored), checking the bot may edit it."""
        chat_id = self._target(params)
        require(params, "message_id")
        message_id = _int_param(params, "message_id")
        stored = self.message(chat_id, message_id)
        if stored is None:
            if self.store_messages:
                raise bad_request("message to edit not found")
            stored = objects.message(message_id, self.chat_data(chat_id), from_user=self.bot_user)
        elif stored.get("from", {}).get("id") != self.bot_id and "sender_chat" not in stored:
            raise bad_request("message can't be edited")
        return chat_id, message_id, stored

    def _caption(self, params: JSON) -> tuple[str | None, list[JSON]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, []
        return render_text(
            caption,
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
            strict=self.strict_html,
        )

    def _input_file(self, params: JSON, files: Files, name: str, kind: str) -> StoredFile:
        """The file of an upload method: uploaded bytes, an ``attach://``, a file_id or URL."""
        value = params.get(name)
        upload = files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            mime: str | None = upload.content_type
            if mime == "application/octet-stream":
                mime = None
            return self.register_file(upload.content, upload.filename, mime, kind=kind)
        require(params, name)
        if not isinstance(value, str):
            raise bad_request(f"wrong type of the web page content for {name}")
        if value.startswith(("http://", "https://")):
            return self.register_file(b"", value.rsplit("/", 1)[-1] or None, kind=kind)
        return self.lookup_file(value)

    # bot ---------------------------------------------------------------------------------

    @method("getMe")
    def get_me(self, params: JSON, files: Files) -> Any:
        return objects.get_me(self.bot_id, self.bot_username, self.bot_user["first_name"])

    @method("logOut")
    @method("close")
    @method("setMyName")
    @method("setMyDescription")
    @method("setMyShortDescription")
    def always_true(self, params: JSON, files: Files) -> Any:
        return True

    @method("setWebhook")
    def set_webhook(self, params: JSON, files: Files) -> Any:
        require(params, "url")
        self.webhook_url = str(params["url"])
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @method("deleteWebhook")
    def delete_webhook(self, params: JSON, files: Files) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @method("getWebhookInfo")
    def get_webhook_info(self, params: JSON, files: Files) -> Any:
        allowed = sorted(self._allowed_updates) if self._allowed_updates is not None else None
        return objects.webhook_info(self.webhook_url, len(self._updates), allowed_updates=allowed)

    @method("setMyCommands")
    def set_my_commands(self, params: JSON, files: Files) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.match(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("command description is empty or too long")
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = list(commands)
        return True

    @method("getMyCommands")
    def get_my_commands(self, params: JSON, files: Files) -> Any:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    @method("deleteMyCommands")
    def delete_my_commands(self, params: JSON, files: Files) -> Any:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    @method("setChatMenuButton")
    def set_chat_menu_button(self, params: JSON, files: Files) -> Any:
        chat_id = self.resolve_chat(params["chat_id"]) if "chat_id" in params else None
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise bad_request("can't parse menu button")
        self.menu_buttons[chat_id] = button
        return True

    @method("getChatMenuButton")
    def get_chat_menu_button(self, params: JSON, files: Files) -> Any:
        chat_id = self.resolve_chat(params["chat_id"]) if "chat_id" in params else None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}

    # messages -----------------------------------------------------------------------------

    @method("sendMessage")
    def send_message(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        require(params, "text")
        text, entities = render_text(
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            strict=self.strict_html,
        )
        return self._new_message(chat_id, params, text=text, entities=entities)

    @method("editMessageText")
    def edit_message_text(self, params: JSON, files: Files) -> Any:
        text, entities = render_text(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            strict=self.strict_html,
        )
        markup = _inline_markup(params)
        if params.get("inline_message_id"):
            return True
        _, _, stored = self._editable(params)
        if self.store_messages:
            if "text" not in stored:
                raise bad_request("there is no text in the message to edit")
            if (stored["text"], stored.get("entities", []), stored.get("reply_markup")) == (
                text,
                entities,
                markup,
            ):
                raise bad_request(NOT_MODIFIED)
        stored["text"] = text
        _set_or_pop(stored, "entities", entities)
        _set_or_pop(stored, "reply_markup", markup)
        stored["edit_date"] = objects.now()
        return dict(stored)

    @method("editMessageCaption")
    def edit_message_caption(self, params: JSON, files: Files) -> Any:
        caption, entities = self._caption(params)
        markup = _inline_markup(params)
        if params.get("inline_message_id"):
            return True
        _, _, stored = self._editable(params)
        if self.store_messages:
            if not any(key in stored for key in ("document", "photo")):
                raise bad_request("there is no caption in the message to edit")
            old = (stored.get("caption"), stored.get("caption_entities", []))
            if old == (caption, entities) and stored.get("reply_markup") == markup:
                raise bad_request(NOT_MODIFIED)
        _set_or_pop(stored, "caption", caption)
        _set_or_pop(stored, "caption_entities", entities)
        _set_or_pop(stored, "reply_markup", markup)
        stored["edit_date"] = objects.now()
        return dict(stored)

    @method("editMessageReplyMarkup")
    def edit_message_reply_markup(self, params: JSON, files: Files) -> Any:
        markup = _inline_markup(params)
        if params.get("inline_message_id"):
            return True
        _, _, stored = self._editable(params)
        if self.store_messages and stored.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        _set_or_pop(stored, "reply_markup", markup)
        stored["edit_date"] = objects.now()
        return dict(stored)

    @method("deleteMessage")
    def delete_message(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        require(params, "message_id")
        message_id = _int_param(params, "message_id")
        if self.messages.pop((chat_id, message_id), None) is None and self.store_messages:
            raise bad_request("message to delete not found")
        return True

    @method("deleteMessages")
    def delete_messages(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            self.messages.pop((chat_id, message_id), None)
        return True

    def _source(self, params: JSON) -> JSON:
        require(params, "from_chat_id", "message_id")
        from_chat = self.resolve_chat(params["from_chat_id"])
        message_id = _int_param(params, "message_id")
        found = self.message(from_chat, message_id)
        if found is not None:
            return found
        # Unknown to the fake (e.g. an old channel post): a plausible stand-in.
        return objects.message(
            message_id, self.chat_data(from_chat), from_user=None, text=f"message {message_id}"
        )

    @method("copyMessage")
    def copy_message(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        source = self._source(params)
        content = {key: source[key] for key in _CONTENT_KEYS if key in source}
        has_media = any(key in source for key in ("caption", "document", "photo"))
        if "caption" in params and has_media:
            content["caption"], content["caption_entities"] = self._caption(params)
        copied = self._new_message(chat_id, params, **content)
        return {"message_id": copied["message_id"]}

    @method("forwardMessage")
    def forward_message(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        source = self._source(params)
        content = {key: source[key] for key in _CONTENT_KEYS if key in source}
        source_chat = source["chat"]
        origin: JSON
        if source_chat["type"] == "channel":
            origin = {
                "type": "channel",
                "date": source["date"],
                "chat": source_chat,
                "message_id": source["message_id"],
            }
        elif "from" in source:
            origin = {"type": "user", "date": source["date"], "sender_user": source["from"]}
        else:
            origin = {"type": "chat", "date": source["date"], "sender_chat": source_chat}
        return self._new_message(chat_id, {}, forward_origin=origin, **content)

    @method("sendDocument")
    def send_document(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        stored = self._input_file(params, files, "document", "documents")
        caption, entities = self._caption(params)
        document = objects.document(
            stored.file_id,
            stored.file_unique_id,
            file_name=stored.file_name,
            mime_type=stored.mime_type,
            file_size=len(stored.content),
        )
        return self._new_message(
            chat_id, params, document=document, caption=caption, caption_entities=entities
        )

    @method("sendPhoto")
    def send_photo(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        stored = self._input_file(params, files, "photo", "photos")
        width, height = _image_size(stored.content) if stored.content else (800, 600)
        caption, entities = self._caption(params)
        photo = objects.photo_sizes(
            stored.file_id,
            stored.file_unique_id,
            width=width,
            height=height,
            file_size=len(stored.content),
        )
        return self._new_message(
            chat_id, params, photo=photo, caption=caption, caption_entities=entities
        )

    @method("sendChatAction")
    def send_chat_action(self, params: JSON, files: Files) -> Any:
        self._target(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    @method("setMessageReaction")
    def set_message_reaction(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        require(params, "message_id")
        message_id = _int_param(params, "message_id")
        stored = self.message(chat_id, message_id)
        if stored is None and self.store_messages:
            raise bad_request("message to react not found")
        self.reactions[chat_id, message_id] = params.get("reaction") or []
        return True

    @method("pinChatMessage")
    @method("unpinChatMessage")
    def pin_chat_message(self, params: JSON, files: Files) -> Any:
        self._target(params)
        return True

    # queries ------------------------------------------------------------------------------

    @method("answerCallbackQuery")
    def answer_callback_query(self, params: JSON, files: Files) -> Any:
        require(params, "callback_query_id")
        query_id = str(params["callback_query_id"])
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        if query_id not in self.open_callback_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.open_callback_queries.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    @method("answerInlineQuery")
    def answer_inline_query(self, params: JSON, files: Files) -> Any:
        require(params, "inline_query_id")
        if not isinstance(params.get("results"), list):
            raise bad_request('parameter "results" is required')
        query_id = str(params["inline_query_id"])
        if query_id not in self.open_inline_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.open_inline_queries.discard(query_id)
        self.inline_answers[query_id] = params
        return True

    # polls --------------------------------------------------------------------------------

    @method("sendPoll")
    def send_poll(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        require(params, "question", "options")
        texts = check_poll(params["question"], params["options"])
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("wrong poll type specified")
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        valid_correct = isinstance(correct, list) and all(
            isinstance(c, int) and 0 <= c < len(texts) for c in correct
        )
        if poll_type == "quiz" and not (correct and valid_correct):
            raise bad_request("wrong correct option id specified")
        poll_id = self.new_poll_id()
        extra = {
            key: params[key]
            for key in ("explanation", "open_period", "close_date", "description")
            if params.get(key) is not None
        }
        state = PollState(
            id=poll_id,
            question=params["question"],
            options=texts,
            persistent_ids=[f"{poll_id}:{i}" for i in range(len(texts))],
            type=poll_type,
            is_anonymous=bool(params.get("is_anonymous", True)),
            allows_multiple_answers=bool(params.get("allows_multiple_answers", False)),
            allows_revoting=bool(params.get("allows_revoting", poll_type == "regular")),
            members_only=bool(params.get("members_only", False)),
            correct_option_ids=list(correct or []) if poll_type == "quiz" else [],
            chat_id=chat_id,
            is_closed=bool(params.get("is_closed", False)),
            extra=extra,
        )
        message = self._new_message(chat_id, params, poll=state.to_json())
        state.message_id = message["message_id"]
        self.polls[poll_id] = state
        self._poll_by_message[chat_id, message["message_id"]] = poll_id
        return message

    @method("stopPoll")
    def stop_poll(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        require(params, "message_id")
        poll_id = self._poll_by_message.get((chat_id, _int_param(params, "message_id")))
        if poll_id is None:
            raise bad_request("message with poll to stop not found")
        state = self.polls[poll_id]
        if state.is_closed:
            raise bad_request("poll has already been closed")
        state.is_closed = True
        result = state.to_json()
        assert state.message_id is not None
        stored = self.message(chat_id, state.message_id)
        if stored is not None:
            stored["poll"] = result
            _set_or_pop(stored, "reply_markup", _inline_markup(params))
        return result

    # chats --------------------------------------------------------------------------------

    @method("getChat")
    def get_chat(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        full_info = self.full_info.get(chat_id, {})
        return objects.chat_full_info(self.chat_data(chat_id), **full_info)

    @method("getChatMember")
    def get_chat_member(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        require(params, "user_id")
        return self.chat_member(chat_id, _int_param(params, "user_id"))

    @method("getChatAdministrators")
    def get_chat_administrators(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        if self.chat_data(chat_id)["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            member
            for (chat, _), member in self.members.items()
            if chat == chat_id and member["status"] in ("creator", "administrator")
        ]

    @method("getChatMemberCount")
    def get_chat_member_count(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        if self.chat_data(chat_id)["type"] == "private":
            return 2
        return sum(
            1
            for (chat, _), member in self.members.items()
            if chat == chat_id
            and (
                member["status"] in ("creator", "administrator", "member")
                or member.get("is_member")
            )
        )

    @method("leaveChat")
    def leave_chat(self, params: JSON, files: Files) -> Any:
        chat_id = self._target(params)
        self.set_chat_member(chat_id, self.bot_id, "left")
        return True

    # files --------------------------------------------------------------------------------

    @method("getFile")
    def get_file(self, params: JSON, files: Files) -> Any:
        require(params, "file_id")
        try:
            stored = self.lookup_file(str(params["file_id"]))
        except ApiError:
            raise bad_request("invalid file_id") from None
        if len(stored.content) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return objects.file(
            stored.file_id,
            stored.file_unique_id,
            file_size=len(stored.content),
            file_path=stored.file_path,
        )


def _set_or_pop(data: JSON, key: str, value: Any) -> None:
    if value is None or value == []:
        data.pop(key, None)
    else:
        data[key] = value
