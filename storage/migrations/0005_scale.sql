-- A million subscribers: /stats and the broadcast preview count them without reading them,
-- and a broadcast's figures come from an index instead of its outbox rows.
--
-- 1. Each subscriber's topics also as a bit mask, subscribers.topic_mask (bit numbers in
-- topic_bits: one per topic ever stored, up to 63), kept equal to subscriber_topics (which
-- stays the source of truth) by the triggers below.
CREATE TABLE topic_bits (
    topic TEXT    PRIMARY KEY,
    bit   INTEGER NOT NULL UNIQUE CHECK (bit BETWEEN 0 AND 62)
) WITHOUT ROWID;
INSERT INTO topic_bits (topic, bit) VALUES ('business', 0), ('researchers', 1), ('students', 2);
INSERT INTO topic_bits (topic, bit)
    SELECT topic, 2 + ROW_NUMBER() OVER (ORDER BY topic)
    FROM (SELECT DISTINCT topic FROM subscriber_topics
          WHERE topic NOT IN ('business', 'researchers', 'students'))
    LIMIT 60;
ALTER TABLE subscribers ADD COLUMN topic_mask INTEGER NOT NULL DEFAULT 0;
UPDATE subscribers SET topic_mask = (
    SELECT COALESCE(SUM(1 << b.bit), 0) FROM subscriber_topics t
    JOIN topic_bits b ON b.topic = t.topic WHERE t.chat_id = subscribers.chat_id
) WHERE chat_id IN (SELECT chat_id FROM subscriber_topics);
-- A topic stored for the first time gets the next free bit (while there is one). The updates
-- skip chats whose mask is right already (subscribers added with it, cascades).
CREATE TRIGGER subscriber_topics_added AFTER INSERT ON subscriber_topics
BEGIN
    INSERT INTO topic_bits (topic, bit)
        SELECT NEW.topic, (SELECT COALESCE(MAX(bit) + 1, 0) FROM topic_bits)
        WHERE NOT EXISTS (SELECT 1 FROM topic_bits WHERE topic = NEW.topic)
          AND (SELECT COUNT(*) FROM topic_bits) < 63;
    UPDATE subscribers
        SET topic_mask = topic_mask | (SELECT 1 << bit FROM topic_bits WHERE topic = NEW.topic)
        WHERE chat_id = NEW.chat_id
          AND topic_mask & (SELECT 1 << bit FROM topic_bits WHERE topic = NEW.topic) = 0;
END;
CREATE TRIGGER subscriber_topics_removed AFTER DELETE ON subscriber_topics
BEGIN
    UPDATE subscribers
        SET topic_mask = topic_mask & ~(SELECT 1 << bit FROM topic_bits WHERE topic = OLD.topic)
        WHERE chat_id = OLD.chat_id
          AND topic_mask & (SELECT 1 << bit FROM topic_bits WHERE topic = OLD.topic) != 0;
END;
-- (ON UPDATE CASCADE from subscribers.chat_id lands here too: the mask moved with the row.)
CREATE TRIGGER subscriber_topics_changed AFTER UPDATE OF chat_id, topic ON subscriber_topics
BEGIN
    UPDATE subscribers
        SET topic_mask = topic_mask & ~(SELECT 1 << bit FROM topic_bits WHERE topic = OLD.topic)
        WHERE chat_id = OLD.chat_id
          AND topic_mask & (SELECT 1 << bit FROM topic_bits WHERE topic = OLD.topic) != 0;
    INSERT INTO topic_bits (topic, bit)
        SELECT NEW.topic, (SELECT COALESCE(MAX(bit) + 1, 0) FROM topic_bits)
        WHERE NOT EXISTS (SELECT 1 FROM topic_bits WHERE topic = NEW.topic)
          AND (SELECT COUNT(*) FROM topic_bits) < 63;
    UPDATE subscribers
        SET topic_mask = topic_mask | (SELECT 1 << bit FROM topic_bits WHERE topic = NEW.topic)
        WHERE chat_id = NEW.chat_id
          AND topic_mask & (SELECT 1 << bit FROM topic_bits WHERE topic = NEW.topic) = 0;
END;
--
-- 2. How many subscribers there are for every combination of the columns an audience can
-- filter on (all but explicit chat ids), kept by triggers in the same transactions as the
-- subscribers themselves: /stats and the preview's counts read a few dozen rows.
-- (Rows deleted by INSERT OR REPLACE would not be counted out: no code does that.)
CREATE TABLE subscriber_counts (
    active      INTEGER NOT NULL,
    language    TEXT    NOT NULL,
    chat_type   TEXT    NOT NULL,
    topic_mask  INTEGER NOT NULL,
    subscribers INTEGER NOT NULL,
    PRIMARY KEY (active, language, chat_type, topic_mask)
) WITHOUT ROWID;
INSERT INTO subscriber_counts (active, language, chat_type, topic_mask, subscribers)
    SELECT active, language, chat_type, topic_mask, COUNT(*) FROM subscribers
    GROUP BY active, language, chat_type, topic_mask;
CREATE TRIGGER subscribers_counted AFTER INSERT ON subscribers
BEGIN
    INSERT INTO subscriber_counts (active, language, chat_type, topic_mask, subscribers)
        VALUES (NEW.active, NEW.language, NEW.chat_type, NEW.topic_mask, 1)
        ON CONFLICT (active, language, chat_type, topic_mask)
        DO UPDATE SET subscribers = subscribers + 1;
END;
CREATE TRIGGER subscribers_uncounted AFTER DELETE ON subscribers
BEGIN
    UPDATE subscriber_counts SET subscribers = subscribers - 1
        WHERE active = OLD.active AND language = OLD.language AND chat_type = OLD.chat_type
          AND topic_mask = OLD.topic_mask;
END;
CREATE TRIGGER subscribers_recounted
    AFTER UPDATE OF active, language, chat_type, topic_mask ON subscribers
    WHEN OLD.active IS NOT NEW.active OR OLD.language IS NOT NEW.language
      OR OLD.chat_type IS NOT NEW.chat_type OR OLD.topic_mask IS NOT NEW.topic_mask
BEGIN
    UPDATE subscriber_counts SET subscribers = subscribers - 1
        WHERE active = OLD.active AND language = OLD.language AND chat_type = OLD.chat_type
          AND topic_mask = OLD.topic_mask;
    INSERT INTO subscriber_counts (active, language, chat_type, topic_mask, subscribers)
        VALUES (NEW.active, NEW.language, NEW.chat_type, NEW.topic_mask, 1)
        ON CONFLICT (active, language, chat_type, topic_mask)
        DO UPDATE SET subscribers = subscribers + 1;
END;
--
-- 3. A broadcast's figures (rows by state) and its rows left sending, from the index alone.
CREATE INDEX broadcast_outbox_state ON broadcast_outbox (broadcast_id, state);
