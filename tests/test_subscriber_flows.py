"""Subscribing end to end: /start, languages, topics, /stop, /forget, /help, groups, /stats."""

from __future__ import annotations

from tests.chat_helpers import callback_data, calm, edits, labels, message_id, press, say
from tests.conftest import ADMIN_ID, BotHarness

USER = 1001


async def test_start_preselects_telegram_language(bot: BotHarness) -> None:
    reply = await say(bot.api, USER, "/start", language_code="ru")
    assert "Здравствуйте" in reply.params["text"]
    assert "Выберите язык" in reply.params["text"]
    assert labels(reply) == ["✅ Русский", "한국어", "English"]
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None
    assert (subscriber.language, subscriber.active, subscriber.chat_type) == ("ru", True, "private")
    assert subscriber.user_id == USER


async def test_start_with_unsupported_language_uses_default(bot: BotHarness) -> None:
    reply = await say(bot.api, USER, "/start", language_code="de")
    assert labels(reply) == ["Русский", "한국어", "✅ English"]
    assert "Choose your language" in reply.params["text"]


async def test_choose_language_then_topics(bot: BotHarness) -> None:
    api = bot.api
    reply = await say(api, USER, "/start", language_code="en")
    msg = message_id(reply)
    assert "lang:ko:start" in callback_data(reply)
    await press(api, USER, msg, "lang:ko:start")
    edit = edits(api, USER, msg)[-1]
    assert "언어: 한국어" in edit.params["text"]
    assert "어떤 행사에 관심이 있으신가요?" in edit.params["text"]
    assert labels(edit) == ["▫️ 비즈니스용", "▫️ 연구자용", "▫️ 학생용", "완료"]
    assert (await bot.deps.subscribers.language(USER)) == "ko"

    await press(api, USER, msg, "top:business:start")
    await press(api, USER, msg, "top:students:start")
    assert labels(edits(api, USER, msg)[-1])[:3] == ["✅ 비즈니스용", "▫️ 연구자용", "✅ 학생용"]
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None and subscriber.topics == {"business", "students"}

    await press(api, USER, msg, "top:done:start")
    done = edits(api, USER, msg)[-1]
    assert "구독 중입니다" in done.params["text"]
    assert "비즈니스용 및 학생용" in done.params["text"]
    assert not labels(done)
    # The language is used at once for later messages (the language cache is in sync).
    help_reply = await say(api, USER, "/help", language_code="en")
    assert "행사 안내 구독하기" in help_reply.params["text"]


async def test_language_and_topics_commands(bot: BotHarness) -> None:
    api = bot.api
    await say(api, USER, "/start", language_code="ru")
    picker = await say(api, USER, "/language", contains="Выберите язык")
    assert labels(picker) == ["✅ Русский", "한국어", "English"]
    await press(api, USER, message_id(picker), "lang:en:set")
    assert edits(api, USER, message_id(picker))[-1].params["text"] == "✅ Language: English."
    assert (await bot.deps.subscribers.language(USER)) == "en"

    topics = await say(api, USER, "/topics", contains="Which events interest you?")
    assert "top:researchers:set" in callback_data(topics)
    await press(api, USER, message_id(topics), "top:researchers:set")
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None and subscriber.topics == {"researchers"}
    await press(api, USER, message_id(topics), "top:researchers:set")
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None and subscriber.topics == frozenset()


async def test_settings_before_subscribing_ask_for_start(bot: BotHarness) -> None:
    reply = await say(bot.api, USER, "/language", language_code="ko")
    assert "먼저 /start를 보내 주세요" in reply.params["text"]
    assert await bot.deps.subscribers.get(USER) is None


async def test_start_again_keeps_settings(bot: BotHarness) -> None:
    api = bot.api
    reply = await say(api, USER, "/start", language_code="en")
    await press(api, USER, message_id(reply), "lang:ru:start")
    await press(api, USER, message_id(reply), "top:researchers:start")
    again = await say(api, USER, "/start", language_code="en")
    assert "С возвращением!" in again.params["text"]
    assert "Темы: Для исследователей." in again.params["text"]
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None
    assert (subscriber.language, subscriber.topics) == ("ru", frozenset({"researchers"}))


