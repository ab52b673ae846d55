-- What the audience did with an event (/stats EVENT_ID): an append-only log, written in
-- batches (bot/services/engagement.py). kind: 'open' (a card sent on request), 'speaker'
-- (detail: the speaker's key; source: 'card', 'digest' or 'live'), 'language' (a card
-- switched to another language; detail: that language), 'calendar' (an .ics download).
-- No foreign keys: a record costs one index insert, and stats of an event deleted from the
-- content are simply not asked for.
CREATE TABLE engagement (
    id       INTEGER PRIMARY KEY,
    event_id TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    user_id  INTEGER NOT NULL,
    detail   TEXT    NOT NULL DEFAULT '',
    source   TEXT    NOT NULL DEFAULT '',
    at       TEXT    NOT NULL
);
-- Every figure of /stats EVENT_ID is a GROUP BY over this index alone (it covers the query).
CREATE INDEX engagement_event ON engagement (event_id, kind, detail, user_id);
-- /forget deletes a user's rows.
CREATE INDEX engagement_user ON engagement (user_id);
-- The broadcasts of an event (announcements, reminders, digests, rating prompts) by their
-- event_id, which 0003 set for reminders only and which every broadcast made for an event
-- now carries. Older ones are linked where their payload still names the event (event cards
-- not sent yet, rating prompts); sent announcements were rendered, name none, stay unlinked.
CREATE INDEX broadcasts_event ON broadcasts (event_id) WHERE event_id IS NOT NULL;
UPDATE broadcasts SET event_id = json_extract(payload, '$.event_id')
    WHERE event_id IS NULL AND kind IN ('event', 'rating_prompt') AND json_valid(payload)
    AND json_type(payload, '$.event_id') = 'text';
