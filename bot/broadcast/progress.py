"""The admin's progress message: edited every few seconds, then the final report."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot.broadcast import texts
from bot.i18n import default_language, translator
from bot.keyboards import markup

if TYPE_CHECKING:
    from bot.broadcast.engine import BroadcastEngine
    from bot.broadcast.runner import Runner

log = logging.getLogger(__name__)
WINDOW = 20.0
"""Seconds of history the rate is measured over."""


class Progress:
    def __init__(self, engine: BroadcastEngine, runner: Runner) -> None:
        self.engine = engine
        self.runner = runner
        self.row = runner.row
        self.t = translator(self.row.admin_language or default_language())
        self.chat_id = self.row.progress_chat_id
        self.message_id = self.row.progress_message_id
        self._samples: deque[tuple[float, int]] = deque()
        self._last_text = ""

    async def run(self) -> None:
        """Edit the message every ``engine.progress_interval`` seconds until cancelled."""
        if self.chat_id is None:
            return
        await self._ensure_message()
        while True:
            await self.update()
            await asyncio.sleep(self.engine.progress_interval)

    def speed(self) -> texts.Speed | None:
        """Messages per second (for a digest, its messages rather than its recipients)."""
        now = time.monotonic()
        runner = self.runner
        done = runner.figures.done
        total = runner.total
        if runner.messages_total is not None:
            done, total = runner.figures.messages, runner.messages_total
        self._samples.append((now, done))
        while len(self._samples) > 2 and self._samples[0][0] < now - WINDOW:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        if now - first_time < 0.5 or done <= first_done:
            return None
        rate = (done - first_done) / (now - first_time)
        remaining = max(total - done, 0)
        return texts.Speed(rate, remaining / rate if rate > 0 else None)

    async def update(self) -> None:
        rendered = texts.progress(
            self.t,
            self.row,
            self.runner.figures,
            self.runner.total,
            self.speed(),
            messages_total=self.runner.messages_total,
        )
        if rendered.text == self._last_text:
            return
        if await self._edit(rendered.text, markup(rendered)):
            self._last_text = rendered.text

    async def finish(self, cancelled: bool) -> None:
        """Last edit of the progress message, then the final report as a new message."""
        if self.chat_id is None:
            return
        figures = self.runner.figures
        messages = self.runner.messages_total
        await self._edit(
            texts.finished_progress(self.t, self.row, figures, cancelled, messages), None
        )
        try:
            await self._bot().send_message(
                self.chat_id,
                texts.final_report(self.t, self.row, figures, cancelled, messages),
                reply_parameters=None
                if self.message_id is None
                else ReplyParameters(self.message_id, allow_sending_without_reply=True),
            )
        except TelegramError as error:
            log.warning("broadcast %s: final report not sent: %s", self.row.id, error)

    def _bot(self) -> Bot:
        return self.engine.require_bot()

    async def _ensure_message(self) -> None:
        """A scheduled broadcast reports in a new message when it fires."""
        if self.message_id is not None or self.chat_id is None:
            return
        rendered = texts.progress(
            self.t,
            self.row,
            self.runner.figures,
            self.runner.total,
            None,
            messages_total=self.runner.messages_total,
        )
        try:
            message = await self._bot().send_message(
                self.chat_id, rendered.text, reply_markup=markup(rendered)
            )
        except TelegramError as error:
            log.warning("broadcast %s: progress message not sent: %s", self.row.id, error)
            self.chat_id = None
            return
        self.message_id = message.message_id
        self._last_text = rendered.text
        await self.engine.repo.set_progress_message(self.row.id, self.chat_id, self.message_id)

    async def _edit(self, text: str, keyboard: InlineKeyboardMarkup | None) -> bool:
        if self.chat_id is None or self.message_id is None:
            return False
        try:
            await self._bot().edit_message_text(
                text,
                chat_id=self.chat_id,
                message_id=self.message_id,
                reply_markup=keyboard,
            )
        except RetryAfter:
            return False  # the next tick will try again
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.warning("broadcast %s: progress not edited: %s", self.row.id, error)
            return False
        except TelegramError as error:
            log.warning("broadcast %s: progress not edited: %s", self.row.id, error)
            return False
        return True
