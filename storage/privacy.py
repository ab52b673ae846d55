"""``/forget``: delete what is stored about a chat (and, for a private chat, its user)."""

from __future__ import annotations

from storage.db import Database


async def forget_chat(db: Database, chat_id: int, user_id: int | None) -> None:
    """In one transaction: the subscription (topics go by cascade) and the chat's follows of
    events (live mode); with ``user_id`` also the user's poll votes, event ratings, engagement
    records, questions (with the votes they got) and question upvotes (the counts they were
    part of drop: triggers of migration 0008); and messages still waiting for this chat in a
    broadcast outbox are cancelled, so nothing more is sent there (a row being sent too: its
    outcome is then not recorded, so a digest's next part never follows).

    A group's ``/forget`` passes no ``user_id``: the admin asked to forget the group, not
    their own votes.
    """
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
        await conn.execute("DELETE FROM live_follows WHERE chat_id = ?", (chat_id,))
        if user_id is not None:
            await conn.execute("DELETE FROM poll_votes WHERE voter_id = ?", (user_id,))
            await conn.execute("DELETE FROM event_ratings WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM engagement WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM question_votes WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM questions WHERE author_id = ?", (user_id,))
        # Through (broadcast_id, chat_id) of the broadcasts that may still send, not a scan
        # of every outbox row ever written.
        await conn.execute(
            "UPDATE broadcast_outbox SET state = 'cancelled' WHERE broadcast_id IN"
            " (SELECT id FROM broadcasts WHERE state IN ('scheduled', 'queuing', 'running'))"
            " AND chat_id = ? AND state IN ('pending', 'sending')",
            (chat_id,),
        )
