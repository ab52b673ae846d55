"""A DATABASE_PATH that cannot hold the database: every command says so in one line naming
DATABASE_PATH, exits 2, prints no traceback and writes nothing."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import EXIT_CONFIG, main
from storage.db import Database
from storage.location import DatabasePathError, path_problem
from tests.botprocess import bot_process
from tests.fakebot import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "riac-kf-2021.toml"
PREFIX = "eventbot: configuration error: DATABASE_PATH: "


def _bypasses_permission_bits() -> bool:
    """True for root (CI runs as root) unless its capabilities were dropped: it may create
    files in a folder whose mode says nobody may."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "read-only"
        folder.mkdir(mode=0o555)
        return os.access(folder, os.W_OK)


BYPASSES_PERMISSIONS = _bypasses_permission_bits()


def under_a_file(base: Path) -> Path:
    (base / "hostname").write_text("not a folder\n", encoding="utf-8")
    return base / "hostname" / "eventbot.sqlite3"


def a_folder(base: Path) -> Path:
    (base / "data").mkdir()
    return base / "data"


def in_a_read_only_folder(base: Path) -> Path:
    """A folder this process cannot create files in: mode 0555, or, for root, which passes
    permission bits, one the kernel refuses to anyone: a process's folder in /proc."""
    if BYPASSES_PERMISSIONS:
        folder = Path("/proc/self")
        assert not os.access(folder, os.W_OK), "expected /proc/self to refuse even root"
    else:
        folder = base / "read-only"
        folder.mkdir(mode=0o555)
    return folder / "eventbot.sqlite3"


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "under a regular file": (under_a_file, "is a file, not a folder"),
    "a folder": (a_folder, "is a folder, not a file"),
    "a read-only folder": (in_a_read_only_folder, "is not writable"),
}
COMMANDS = {
    "run": ["run"],
    "migrate": ["migrate"],
    "backup": ["backup", "copy.sqlite3"],
    "import": ["import", str(EXAMPLE)],
    "doctor": ["doctor"],
    "health": ["health"],
}


def _tree(base: Path) -> list[str]:
    return sorted(str(path.relative_to(base)) for path in base.rglob("*"))


def _cli(argv: list[str]) -> int:
    """``eventbot ARGV`` in this process: its exit status, whether returned or raised."""
    try:
        return main(argv)
    except SystemExit as stop:
        assert isinstance(stop.code, int), stop.code
        return stop.code


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean CLI environment in ``tmp_path/work``, with a token and an unreachable Bot API
    (nothing may get as far as calling it); returns ``tmp_path``."""
    for name in list(os.environ):
        if name.startswith(("BOT_", "WEBHOOK_", "DATABASE_", "LOG_", "ADMIN_")) or name == "PORT":
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-secret-token")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:9/bot")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


def _refused(capsys: pytest.CaptureFixture[str], status: int, database: Path) -> str:
    """Assert the one-line refusal; return what it says after the prefix."""
    captured = capsys.readouterr()
    assert status == EXIT_CONFIG, captured
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(PREFIX), lines[0]
    assert str(database) in lines[0]
    return lines[0].removeprefix(PREFIX)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES)
def test_every_command_refuses_a_bad_database_path_in_one_line(
    case: str,
    command: str,
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, what = CASES[case]
    database = make(cli_env)
    monkeypatch.setenv("DATABASE_PATH", str(database))
    before = _tree(cli_env)
    said = _refused(capsys, _cli(COMMANDS[command]), database)
    assert what in said, said
    assert _tree(cli_env) == before, "something was written"


def test_a_path_only_opening_can_refuse(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """/proc itself: permission checks let root create files there, SQLite cannot. For root
    the refusal then comes from opening the database, still one line and exit 2 (``migrate``,
    ``import``: the commands that create it; ``backup``/``health`` only say it does not exist)."""
    database = Path("/proc/eventbot.sqlite3")
    monkeypatch.setenv("DATABASE_PATH", str(database))
    assert (path_problem(database) is None) == BYPASSES_PERMISSIONS
    for argv in (COMMANDS["migrate"], COMMANDS["import"]):
        said = _refused(capsys, _cli(argv), database)
        assert "cannot" in said or "not writable" in said, said


async def test_run_refuses_it_in_one_line_as_a_process(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """``eventbot run`` (a real process, the Bot API answering): exit 2, no traceback, and
    the refusal is its last line, even when only opening the database finds the problem."""
    for database in (under_a_file(tmp_path), Path("/proc/eventbot.sqlite3")):
        async with bot_process(fake_api, tmp_path, DATABASE_PATH=str(database)) as process:
            async with asyncio.timeout(30):
                await process.process.wait()
        output = process.output()
        assert process.returncode == EXIT_CONFIG, output[-3000:]
        assert "Traceback" not in output
        lines = output.strip().splitlines()
        assert lines[-1].startswith(PREFIX) and str(database) in lines[-1], lines[-1]
        if path_problem(database) is not None:  # foreseen: refused before anything else
            assert len(lines) == 1, output


async def test_opening_turns_path_errors_into_one_sentence(tmp_path: Path) -> None:
    """Below the configuration check: Database.open itself names what is wrong."""
    with pytest.raises(DatabasePathError, match="is a folder, not a file"):
        await Database.open(tmp_path)
    garbage = tmp_path / "notes.txt"
    content = b"these are notes, not a database\n" * 100
    garbage.write_bytes(content)
    with pytest.raises(DatabasePathError, match="is not an SQLite database"):
        await Database.open(garbage)
    assert garbage.read_bytes() == content
    assert _tree(tmp_path) == ["notes.txt"]


@pytest.mark.parametrize("name", ["eventbot.sqlite3", "new/folders/eventbot.sqlite3"])
def test_usable_paths_pass(name: str, cli_env: Path) -> None:
    assert path_problem(Path(name)) is None  # relative: in the working folder
    assert path_problem(cli_env / name) is None
    assert path_problem(Path(":memory:")) is None
    assert _tree(cli_env) == ["work"]
