"""Operations: migrate, backup under writes, health, doctor, logs, clean shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, load_config
from bot.ops.catalogs import catalog_problems
from bot.ops.doctor import check_database, check_telegram
from bot.ops.health import health_problems
from storage.db import Database, latest_version, migrations
from storage.maintenance import backup, integrity_problems
from storage.subscribers import SubscriberRepository
from tests.botprocess import bot_process, terminate, until
from tests.conftest import ADMIN_ID, TOKEN, BotHarness
from tests.fakebot import FakeBotApi

LATEST = latest_version()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment for the CLI (no .env, no BOT_TOKEN); returns the database path."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("BOT_", "WEBHOOK_", "DATABASE_", "LOG_")) or name == "PORT":
            monkeypatch.delenv(name)
    database = tmp_path / "data" / "eventbot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    return database


def _count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM subscribers").fetchone()[0])


# migrate ---------------------------------------------------------------------------------


def test_migrate_needs_no_token_and_reports_what_it_applied(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    for _, name, _ in migrations():
        assert f"applied {name}" in out
    assert f"schema version {LATEST}" in out
    with sqlite3.connect(env) as connection:
        assert connection.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == LATEST

    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "applied" not in out
    assert f"up to date (schema version {LATEST})" in out


def test_migrate_refuses_a_newer_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    with sqlite3.connect(env) as connection:
        connection.execute(
            "INSERT INTO schema_version (version, name) VALUES (?, 'future.sql')", (LATEST + 1,)
        )
    assert main(["migrate"]) == 1
    assert "upgrade eventbot" in capsys.readouterr().err


def test_load_config_without_token_only_when_asked() -> None:
    config = load_config({"DATABASE_PATH": "x.sqlite3"}, dotenv=None, require_token=False)
    assert config.token == "" and config.database_path == Path("x.sqlite3")
    with pytest.raises(Exception, match="BOT_TOKEN"):
        load_config({"DATABASE_PATH": "x.sqlite3"}, dotenv=None)


# backup ----------------------------------------------------------------------------------


async def test_backup_while_writes_go_on(tmp_path: Path) -> None:
    """A copy made while another connection keeps committing opens, passes integrity_check
    and holds every row committed before the backup began."""
    source = tmp_path / "live.sqlite3"
    db = await Database.open(source)
    repo = SubscriberRepository(db)
    base = 20_000  # enough pages that each backup overlaps several commits
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscribers (chat_id, language, joined_at) VALUES (?, 'en', ?)",
            [(chat_id, "2026-01-01T00:00:00.000+00:00") for chat_id in range(1, base + 1)],
        )
    stop = asyncio.Event()
    written = base

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            written += 1
            await repo.subscribe(written, language="ru")
            await repo.set_topics(written, ["business"])
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    try:
        copies: list[tuple[int, Path]] = []
        overlapped = 0
        for attempt in range(3):
            committed_before = written - 1  # the one in flight may or may not be in
            target = tmp_path / f"copy{attempt}.sqlite3"
            version = await asyncio.to_thread(backup, source, target)
            assert version == LATEST
            overlapped += written - 1 - committed_before
            copies.append((committed_before, target))
        assert overlapped > 0, "the writer must have committed while the backups ran"
    finally:
        stop.set()
        await task
        await db.close()
    for committed_before, target in copies:
        assert integrity_problems(target) == ()
        assert _count(target) >= committed_before
        with sqlite3.connect(target) as connection:
            ids = {row[0] for row in connection.execute("SELECT chat_id FROM subscribers")}
            assert set(range(1, committed_before + 1)) <= ids
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert not Path(str(target) + "-wal").exists()
        assert not target.with_name(target.name + ".partial").exists()


def test_backup_command(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", str(tmp_path / "nothing-yet.sqlite3")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["migrate"]) == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    out = capsys.readouterr().out
    copy = folder / "eventbot.sqlite3"
    assert f"to {copy}" in out and "integrity ok" in out
    assert integrity_problems(copy) == ()
    assert main(["backup", str(env)]) == 1
    assert "must not overwrite" in capsys.readouterr().err


# health ----------------------------------------------------------------------------------


def test_health_checks_the_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 1
    assert "not reachable" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["health"]) == 0
    assert capsys.readouterr().out.strip() == "healthy"


def test_health_in_webhook_mode_needs_the_port(env: Path, tmp_path: Path) -> None:
    assert main(["migrate"]) == 0
    config = load_config(
        {
            "DATABASE_PATH": str(env),
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": "secret",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "PORT": "9",  # discard: nothing listens there
        },
        dotenv=None,
        require_token=False,
    )
    problems = health_problems(config)
    assert len(problems) == 1 and "does not answer" in problems[0]


# doctor ----------------------------------------------------------------------------------


async def test_doctor_all_good(bot: BotHarness, capsys: pytest.CaptureFixture[str]) -> None:
    checks = await check_telegram(bot.config)
    assert [(c.name, c.ok) for c in checks] == [("token", True), ("webhook", True)]
    assert "@eventbot_test" in checks[0].detail
    database = check_database(bot.config)
    assert database.ok and f"schema version {LATEST}" in database.detail


async def test_doctor_names_what_is_wrong_and_never_prints_the_token(
    fake_api: FakeBotApi,
    make_config: Callable[..., Config],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.ops.doctor import cmd_doctor

    wrong = make_config(token="123456:WRONG-secret-token-value")
    assert await asyncio.to_thread(cmd_doctor, wrong) == 1
    out = capsys.readouterr().out
    assert "FAIL token: the Bot API at" in out and "rejects BOT_TOKEN" in out
    assert "WRONG-secret-token-value" not in out
    assert "OK   database:" in out and "does not exist yet" in out

    # A webhook left set while the bot is configured for polling: no updates would arrive.
    fake_api.webhook_url = "https://old.example.org/hook"
    checks = await check_telegram(make_config())
    assert checks[1].name == "webhook" and not checks[1].ok
    assert "https://old.example.org/hook" in checks[1].detail
    assert "no updates arrive" in checks[1].detail

    # Webhook mode, but Telegram has another URL.
    webhook = make_config(webhook_url="https://new.example.org/hook", webhook_secret="s")
    checks = await check_telegram(webhook)
    assert not checks[1].ok
    assert "but WEBHOOK_URL is https://new.example.org/hook" in checks[1].detail
    fake_api.webhook_url = "https://new.example.org/hook"
    checks = await check_telegram(webhook)
    assert checks[1].ok

    # Unreachable Bot API.
    checks = await check_telegram(make_config(api_url="http://127.0.0.1:9/bot"))
    assert [(c.name, c.ok) for c in checks] == [("token", False)]
    assert "cannot reach the Bot API" in checks[0].detail


def test_doctor_database_problems(tmp_path: Path, make_config: Callable[..., Config]) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    check = check_database(make_config(database_path=broken))
    assert not check.ok and "cannot be opened" in check.detail
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER, name TEXT)")
        connection.execute("INSERT INTO schema_version VALUES (?, 'x')", (LATEST + 5,))
    check = check_database(make_config(database_path=newer))
    assert not check.ok and "upgrade eventbot" in check.detail


def test_doctor_finds_an_incomplete_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "locales" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Hello"\nmsgstr "Привет"\n\n'
        '#, fuzzy\nmsgid "Fuzzy one"\nmsgstr "Нечёткий"\n\n'
        'msgid "Empty one"\nmsgstr ""\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("EVENTBOT_LOCALES_DIR", str(tmp_path / "locales"))
    messages: dict[str, str | None] = {
        "Hello": None,
        "Fuzzy one": None,
        "Empty one": None,
        "Missing one": None,
    }
    problems = catalog_problems("ru", messages)
    assert problems == ["fuzzy 'Fuzzy one'", "untranslated 'Empty one'", "missing 'Missing one'"]
    assert catalog_problems("ko", messages)[0].startswith("does not load")


# logs ------------------------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram")}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


async def test_json_logs_one_line_per_update_without_the_token(
    bot: BotHarness, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    from bot.logging_setup import setup_logging

    setup_logging("DEBUG", [TOKEN], "json")
    for name in ("httpx", "httpcore", "telegram"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    update = bot.api.inject_message(4321, "/addchannel@eventbot_test @somewhere", user_id=4321)
    await bot.api.wait_for_message(4321)
    await bot.api.wait_for(lambda r: r.method == "getUpdates" and r.ok)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert TOKEN not in err and TOKEN.split(":", 1)[1] not in err
    assert any(r["logger"].startswith("httpx") for r in records), "httpx was at DEBUG"
    traced = [r for r in records if r["logger"] == "bot.updates"]
    assert traced == [
        {
            "time": traced[0]["time"],
            "level": "INFO",
            "logger": "bot.updates",
            "message": "update message",
            "update_id": update["update_id"],
            "kind": "message",
            "chat_id": 4321,
            "user_id": 4321,
            "command": "/addchannel",
        }
    ]


# run: clean shutdown ---------------------------------------------------------------------


async def test_run_stops_cleanly_on_sigterm(fake_api: FakeBotApi, tmp_path: Path) -> None:
    """Polling mode: SIGTERM ends ``eventbot run`` with exit 0, "stopped" logged, the
    database closed (its WAL checkpointed and removed) and sound."""
    database = tmp_path / "eventbot.sqlite3"
    async with bot_process(fake_api, tmp_path) as process:
        fake_api.inject_message(ADMIN_ID, "/addchannel")
        await until(process, fake_api.wait_for_message(ADMIN_ID, "/addchannel", timeout=30))
        output = await terminate(process)
    assert process.returncode == 0, output[-3000:]
    messages = [json.loads(line)["message"] for line in output.splitlines() if line.strip()]
    assert "starting eventbot with long polling" in messages
    assert "eventbot stopped" in messages
    assert TOKEN not in output
    assert database.exists() and not Path(f"{database}-wal").exists()
    assert integrity_problems(database) == ()
