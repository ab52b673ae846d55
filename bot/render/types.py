"""What a renderer returns: HTML text plus a description of the inline keyboard.

No Telegram types here, so rendering stays pure and a rendered message can be stored as JSON
(a broadcast keeps one per language in its outbox).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    switch_inline_query: str | None = None
    """Opens inline mode in a chat the user picks, with this query (the Share button)."""


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[asdict(button) for button in row] for row in self.buttons],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rendered:
        return cls(
            text=str(data["text"]),
            buttons=tuple(
                tuple(Button(**button) for button in row) for row in data.get("buttons", [])
            ),
        )
