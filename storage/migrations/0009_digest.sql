-- Digests (issue 9 §1): broadcasts of several messages per recipient, in order, through the
-- same outbox (still one row per recipient), and an event's automatic digest.
--
-- 1. The part cursor: the message (0-based) a row sends next. After each message but the
-- last one the row goes back to 'pending' with part + 1 and a retry_at one chat's pace
-- later; a row is in one state at a time, so a chat never has two parts in flight.
ALTER TABLE broadcast_outbox ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
--
-- 2. Messages delivered by a broadcast (every successful send recorded), kept by the sender
-- in the transactions that record outcomes: recipients and messages differ for a digest.
ALTER TABLE broadcasts ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
UPDATE broadcasts SET messages = (
    SELECT COUNT(*) FROM broadcast_outbox o
    WHERE o.broadcast_id = broadcasts.id AND o.state = 'sent'
);
--
-- 3. The queue index holds the fresh rows only; rows waiting for a retry_at (a retry, or a
-- digest's next part) are in broadcast_outbox_retry. A claim takes the due ones from that
-- index and fresh ones from this one, and never walks past thousands of rows whose next part
-- is not due yet.
DROP INDEX broadcast_outbox_queue;
CREATE INDEX broadcast_outbox_queue ON broadcast_outbox (broadcast_id, id)
    WHERE state = 'pending' AND retry_at IS NULL;
--
-- 4. An event may ask for its digest some time after its end (digest = "2h" in its file):
-- seconds after the end; the scheduled broadcast exists once per event.
ALTER TABLE events ADD COLUMN digest_after INTEGER;
ALTER TABLE broadcasts ADD COLUMN digest_after INTEGER;
CREATE UNIQUE INDEX broadcasts_digest ON broadcasts (event_id) WHERE digest_after IS NOT NULL;
