"""Group -1: choose the language of each update before any handler runs."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.deps import AnyApp, deps
from bot.i18n import default_language, normalize_language, set_current_language


async def choose_language(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stored preference of the chat (or of the user, for chat-less updates such as
    poll answers and inline queries), then the user's Telegram ``language_code``, then
    ``DEFAULT_LANGUAGE``."""
    language: str | None = None
    if isinstance(update, Update):
        languages = deps(context).languages
        chat = update.effective_chat
        user = update.effective_user
        if chat is not None:
            language = await languages.stored(chat.id)
        elif user is not None:
            language = await languages.stored(user.id)
        if language is None and user is not None:
            language = normalize_language(user.language_code)
    set_current_language(language or default_language())


class LanguageStep(TypeHandler[object, ContextTypes.DEFAULT_TYPE, None]):
    """Matches every update except votes (``poll_answer``, ``poll``): they get no reply and
    arrive by thousands, so a lookup (a database read for each new voter) would cost more
    than storing the vote itself."""

    def check_update(self, update: object) -> bool:
        if isinstance(update, Update) and (
            update.poll_answer is not None or update.poll is not None
        ):
            return False
        return super().check_update(update)


def register(application: AnyApp) -> None:
    application.add_handler(LanguageStep(object, choose_language, block=True), group=-1)
