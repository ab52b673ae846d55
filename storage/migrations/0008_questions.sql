-- Audience questions to an event's speakers (or to everyone), their moderation and upvotes.
CREATE TABLE questions (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- the speaker asked (a speaker_key of the event); NULL: everyone. No foreign key: a
    -- re-import rewrites the speakers' rows, and the questions must outlive that.
    speaker_key  TEXT,
    author_id    INTEGER NOT NULL,
    -- the asker's first name as Telegram gave it, for the moderators
    author_name  TEXT    NOT NULL,
    -- the asker's language when asking: their notices, if they have no stored language
    language     TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    -- the text folded (case, runs of spaces): one author cannot ask the same thing twice
    text_key     TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'approved', 'rejected', 'answered')),
    -- always COUNT(*) of the question's rows in question_votes: kept by the triggers below
    upvotes      INTEGER NOT NULL DEFAULT 0,
    asked_at     TEXT    NOT NULL,
    moderated_by INTEGER,
    moderated_at TEXT,
    answered_at  TEXT
);
CREATE UNIQUE INDEX questions_author_text ON questions (event_id, author_id, text_key);
CREATE INDEX questions_ranking ON questions (event_id, status, upvotes DESC, id);
CREATE INDEX questions_author ON questions (author_id);
-- One upvote per user and question; pressing again removes it.
CREATE TABLE question_votes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    voted_at    TEXT    NOT NULL,
    PRIMARY KEY (question_id, user_id)
) WITHOUT ROWID;
CREATE INDEX question_votes_user ON question_votes (user_id);
CREATE TRIGGER question_votes_added AFTER INSERT ON question_votes BEGIN
    UPDATE questions SET upvotes = upvotes + 1 WHERE id = NEW.question_id;
END;
CREATE TRIGGER question_votes_removed AFTER DELETE ON question_votes BEGIN
    UPDATE questions SET upvotes = upvotes - 1 WHERE id = OLD.question_id;
END;
-- Authors a moderator blocked ("Reject and block") from asking more about an event.
CREATE TABLE question_bans (
    event_id  TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    banned_by INTEGER NOT NULL,
    banned_at TEXT    NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