async def test_stop_then_start_resumes(bot: BotHarness) -> None:
    api = bot.api
    reply = await say(api, USER, "/start", language_code="ko")
    await press(api, USER, message_id(reply), "top:students:start")
    stop = await say(api, USER, "/stop")
    assert "구독을 해지했습니다" in stop.params["text"]
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None and not subscriber.active
    assert subscriber.left_at is not None
    again = await say(api, USER, "/stop")
    assert "구독 중이 아닙니다" in again.params["text"]

    await calm(bot.deps.flood, USER)
    back = await say(api, USER, "/start", language_code="en")
    assert "다시 오신 것을 환영합니다!" in back.params["text"]
    subscriber = await bot.deps.subscribers.get(USER)
    assert subscriber is not None and subscriber.active
    assert (subscriber.language, subscriber.topics) == ("ko", frozenset({"students"}))


async def test_forget_deletes_after_confirmation(bot: BotHarness) -> None:
    api = bot.api
    await say(api, USER, "/start", language_code="ru")
    question = await say(api, USER, "/forget", contains="Удалить всё")
    assert callback_data(question) == ["fgt:yes", "fgt:no"]
    await press(api, USER, message_id(question), "fgt:no")
    assert "Ничего не удалено" in edits(api, USER, message_id(question))[-1].params["text"]
    assert await bot.deps.subscribers.get(USER) is not None

    await calm(bot.deps.flood, USER)
    question = await say(api, USER, "/forget", contains="Удалить всё")
    await press(api, USER, message_id(question), "fgt:yes")
    assert "удалено" in edits(api, USER, message_id(question))[-1].params["text"]
    assert await bot.deps.subscribers.get(USER) is None
    # The cached language went too: Telegram's language_code counts again.
    await calm(bot.deps.flood, USER)
    reply = await say(api, USER, "/help", language_code="en")
    assert "Subscribe to event announcements" in reply.params["text"]


async def test_help_lists_commands_and_admin_commands_for_admins(bot: BotHarness) -> None:
    reply = await say(bot.api, USER, "/help", language_code="ru")
    text = reply.params["text"]
    assert "/events — Ближайшие и прошедшие мероприятия" in text
    assert "/stats" not in text
    admin = await say(bot.api, ADMIN_ID, "/help", language_code="en")
    assert "/stats — Subscriber statistics" in admin.params["text"]
    assert "/announce" in admin.params["text"]


async def test_unknown_command_and_free_text(bot: BotHarness) -> None:
    reply = await say(bot.api, USER, "/frobnicate", language_code="ko")
    assert "알 수 없는 명령입니다" in reply.params["text"]
    reply = await say(bot.api, USER, "hello there", language_code="ru")
    assert "Я понимаю только команды" in reply.params["text"]


async def test_groups_ignore_free_text_and_foreign_commands(bot: BotHarness) -> None:
    group = -100555
    bot.api.inject_message(group, "hello everyone", user_id=USER, chat_type="supergroup")
    bot.api.inject_message(group, "/other@some_other_bot", user_id=USER, chat_type="supergroup")
    mine = await say(bot.api, group, "/nope@eventbot_test", user_id=USER, chat_type="supergroup")
    assert "/help" in mine.params["text"]
    await say(bot.api, group, "/help", user_id=USER, chat_type="supergroup")
    assert len(bot.api.sent_messages(group)) == 2


