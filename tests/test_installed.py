"""What users run: a wheel built from the checkout, installed (not editable) into a fresh venv
outside the checkout, started from there against the fake Bot API.

The venv is made once per session: the wheel is built from a copy of the tree (so neither
``build/`` leftovers nor a stale ``.mo`` of the checkout can hide a missing file), and its
dependencies come from the package registry (pip's cache makes that quick).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.render.settings import render_welcome
from tests.botprocess import Launcher, bot_process, run_command, terminate, until
from tests.fakebot import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "riac-kf-2021.toml"
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "*.mo",
    "*.sqlite3*",
    ".env",
)
SCRIPTS = {
    "ru": re.compile("[А-Яа-яЁё]"),
    "ko": re.compile("[\uac00-\ud7a3]"),  # Hangul syllables
    "en": re.compile("[A-Za-z]"),
}
FOREIGN = {"en": re.compile("[А-Яа-яЁё\uac00-\ud7a3]")}
"""The English reply must carry no Cyrillic or Hangul (the language names are buttons)."""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    python: Path
    site_packages: Path
    launcher: Launcher


def _run(*argv: str, cwd: Path) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (
        f"{' '.join(argv)} exited with {done.returncode}:\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    return done.stdout


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("installed")
    assert not base.resolve().is_relative_to(ROOT), "the venv must be outside the checkout"
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    wheels = base / "wheels"
    pip = (sys.executable, "-m", "pip")
    _run(*pip, "wheel", "-q", "--no-deps", "--wheel-dir", str(wheels), str(source), cwd=base)
    (wheel,) = wheels.glob("eventbot-*.whl")
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=base)
    python = venv / "bin" / "python"
    _run(*pip, "--python", str(python), "install", "-q", str(wheel), cwd=base)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(_run(str(python), "-P", "-c", purelib, cwd=base).strip())
    # PYTHONSAFEPATH is `python -P` for the console script: nothing is imported from the
    # current folder or the script's; with no PYTHONPATH the checkout cannot be reached.
    isolation: dict[str, str | None] = {
        "PYTHONSAFEPATH": "1",
        "PYTHONPATH": None,
        "PYTHONHOME": None,
        "VIRTUAL_ENV": None,
        "EVENTBOT_LOCALES_DIR": None,
    }
    launcher = Launcher((str(venv / "bin" / "eventbot"),), isolation)
    return Installed(wheel, venv, python, site_packages, launcher)


def _expected_wheel_files() -> set[str]:
    """Every file of the tree that the bot imports or reads at run time, as the wheel names
    it: the modules, the migrations and the catalogs (``locales/`` becomes ``bot/locales/``)."""
    files = {
        path.relative_to(ROOT).as_posix()
        for pattern in ("bot/**/*.py", "storage/**/*.py", "storage/migrations/*.sql")
        for path in ROOT.glob(pattern)
        if "__pycache__" not in path.parts
    }
    files.add("bot/locales/__init__.py")
    files.update(
        "bot/" + path.relative_to(ROOT).as_posix()
        for path in ROOT.glob("locales/*/LC_MESSAGES/messages.po")
    )
    return files


def test_the_wheel_holds_every_file_the_bot_reads(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = {name for name in wheel.namelist() if not name.endswith("/")}
    missing = _expected_wheel_files() - names
    assert not missing, (
        f"not in the wheel: {sorted(missing)} (a new package must be listed in pyproject.toml "
        "[tool.setuptools] packages)"
    )
    shipped = {name for name in names if ".dist-info/" not in name}
    assert shipped == _expected_wheel_files(), sorted(shipped - _expected_wheel_files())
    assert {"en", "ru", "ko"} <= {
        name.split("/")[2] for name in names if name.startswith("bot/locales/") and "/LC_" in name
    }


def test_the_installed_package_is_imported_from_site_packages(
    installed: Installed, tmp_path: Path
) -> None:
    code = "import bot, bot.i18n; print(bot.__file__); print(bot.i18n.locales_dir())"
    module, locales = _run(str(installed.python), "-P", "-c", code, cwd=tmp_path).split()
    assert Path(module) == installed.site_packages / "bot" / "__init__.py"
    assert Path(locales) == installed.site_packages / "bot" / "locales"
    assert "site-packages" in module


async def test_the_installed_eventbot_imports_runs_and_answers_in_each_language(
    fake_api: FakeBotApi, installed: Installed, tmp_path: Path
) -> None:
    api, launcher = fake_api, installed.launcher
    assert not tmp_path.resolve().is_relative_to(ROOT)

    imported = await run_command(api, tmp_path, ["import", str(EXAMPLE)], launcher)
    assert imported.returncode == 0, imported.err
    assert imported.out.startswith("imported riac-kf-2021 (new)"), imported.out

    async with bot_process(api, tmp_path, launcher, LOG_LEVEL="INFO") as process:
        for chat_id, language in ((5001, "ru"), (5002, "ko"), (5003, "en")):
            api.inject_message(chat_id, "/start", language_code=language)
            reply = await until(process, api.wait_for_message(chat_id, timeout=30))
            text = reply.params["text"]
            assert text == render_welcome(language, translator(language)).text
            assert SCRIPTS[language].search(text), (language, text)
            assert not (language in FOREIGN and FOREIGN[language].search(text)), text
        output = await terminate(process)
    assert process.returncode == 0, output[-3000:]

    doctor = await run_command(api, tmp_path, ["doctor"], launcher)
    assert doctor.returncode == 0, doctor.out + doctor.err
    catalogs = installed.site_packages / "bot" / "locales"
    for language in ("en", "ru", "ko"):
        source = catalogs / language / "LC_MESSAGES" / "messages.po"
        assert f"OK   catalog {language}: {source} loads, all " in doctor.out, doctor.out
    assert "OK   database:" in doctor.out and "all checks passed" in doctor.out
    # the chart font came with the dependencies, into this venv
    font = installed.site_packages / "pylopdf_fonts_ko" / "NotoSansKR-Regular.otf"
    assert f"OK   chart font: Noto Sans KR ({font}) has Latin, Cyrillic, Hangul" in doctor.out
