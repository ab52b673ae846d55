"""eventbot: the Telegram side of the bot (handlers, rendering, sending)."""
