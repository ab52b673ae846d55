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
"""``ql:<event>:<lang>``: send the audience's ranked list (the board) in that language."""
PAGE_PREFIX = "qp"
"""``qp:<event>:<page>:<lang>``: turn the board's page, in place."""
VOTE_PREFIX = "qv"
"""``qv:<event>:<question id>:<page>:<lang>``: toggle the presser's 👍, show that page.

The board's buttons carry its language, as the speaker pages' do: in a group, everyone's
presses edit one message, which must not switch to each presser's language."""


def ask_buttons(event: Event, t: Translator) -> tuple[Button, ...]:
    """❓ Ask a question and ❔ Questions: the row the event card gets."""
    return (
        Button("❓ " + t._("Ask a question"), callback_data=callbacks.encode(ASK_PREFIX, event.id)),
        Button(
            "❔ " + t._("Questions"),
            callback_data=callbacks.encode(BOARD_PREFIX, event.id, t.language),
        ),
    )
