"""Event content files (TOML): parsing and validation, pure; and importing them into storage.

The format is described in README.md ("Event content"); ``examples/riac-kf-2021.toml`` is the
complete seed event.
"""

from bot.content.importer import Imported, import_files
from bot.content.parser import parse_event
from bot.content.problems import ContentError
from bot.content.rules import MAX_FILE_SIZE

__all__ = ["MAX_FILE_SIZE", "ContentError", "Imported", "import_files", "parse_event"]
