"""SQLite storage for eventbot: connection, migrations and one repository per aggregate.

Nothing in this package knows about Telegram.
"""
