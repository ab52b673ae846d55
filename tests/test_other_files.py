"""Files and media that are no event file: one clear reply, nothing imported, no traceback."""

from __future__ import annotations

import logging

import pytest

from bot.content import MAX_FILE_SIZE
from tests.chat_helpers import say
from tests.conftest import ADMIN_ID, BotHarness
from tests.fakebot import FakeBotApi, Request, objects

USER = 4242
ACCEPTED = (
    "I import events from a TOML file whose name ends in .toml (UTF-8, at most 1,024 KB), "
    "sent as a file. To send this file to subscribers instead, reply /broadcast to it."
)
MEDIA = (
    "Photos and other media are not imported: events come as a .toml file. To send this to "
    "subscribers, reply /broadcast to it (filters such as lang=ru work too)."
)
NOT_FOR_USERS = (
    "I can't do anything with files or media. Send /events to see the events or /help for "
    "everything I can do."
)


async def _events(bot: BotHarness) -> int:
    async with bot.deps.db.conn.execute("SELECT COUNT(*) FROM events") as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def _reply(api: FakeBotApi, chat_id: int, before: int) -> Request:
    """The bot's first message to ``chat_id`` after request number ``before``."""
    return await api.wait_for(
        lambda r: r in api.requests[before:] and r.method == "sendMessage" and r.chat_id == chat_id
    )


@pytest.mark.parametrize(
    ("name", "content", "mime_type"),
    [
        ("programme.pdf", b"%PDF-1.7 fake", "application/pdf"),
        ("poster <1>.png", b"\x89PNG\r\n\x1a\nfake", "image/png"),
        ("notes.txt", b'id = "looks-like-toml"\n', "text/plain"),
        ("huge.zip", b"\0" * (MAX_FILE_SIZE * 2), "application/zip"),
    ],
)
async def test_admin_document_that_is_no_event_file(
    bot: BotHarness, name: str, content: bytes, mime_type: str
) -> None:
    api = bot.api
    before = len(api.requests)
    api.inject_document(ADMIN_ID, name, content, mime_type=mime_type)
    reply = await _reply(api, ADMIN_ID, before)
    escaped = name.replace("<", "&lt;").replace(">", "&gt;")
    assert reply.params["text"] == (
        f"“{escaped}” is not an event file: nothing was imported.\n{ACCEPTED}"
    )
    assert not api.calls("getFile")  # not even downloaded
    assert await _events(bot) == 0


async def test_admin_document_without_a_name_in_russian(bot: BotHarness) -> None:
    api = bot.api
    stored = api.register_file(b"binary", None, "application/octet-stream")
    document = objects.document(
        stored.file_id, stored.file_unique_id, file_name=None, mime_type=None, file_size=6
    )
    before = len(api.requests)
    api.inject_message(ADMIN_ID, None, document=document, language_code="ru")
    reply = await _reply(api, ADMIN_ID, before)
    assert reply.params["text"].startswith("У этого файла нет имени")
    assert "файла TOML, имя которого оканчивается на .toml" in reply.params["text"]
    assert await _events(bot) == 0


async def test_admin_photo_points_to_broadcast(bot: BotHarness) -> None:
    api = bot.api
    before = len(api.requests)
    api.inject_photo(ADMIN_ID, b"\xff\xd8fake", caption="Our poster", language_code="ko")
    reply = await _reply(api, ADMIN_ID, before)
    assert reply.params["text"].startswith("사진과 기타 미디어는 가져오지 않습니다")
    before = len(api.requests)
    api.inject_photo(ADMIN_ID, b"\xff\xd8fake")
    assert (await _reply(api, ADMIN_ID, before)).params["text"] == MEDIA
    assert await _events(bot) == 0
    # the hint's way works: replying /broadcast to the photo makes a draft of it
    photo = api.inject_photo(ADMIN_ID, b"\xff\xd8fake", caption="Poster")
    api.inject_message(
        ADMIN_ID, "/broadcast", reply_to_message=photo["message"]["message_id"]
    )
    await api.wait_for_message(ADMIN_ID, contains="Send it?")


async def test_non_admins_get_a_hint_and_nothing_is_read(bot: BotHarness) -> None:
    api = bot.api
    before = len(api.requests)
    api.inject_document(USER, "cv.pdf", b"%PDF", mime_type="application/pdf")
    assert (await _reply(api, USER, before)).params["text"] == NOT_FOR_USERS
    before = len(api.requests)
    api.inject_photo(USER, b"\xff\xd8fake", language_code="ru")
    reply = await _reply(api, USER, before)
    assert reply.params["text"].startswith("Я не работаю с файлами и медиа.")
    before = len(api.requests)
    api.inject_document(USER, "event.toml", b'id = "x"\n')
    refusal = await _reply(api, USER, before)
    assert refusal.params["text"] == "Sorry, only the bot's admins can import event files."
    assert not api.calls("getFile")
    assert await _events(bot) == 0


async def test_groups_stay_quiet_about_files(bot: BotHarness) -> None:
    api = bot.api
    group = -100_444
    api.inject_document(group, "minutes.pdf", b"%PDF", user_id=ADMIN_ID, chat_type="supergroup")
    api.inject_photo(group, b"\xff\xd8fake", user_id=USER, chat_type="supergroup")
    await say(api, group, "/help@eventbot_test", user_id=USER, chat_type="supergroup")
    assert len(api.sent_messages(group)) == 1  # only the answer to /help


async def test_event_file_that_cannot_be_downloaded(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    api = bot.api
    api.fail_next("getFile", status=400, description="Bad Request: file is too big")
    with caplog.at_level(logging.WARNING):
        api.inject_document(ADMIN_ID, "event.toml", b'id = "x"\n')
        reply = await api.wait_for_message(ADMIN_ID, contains="could not download")
    assert reply.params["text"] == (
        "I could not download this file from Telegram. Please send it again."
    )
    assert any("not downloaded" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback logged
    assert "Something went wrong" not in " ".join(api.sent_texts(ADMIN_ID))
    assert await _events(bot) == 0
