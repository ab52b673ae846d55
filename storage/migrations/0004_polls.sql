-- Running polls: where each poll was sent, the votes it got, and event ratings.
-- A poll (table polls, 0002) is sent as one native Telegram poll per chat: an "instance".
CREATE TABLE poll_status (
    poll_id      TEXT PRIMARY KEY REFERENCES polls (id) ON DELETE CASCADE,
    started_at   TEXT,
    closed_at    TEXT,
    published_at TEXT,
    -- the broadcast that stops every instance (stopPoll), once the poll is closed
    stop_broadcast_id INTEGER
) WITHOUT ROWID;
CREATE TABLE poll_instances (
    telegram_poll_id TEXT    PRIMARY KEY,
    poll_id          TEXT    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    chat_id          INTEGER NOT NULL,
    chat_type        TEXT    NOT NULL DEFAULT 'private',
    message_id       INTEGER NOT NULL,
    language         TEXT    NOT NULL,
    sent_at          TEXT    NOT NULL,
    closed           INTEGER NOT NULL DEFAULT 0,
    -- 1 once the counts below were replaced by the final Poll that stopPoll returned; from
    -- then on they are the instance's result, whatever the stored per-user votes say.
    final            INTEGER NOT NULL DEFAULT 0,
    -- total_voter_count from the latest poll update (anonymous polls) or from stopPoll
    voters           INTEGER NOT NULL DEFAULT 0,
    -- update_id of the poll update that set the counts: an older update never overwrites
    counts_update_id INTEGER NOT NULL DEFAULT 0
);
-- Normally one instance per chat; a resend after a crash can add a second one.
CREATE INDEX poll_instances_chat ON poll_instances (poll_id, chat_id);
CREATE TABLE poll_instance_counts (
    telegram_poll_id TEXT    NOT NULL REFERENCES poll_instances (telegram_poll_id)
                                      ON DELETE CASCADE,
    option_index     INTEGER NOT NULL,
    voter_count      INTEGER NOT NULL,
    PRIMARY KEY (telegram_poll_id, option_index)
) WITHOUT ROWID;
-- Non-anonymous polls: each voter's current choice per instance, as a bit mask of option
-- indexes (bit i = option i; 0 = the vote was retracted, kept so an older answer handled
-- late cannot resurrect it). update_id orders answers handled out of order.
CREATE TABLE poll_votes (
    telegram_poll_id TEXT    NOT NULL REFERENCES poll_instances (telegram_poll_id)
                                      ON DELETE CASCADE,
    voter_id         INTEGER NOT NULL,
    options_mask     INTEGER NOT NULL,
    update_id        INTEGER NOT NULL,
    voted_at         TEXT    NOT NULL,
    PRIMARY KEY (telegram_poll_id, voter_id)
) WITHOUT ROWID;
-- Event ratings: one per user and event, 1 to 5 stars, changeable.
CREATE TABLE event_ratings (
    event_id TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    stars    INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated_at TEXT    NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
-- Events whose "Rate this event" prompt was sent after they ended (sent once).
CREATE TABLE rating_offers (
    event_id   TEXT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    offered_at TEXT NOT NULL
) WITHOUT ROWID;
