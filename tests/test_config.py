"""Configuration: every invalid variable is named; `eventbot run` without a token exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABC-def"


def config(tmp_path: Path, **env: str) -> object:
    return load_config({"BOT_TOKEN": TOKEN, **env}, dotenv=tmp_path / ".env")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_TOKEN": ""}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "no-colon"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "123:has space"}, "BOT_TOKEN"),
        ({"ADMIN_IDS": "1, two"}, "ADMIN_IDS"),
        ({"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"BOT_API_URL": "ftp://example.org/bot"}, "BOT_API_URL"),
        ({"BOT_API_FILE_URL": "localhost/file/bot"}, "BOT_API_FILE_URL"),
        ({"BROADCAST_RATE": "fast"}, "BROADCAST_RATE"),
        ({"BROADCAST_RATE": "0"}, "BROADCAST_RATE"),
        ({"SEND_RATE": "-3"}, "SEND_RATE"),
        ({"PAID_BROADCAST": "maybe"}, "PAID_BROADCAST"),
        ({"WEBHOOK_URL": "example.org/hook", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "https://example.org/hook"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_SECRET": "not allowed!"}, "WEBHOOK_SECRET"),
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
    ],
)
def test_invalid_values_name_the_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as error:
        config(tmp_path, **env)
    assert variable in str(error.value)
    assert TOKEN not in str(error.value)
    assert "\n" not in str(error.value)


def test_defaults(tmp_path: Path) -> None:
    loaded = load_config({"BOT_TOKEN": TOKEN}, dotenv=tmp_path / ".env")
    assert loaded.token == TOKEN
    assert loaded.admin_ids == frozenset()
    assert loaded.database_path == Path("eventbot.sqlite3")
    assert loaded.api_url == DEFAULT_API_URL
    assert (loaded.default_language, loaded.log_level) == ("en", "INFO")
    assert TOKEN not in repr(loaded)


def test_values_are_parsed(tmp_path: Path) -> None:
    loaded = load_config(
        {
            "BOT_TOKEN": f"  {TOKEN} ",
            "ADMIN_IDS": "1, 2;3,",
            "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
            "DEFAULT_LANGUAGE": "KO",
            "LOG_LEVEL": "debug",
            "BOT_API_URL": "http://127.0.0.1:8081/bot",
        },
        dotenv=tmp_path / ".env",
    )
    assert loaded.token == TOKEN
    assert loaded.admin_ids == {1, 2, 3}
    assert loaded.database_path == tmp_path / "data" / "bot.sqlite3"
    assert (loaded.default_language, loaded.log_level) == ("ko", "DEBUG")
    assert loaded.api_url == "http://127.0.0.1:8081/bot"
    assert loaded.is_admin(2) and not loaded.is_admin(4) and not loaded.is_admin(None)


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nexport BOT_TOKEN='1:from-file'\nADMIN_IDS=\"7\"\nDEFAULT_LANGUAGE=ru\n",
        encoding="utf-8",
    )
    loaded = load_config({"DEFAULT_LANGUAGE": "ko"}, dotenv=dotenv)
    assert loaded.token == "1:from-file"
    assert loaded.admin_ids == {7}
    assert loaded.default_language == "ko"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), **env}
    return subprocess.run(
        args, cwd=cwd, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def _eventbot() -> list[str]:
    script = Path(sys.executable).parent / "eventbot"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bot"]


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run([*_eventbot(), "run"], {}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_run_with_invalid_value_exits_2_naming_it(tmp_path: Path) -> None:
    env = {"BOT_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "fr", "PYTHONPATH": str(ROOT)}
    result = _run([sys.executable, "-m", "bot", "run"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DEFAULT_LANGUAGE" in lines[0]
    assert TOKEN not in result.stderr


def test_send_rate_and_its_older_name(tmp_path: Path) -> None:
    def rate(**env: str) -> float:
        return load_config({"BOT_TOKEN": TOKEN, **env}, dotenv=tmp_path / ".env").send_rate

    assert rate() == 25.0
    assert rate(BROADCAST_RATE="40") == 40.0
    assert rate(SEND_RATE="12.5") == 12.5
    assert rate(SEND_RATE="12", BROADCAST_RATE="40") == 12.0
