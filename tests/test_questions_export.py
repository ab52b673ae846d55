"""``eventbot export-questions EVENT_ID [--out FILE]``: CSV with a header, UTF-8."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.questions import question_key
from storage.db import Database
from storage.events import EventRepository
from storage.question_votes import Press, QuestionVoteRepository
from storage.questions import APPROVED, PENDING, Action, NewQuestion, QuestionRepository
from tests.sample_events import round_table

EVENT = "riac-kf-2021"


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("BOT_", "DATABASE_", "MODERATOR_", "QA_")):
            monkeypatch.delenv(name)
    path = tmp_path / "eventbot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(path))

    async def fill() -> None:
        db = await Database.open(path)
        await EventRepository(db).save(round_table(EVENT))
        repo = QuestionRepository(db)
        texts = [("lee", 11, "Корея и Россия: что дальше?"), (None, 12, "=HYPERLINK(\"x\")"),
                 (None, 13, 'Quotes "and", commas\nand lines')]  # fmt: skip
        for speaker, author, text in texts:
            await repo.ask(
                NewQuestion(EVENT, speaker, author, "A", "ru", text, question_key(text)),
                max_pending=3,
            )
        await repo.moderate(1, Action.APPROVE, PENDING, 9001)
        await QuestionVoteRepository(db).toggle_votes([Press(EVENT, 1, 20), Press(EVENT, 1, 21)])
        await repo.moderate(1, Action.ANSWER, APPROVED, 9001)
        await repo.moderate(2, Action.REJECT, PENDING, 9001)
        await db.close()

    asyncio.run(fill())
    return path


def test_export_to_a_file(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = database.parent / "questions.csv"
    assert main(["export-questions", EVENT, "--out", str(out)]) == 0
    assert f"exported 3 questions of {EVENT} to {out}" in capsys.readouterr().out
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0] == ["id", "speaker", "text", "author_id", "status", "upvotes", "asked_at",
                       "answered_at"]  # fmt: skip
    first, second, third = rows[1:]
    assert first[:6] == ["1", "Geun Lee", "Корея и Россия: что дальше?", "11", "answered", "2"]
    assert first[6].endswith("+00:00") and first[7] >= first[6]
    assert second[1:6] == ["", '\'=HYPERLINK("x")', "12", "rejected", "0"]  # no formula
    assert third[2] == 'Quotes "and", commas\nand lines' and third[4] == "pending"
    assert third[7] == ""


def test_export_to_stdout_and_refusals(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-questions", EVENT]) == 0
    text = capsys.readouterr().out
    assert text.startswith("id,speaker,text,author_id,status,upvotes,asked_at,answered_at")
    assert "Корея и Россия" in text
    assert main(["export-questions", "nope"]) == 1
    assert "there is no event 'nope'" in capsys.readouterr().err
    database.unlink()
    assert main(["export-questions", EVENT]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not database.exists()
