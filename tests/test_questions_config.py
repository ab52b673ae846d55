"""MODERATOR_IDS and QA_CHAT_ID: optional, validated, naming the variable; who moderates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

TOKEN = "123456:ABC-def"


def test_moderators_and_qa_chat(tmp_path: Path) -> None:
    none = load_config({"BOT_TOKEN": TOKEN}, dotenv=tmp_path / ".env")
    assert none.moderator_ids == frozenset() and none.qa_chat_id is None
    config = load_config(
        {"BOT_TOKEN": TOKEN, "ADMIN_IDS": "1", "MODERATOR_IDS": " 5, 6 ;7 ",
         "QA_CHAT_ID": " -1001234567890 "},
        dotenv=tmp_path / ".env",
    )  # fmt: skip
    assert config.moderator_ids == frozenset({5, 6, 7})
    assert config.qa_chat_id == -1001234567890
    assert [config.is_moderator(u) for u in (1, 5, 8, None)] == [True, True, False, False]
    assert [config.is_trusted(u) for u in (1, 7, 8)] == [True, True, False]
    assert not config.is_admin(5)


@pytest.mark.parametrize(
    ("env", "variable"),
    [({"MODERATOR_IDS": "5, five"}, "MODERATOR_IDS"), ({"QA_CHAT_ID": "@group"}, "QA_CHAT_ID")],
)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config({"BOT_TOKEN": TOKEN, **env}, dotenv=tmp_path / ".env")
    assert str(error.value).startswith(f"{variable}:")
