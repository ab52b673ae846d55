"""Telegram handlers: thin, they read the update, check rights, call the domain and send."""
