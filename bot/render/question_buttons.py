"""The callback prefixes of audience questions and the row the event card gets. Pure.

Apart from :mod:`bot.render.questions` so that the event card can carry the row without an
import cycle (that module shortens texts with the card's helper).
"""

from __future__ import annotations

from bot import callbacks
from bot.i18n import Translator
from bot.render.types import Button
from storage.models import Event

ASK_PREFIX = "qa"
"""``qa:<event>``: whom do you want to ask?"""
TARGET_PREFIX = "qt"
"""``qt:<event>:<speaker index>`` (``-1``: everyone): then the prompt for the text."""
BOARD_PREFIX = "ql"
"""``ql:<event>`` sends the audience's ranked list; ``ql:<event>:<page>`` turns its page."""
VOTE_PREFIX = "qv"
"""``qv:<event>:<question id>:<page>``: toggle the presser's 👍, then show that page."""


def ask_buttons(event: Event, t: Translator) -> tuple[Button, ...]:
    """❓ Ask a question and ❔ Questions: the row the event card gets."""
    return (
        Button("❓ " + t._("Ask a question"), callback_data=callbacks.encode(ASK_PREFIX, event.id)),
        Button("❔ " + t._("Questions"), callback_data=callbacks.encode(BOARD_PREFIX, event.id)),
    )