async def test_group_settings_only_for_chat_admins(bot: BotHarness) -> None:
    api = bot.api
    group, admin, member = -100777, 501, 502
    api.add_chat(group, "supergroup", title="Asia <Pacific> club")
    api.set_chat_member(group, admin, "administrator")
    api.set_chat_member(group, member, "member")

    refused = await say(api, group, "/start", user_id=member, language_code="en")
    assert "Only this group's administrators" in refused.params["text"]
    assert await bot.deps.subscribers.get(group) is None

    welcome = await say(api, group, "/start", user_id=admin, language_code="ru")
    assert "Группа «Asia &lt;Pacific&gt; club» теперь подписана" in welcome.params["text"]
    subscriber = await bot.deps.subscribers.get(group)
    assert subscriber is not None
    assert (subscriber.chat_type, subscriber.title, subscriber.user_id) == (
        "supergroup",
        "Asia <Pacific> club",
        None,
    )

    refused = await say(api, group, "/language", user_id=member, contains="администраторы")
    answer = await press(api, group, message_id(welcome), "lang:en:start", user_id=member)
    assert answer.params["show_alert"] is True
    assert "администраторы" in answer.params["text"]
    assert (await bot.deps.subscribers.language(group)) == "ru"
    assert not edits(api, group, message_id(welcome))
    stop = await say(api, group, "/stop", user_id=member, contains="администраторы")
    assert stop.ok
    subscriber = await bot.deps.subscribers.get(group)
    assert subscriber is not None and subscriber.active

    await press(api, group, message_id(welcome), "lang:en:start", user_id=admin)
    assert (await bot.deps.subscribers.language(group)) == "en"
    api.set_chat_member(group, member, "creator")
    await press(api, group, message_id(welcome), "top:business:start", user_id=member)
    subscriber = await bot.deps.subscribers.get(group)
    assert subscriber is not None and subscriber.topics == {"business"}


async def test_stats_for_admins_with_plurals(bot: BotHarness) -> None:
    subscribers = bot.deps.subscribers
    await subscribers.subscribe(1, language="ru")
    await subscribers.set_topics(1, ["business"])
    for chat in (2, 3, 4):
        await subscribers.subscribe(chat, language="ko")
        await subscribers.set_topics(chat, ["researchers", "students"])
    await subscribers.deactivate(4)
    for chat in range(10, 15):
        await subscribers.subscribe(chat, language="en")
    reply = await say(bot.api, ADMIN_ID, "/stats", language_code="ru")
    text = reply.params["text"]
    assert "Всего 9 подписчиков: 8 активных подписчиков, 1 неактивный" in text
    assert "• Русский: 1 активный подписчик, 0 неактивных" in text
    assert "• 한국어: 2 активных подписчика, 1 неактивный" in text
    assert "• English: 5 активных подписчиков, 0 неактивных" in text
    assert "• Для бизнеса: 1 активный подписчик, 0 неактивных" in text
    assert "• Для исследователей: 2 активных подписчика, 1 неактивный" in text


async def test_stats_refused_to_non_admins(bot: BotHarness) -> None:
    await bot.deps.subscribers.subscribe(1, language="ru")
    reply = await say(bot.api, USER, "/stats", language_code="en")
    assert "for the bot's administrators" in reply.params["text"]
    assert not any("subscriber" in text for text in bot.api.sent_texts(USER))


async def test_command_menus_per_language_and_for_admins(bot: BotHarness) -> None:
    commands = bot.api.commands
    assert [c["command"] for c in commands["default", ""]][:3] == ["start", "events", "language"]
    assert commands["default", "ru"][1]["description"] == "Ближайшие и прошедшие мероприятия"
    assert commands["default", "ko"][1]["description"] == "예정된 행사와 최근 행사"
    assert "stats" not in [c["command"] for c in commands["default", "en"]]
    admin = [c["command"] for c in commands[f"chat:{ADMIN_ID}", "ru"]]
    for name in ("announce", "broadcast", "cancel_broadcast", "publish_results", "stats"):
        assert name in admin
    assert "Статистика подписчиков; /stats EVENT_ID — по одному мероприятию" in [
        c["description"] for c in commands[f"chat:{ADMIN_ID}", "ru"]
    ]


async def test_edited_messages_are_not_answered_again(bot: BotHarness) -> None:
    api = bot.api
    api.inject_message(USER, "/forget", update_type="edited_message")
    api.inject_message(USER, "some text", update_type="edited_message")
    await say(api, USER, "/help")
    assert len(api.sent_messages(USER)) == 1
