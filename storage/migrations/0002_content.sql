-- Event content imported from files: events, speakers with summaries, polls.
-- Every text is stored per language; a language missing here falls back to the owner's
-- default_language when read.
CREATE TABLE events (
    id               TEXT PRIMARY KEY,
    default_language TEXT NOT NULL,
    timezone         TEXT NOT NULL,
    starts_at        TEXT NOT NULL,
    ends_at          TEXT,
    link             TEXT,
    topics           TEXT NOT NULL DEFAULT '',
    reminders        TEXT NOT NULL DEFAULT '',
    imported_at      TEXT NOT NULL
);
CREATE INDEX events_starts_at ON events (starts_at);
CREATE TABLE event_texts (
    event_id           TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    language           TEXT NOT NULL,
    title              TEXT,
    format             TEXT,
    description        TEXT,
    moderator_name     TEXT,
    moderator_position TEXT,
    PRIMARY KEY (event_id, language)
) WITHOUT ROWID;
CREATE TABLE event_organisers (
    event_id TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    language TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    PRIMARY KEY (event_id, ordinal, language)
) WITHOUT ROWID;
CREATE TABLE speakers (
    event_id    TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    speaker_key TEXT    NOT NULL,
    ordinal     INTEGER NOT NULL,
    PRIMARY KEY (event_id, speaker_key)
) WITHOUT ROWID;
CREATE TABLE speaker_texts (
    event_id    TEXT NOT NULL,
    speaker_key TEXT NOT NULL,
    language    TEXT NOT NULL,
    name        TEXT,
    position    TEXT,
    role        TEXT,
    PRIMARY KEY (event_id, speaker_key, language),
    FOREIGN KEY (event_id, speaker_key) REFERENCES speakers (event_id, speaker_key) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE summary_points (
    event_id    TEXT    NOT NULL,
    speaker_key TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    ordinal     INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    PRIMARY KEY (event_id, speaker_key, language, ordinal),
    FOREIGN KEY (event_id, speaker_key) REFERENCES speakers (event_id, speaker_key) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE polls (
    id               TEXT PRIMARY KEY,
    event_id         TEXT REFERENCES events (id) ON DELETE SET NULL,
    ordinal          INTEGER NOT NULL DEFAULT 0,
    default_language TEXT    NOT NULL,
    multiple_answers INTEGER NOT NULL DEFAULT 0,
    anonymous        INTEGER NOT NULL DEFAULT 0,
    hide_results     INTEGER NOT NULL DEFAULT 0,
    closes_at        TEXT,
    created_at       TEXT    NOT NULL
);
CREATE TABLE poll_texts (
    poll_id  TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    question TEXT NOT NULL,
    PRIMARY KEY (poll_id, language)
) WITHOUT ROWID;
CREATE TABLE poll_options (
    poll_id  TEXT    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    language TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    PRIMARY KEY (poll_id, ordinal, language)
) WITHOUT ROWID;
