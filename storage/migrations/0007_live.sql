-- Live mode during an event: who follows it, the live sessions an admin runs, and what each
-- session sent (so that a control button fires once, across restarts too).
--
-- A follow belongs to a chat (a person's private chat, or a group its administrators made
-- follow). language is the chat's language when it followed; a subscriber's current
-- language wins when messages go out. active = 0: the chat blocked the bot (403).
CREATE TABLE live_follows (
    event_id    TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    chat_type   TEXT    NOT NULL DEFAULT 'private',
    language    TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    followed_at TEXT    NOT NULL,
    PRIMARY KEY (event_id, chat_id)
) WITHOUT ROWID;
CREATE INDEX live_follows_chat ON live_follows (chat_id);
-- One session from /live to End live; at most one open (ended_at NULL) per event.
-- current_speaker: the key of the speaker last announced as speaking.
CREATE TABLE live_sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    started_by      INTEGER,
    started_at      TEXT    NOT NULL,
    ended_at        TEXT,
    current_speaker TEXT
);
CREATE UNIQUE INDEX live_sessions_open ON live_sessions (event_id) WHERE ended_at IS NULL;
-- action: 'say:<speaker key>' (now speaking), 'sum:<speaker key>' (summary), 'end'.
-- payloads: the JSON list of the message's parts ("rendered" payloads, in order);
-- broadcasts: the JSON list of the broadcasts started so far, one per part (a part goes out
-- once the previous one is finished, so each follower reads them in order).
CREATE TABLE live_sends (
    session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    action     TEXT    NOT NULL,
    sent_by    INTEGER,
    sent_at    TEXT    NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0,
    payloads   TEXT    NOT NULL DEFAULT '[]',
    broadcasts TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (session_id, action)
) WITHOUT ROWID;
