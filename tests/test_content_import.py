"""Importing content: ``eventbot import`` and documents sent to the bot, end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telegram.constants import MessageLimit

from bot.cli import main
from bot.content import MAX_FILE_SIZE, Imported, parse_event
from bot.handlers.content_import import imported_text, problems_texts
from bot.i18n import translator
from storage.db import Database
from storage.events import EventRepository
from storage.models import Event
from tests.conftest import ADMIN_ID, BotHarness

SEED = Path(__file__).resolve().parent.parent / "examples" / "riac-kf-2021.toml"

SMALL = """\
id = "small"
default_language = "en"
timezone = "Asia/Seoul"
start = 2030-05-01T15:00:00
title = { en = "Small talk", ru = "Светская беседа", ko = "스몰토크" }

[[speakers]]
id = "alice"
name = "Alice"
summary = ["One point"]

[[polls]]
id = "small-poll"
question = "Yes?"
options = ["Yes", "No"]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only DATABASE_PATH is set (no BOT_TOKEN); returns the database path."""
    database = tmp_path / "data" / "eventbot.sqlite3"
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(database))
    return database


def stored(database: Path, event_id: str) -> Event | None:
    async def load() -> Event | None:
        db = await Database.open(database)
        try:
            return await EventRepository(db).get(event_id)
        finally:
            await db.close()

    return asyncio.run(load())


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# the command line ---------------------------------------------------------------------------


def test_cli_imports_the_seed_then_updates_in_place(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SEED)]) == 0
    assert capsys.readouterr().out == "imported riac-kf-2021 (new): 6 speakers, 1 poll\n"
    event = stored(env, "riac-kf-2021")
    assert event is not None
    assert [s.key for s in event.speakers][:2] == ["ivashentsov", "geun-lee"]
    assert len(event.speakers[0].summary.get("ko")) == 6
    assert event.polls[0].id == "us-goals" and len(event.polls[0].options) == 4

    changed = SEED.read_text(encoding="utf-8").replace(
        'format = { en = "Online round table"', 'format = { en = "Round table, online"'
    )
    assert main(["import", write(tmp_path, "changed.toml", changed)]) == 0
    assert capsys.readouterr().out == "imported riac-kf-2021 (updated): 6 speakers, 1 poll\n"
    updated = stored(env, "riac-kf-2021")
    assert updated is not None and updated.format is not None
    assert updated.format.get("en") == "Round table, online"
    assert updated.format.get("ru") == "Онлайн-круглый стол"
    assert len(updated.speakers) == 6


def test_cli_singular_counts(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", write(tmp_path, "small.toml", SMALL)]) == 0
    assert capsys.readouterr().out == "imported small (new): 1 speaker, 1 poll\n"


def test_cli_bad_file_writes_nothing(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.toml", SMALL)
    bad = write(tmp_path, "bad.toml", SMALL.replace('id = "alice"', 'id = "Alice B"').replace(
        "title =", "tittle ="
    ))
    assert main(["import", good, bad]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert f"{bad}:5: tittle: unknown field; did you mean 'title'?" in lines
    assert f"{bad}: title: required field is missing" in lines
    assert any(line.startswith(f"{bad}:8: speakers[0].id: 'Alice B' is not a valid id")
               for line in lines)
    assert all(line.startswith(bad) for line in lines)
    assert stored(env, "small") is None  # the good file was not imported either


def test_cli_syntax_error_and_missing_file(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path, "broken.toml", SMALL.replace('question = "Yes?"', "question = Yes?"))
    missing = str(tmp_path / "missing.toml")
    assert main(["import", broken, missing]) == 1
    err = capsys.readouterr().err.splitlines()
    assert f"{missing}: cannot read the file: No such file or directory" in err
    assert any(line.startswith(f"{broken}:14:12: TOML syntax error") for line in err)
    assert not env.exists()


def test_cli_refuses_a_poll_id_of_another_event(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SEED)]) == 0
    capsys.readouterr()
    thief = write(tmp_path, "thief.toml", SMALL.replace('id = "small-poll"', 'id = "us-goals"'))
    assert main(["import", thief]) == 1
    assert capsys.readouterr().err == (
        f"{thief}:13: polls[0].id: poll id 'us-goals' is already used by event 'riac-kf-2021'\n"
    )
    assert stored(env, "small") is None


def test_cli_same_event_twice_in_one_run(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path, "first.toml", SMALL)
    second = write(tmp_path, "second.toml", SMALL.replace("small-poll", "other-poll"))
    assert main(["import", first, second]) == 1
    assert capsys.readouterr().err == f"{second}:1: id: event id 'small' is also in {first}\n"
    assert stored(env, "small") is None


def test_cli_import_needs_a_file(env: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["import"])
    assert exited.value.code == 2


# sending the file to the bot ----------------------------------------------------------------


async def event_in(harness: BotHarness, event_id: str) -> Event | None:
    return await harness.deps.events.get(event_id)


async def test_admin_sends_the_seed_as_a_document(bot: BotHarness) -> None:
    bot.api.inject_document(ADMIN_ID, "riac-kf-2021.toml", SEED.read_bytes())
    reply = await bot.api.wait_for_message(ADMIN_ID, contains="New event imported")
    text = reply.params["text"]
    assert "Strategic Situation in the Asia Pacific" in text
    assert "riac-kf-2021" in text and "6 speakers, 1 poll" in text
    event = await event_in(bot, "riac-kf-2021")
    assert event is not None and len(event.speakers) == 6

    bot.api.inject_document(ADMIN_ID, "riac-kf-2021.toml", SEED.read_bytes(), language_code="ru")
    again = await bot.api.wait_for_message(ADMIN_ID, contains="Мероприятие обновлено")
    assert "Стратегическая ситуация" in again.params["text"]
    assert "6 спикеров, 1 опрос" in again.params["text"]


async def test_admin_in_korean(bot: BotHarness) -> None:
    bot.api.inject_document(ADMIN_ID, "small.toml", SMALL.encode(), language_code="ko")
    reply = await bot.api.wait_for_message(ADMIN_ID, contains="새 행사를 가져왔습니다")
    assert "스몰토크" in reply.params["text"] and "연사 1명, 설문 1개" in reply.params["text"]


async def test_non_admin_is_refused_and_nothing_is_stored(bot: BotHarness) -> None:
    user = 4242
    bot.api.inject_document(user, "riac-kf-2021.toml", SEED.read_bytes())
    await bot.api.wait_for_message(user, contains="only the bot's admins can import")
    assert await event_in(bot, "riac-kf-2021") is None
    assert not bot.api.calls("getFile")


async def test_malformed_document_names_the_field(bot: BotHarness) -> None:
    bad = SMALL.replace('name = "Alice"\n', "").replace('"Asia/Seoul"', '"Asia/Sеoul"')
    bot.api.inject_document(ADMIN_ID, "small <draft>.toml", bad.encode())
    reply = await bot.api.wait_for_message(ADMIN_ID, contains="Nothing was imported")
    text = reply.params["text"]
    assert "<code>small &lt;draft&gt;.toml</code>: 2 problems" in text
    assert "small &lt;draft&gt;.toml:7: speakers[0].name: required field is missing" in text
    assert "small &lt;draft&gt;.toml:3: timezone: unknown time zone" in text
    assert await event_in(bot, "small") is None


async def test_many_problems_are_split_into_messages(bot: BotHarness) -> None:
    speakers = "".join(f'\n[[speakers]]\nid = "Speaker {n}"\nname = "S{n}"\n' for n in range(150))
    bot.api.inject_document(ADMIN_ID, "crowd.toml", (SMALL + speakers).encode())
    await bot.api.wait_for_message(ADMIN_ID, contains="Speaker 149")
    texts = bot.api.sent_texts(ADMIN_ID)
    assert len(texts) > 1
    assert all(len(text) <= MessageLimit.MAX_TEXT_LENGTH for text in texts)
    joined = "\n".join(texts)
    assert all(f"speakers[{n + 1}].id: 'Speaker {n}' is not a valid id" in joined
               for n in range(150))
    assert await event_in(bot, "small") is None


async def test_too_large_document_is_refused_before_download(bot: BotHarness) -> None:
    bot.api.inject_document(ADMIN_ID, "huge.toml", b"#" * (MAX_FILE_SIZE + 1))
    await bot.api.wait_for_message(ADMIN_ID, contains="too large for an event file")
    assert not bot.api.calls("getFile")


# the replies, rendered in every language ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "<code>x.toml</code>: 1 problem. Fix it and send"),
        ("en", 2, "<code>x.toml</code>: 2 problems. Fix them and send"),
        ("ru", 1, "не импортирован: найдена 1 ошибка."),
        ("ru", 3, "не импортирован: найдены 3 ошибки."),
        ("ru", 5, "не импортирован: найдено 5 ошибок."),
        ("ko", 2, "문제 2건이 있습니다"),
    ],
)
def test_problem_reply_is_translated(language: str, count: int, expected: str) -> None:
    problems = [f"x.toml:{n}: title: <b> & 'quotes'" for n in range(count)]
    [text] = problems_texts(translator(language), "x.toml", problems)
    assert expected in text
    assert text.count("• x.toml:") == count
    assert "title: &lt;b&gt; &amp; 'quotes'" in text


@pytest.mark.parametrize(
    ("language", "created", "expected"),
    [
        ("en", True, "New event imported: <b>A &amp; &lt;B&gt;</b> (<code>e1</code>) — "
         "2 speakers, 1 poll."),
        ("en", False, "Event updated: <b>A &amp; &lt;B&gt;</b> (<code>e1</code>) — "
         "2 speakers, 1 poll."),
        ("ru", True, "Импортировано новое мероприятие: <b>А &amp; Б</b> (<code>e1</code>) — "
         "2 спикера, 1 опрос."),
        ("ko", False, "행사를 업데이트했습니다: <b>A &amp; &lt;B&gt;</b> (<code>e1</code>) — "
         "연사 2명, 설문 1개."),
    ],
)
def test_import_reply_is_translated(language: str, created: bool, expected: str) -> None:
    text = SMALL.replace('"small"', '"e1"').replace(
        'title = { en = "Small talk", ru = "Светская беседа", ko = "스몰토크" }',
        'title = { en = "A & <B>", ru = "А & Б" }',
    ) + '\n[[speakers]]\nid = "bob"\nname = "Bob"\n'
    event = parse_event(text, "e1.toml")
    assert imported_text(translator(language), Imported("e1.toml", event, created)) == expected
