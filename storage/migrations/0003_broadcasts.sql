-- Broadcasts and their outbox: one row per broadcast, one outbox row per recipient.
-- state: draft (waiting for the admin's Confirm), scheduled, running, done, cancelled.
-- kind/payload say what to send (see bot/broadcast/kinds.py); audience is the JSON filter
-- used when the recipients are chosen (at confirmation, or when a scheduled one fires).
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT    NOT NULL,
    payload             TEXT    NOT NULL,
    title               TEXT    NOT NULL,
    audience            TEXT    NOT NULL DEFAULT '{}',
    state               TEXT    NOT NULL,
    created_by          INTEGER,
    admin_language      TEXT,
    created_at          TEXT    NOT NULL,
    scheduled_at        TEXT,
    started_at          TEXT,
    finished_at         TEXT,
    total               INTEGER NOT NULL DEFAULT 0,
    progress_chat_id    INTEGER,
    progress_message_id INTEGER,
    event_id            TEXT,
    reminder_offset     INTEGER
);
CREATE INDEX broadcasts_state ON broadcasts (state, scheduled_at);
-- A reminder from event content exists once per (event, offset before the start).
CREATE UNIQUE INDEX broadcasts_reminder ON broadcasts (event_id, reminder_offset)
    WHERE reminder_offset IS NOT NULL;
-- state: pending, sending (claimed by the sender; re-sent after a crash), sent, blocked,
-- failed, cancelled. retry_at delays a pending row after a transient error.
CREATE TABLE broadcast_outbox (
    id           INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    chat_id      INTEGER NOT NULL,
    chat_type    TEXT    NOT NULL DEFAULT 'private',
    language     TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    -- of which answered 429 (they do not count against the retry limit for errors)
    throttled    INTEGER NOT NULL DEFAULT 0,
    retry_at     TEXT,
    message_id   INTEGER,
    error        TEXT,
    data         TEXT,
    done_at      TEXT
);
-- The sender's queue: only pending rows are indexed, so a row leaves the index when it is
-- claimed and later state changes touch no index.
CREATE INDEX broadcast_outbox_queue ON broadcast_outbox (broadcast_id, id) WHERE state = 'pending';
-- Pending rows waiting to be retried (after a 429 or a network error), for the next wake-up.
CREATE INDEX broadcast_outbox_retry ON broadcast_outbox (broadcast_id, retry_at)
    WHERE state = 'pending' AND retry_at IS NOT NULL;
-- One row per chat and broadcast: a chat never gets the same broadcast twice.
CREATE UNIQUE INDEX broadcast_outbox_chat ON broadcast_outbox (broadcast_id, chat_id);
