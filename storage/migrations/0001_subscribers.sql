-- Subscribers: one row per chat (a private chat, a group or a channel).
CREATE TABLE subscribers (
    chat_id    INTEGER PRIMARY KEY,
    user_id    INTEGER,
    chat_type  TEXT    NOT NULL DEFAULT 'private',
    title      TEXT,
    language   TEXT    NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    joined_at  TEXT    NOT NULL,
    left_at    TEXT
);
CREATE INDEX subscribers_active_language ON subscribers (active, language);
CREATE TABLE subscriber_topics (
    chat_id INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic   TEXT    NOT NULL,
    PRIMARY KEY (chat_id, topic)
) WITHOUT ROWID;
