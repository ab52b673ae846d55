"""Domain code: plain async functions and classes over storage; no Telegram types, no SQL."""
