"""The bot's commands with their descriptions, for the command menu and /help."""

from __future__ import annotations

from bot.i18n import Translator


def N_(message: str) -> str:
    """Mark a message for the catalogs; it is translated later, per reader."""
    return message


SUBSCRIBER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Subscribe to event announcements")),
    ("events", N_("Upcoming and recent events")),
    ("language", N_("Change the language")),
    ("topics", N_("Choose the topics you follow")),
    ("follow", N_("Get an event's live messages")),
    ("unfollow", N_("Stop an event's live messages")),
    ("stop", N_("Unsubscribe (your settings are kept)")),
    ("ask", N_("Ask a speaker a question")),
    ("questions", N_("The audience's questions to an event")),
    ("forget", N_("Delete everything stored about you")),
    ("help", N_("What the bot can do")),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("announce", N_("Send an event card to all subscribers")),
    ("digest", N_("Send an event's summary of the discussion")),
    ("broadcast", N_("Send a message to subscribers")),
    ("broadcasts", N_("Recent broadcasts and their progress")),
    ("cancel_broadcast", N_("Stop a running broadcast")),
    ("schedule", N_("Schedule a broadcast")),
    ("poll", N_("Create a poll")),
    ("startpoll", N_("Send a poll to subscribers")),
    ("results", N_("Show poll results")),
    ("closepoll", N_("Close a poll")),
    ("publish_results", N_("Send poll results to subscribers")),
    ("rate", N_("Ask subscribers to rate an event")),
    ("live", N_("Run the live mode of an event")),
    ("stats", N_("Subscriber statistics; /stats EVENT_ID for one event")),
    ("addchannel", N_("Connect a channel")),
    ("removechannel", N_("Disconnect a channel")),
)


def commands(t: Translator, *, admin: bool = False) -> list[tuple[str, str]]:
    """``(command, description)`` pairs in ``t``'s language; admins get theirs too."""
    listed = SUBSCRIBER_COMMANDS + (ADMIN_COMMANDS if admin else ())
    return [(command, t._(description)) for command, description in listed]


def render_help(t: Translator, *, admin: bool = False) -> str:
    lines = [
        t._("I announce expert events and send each speaker's summary, polls and ratings."),
        t._(
            "Open an event card to read about the speakers, switch its language, add it to "
            "your calendar or share it."
        ),
        "",
    ]
    lines += [f"/{command} — {description}" for command, description in commands(t)]
    if admin:
        lines += ["", "<b>" + t._("Admin commands") + "</b>"]
        lines += [f"/{command} — {t._(description)}" for command, description in ADMIN_COMMANDS]
    return "\n".join(lines)
