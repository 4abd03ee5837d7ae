-- Resume: a client that reconnects says the last event id it has, and the node replays what it missed from
-- realtime.events. Three things make an id a safe position to resume from:
--
-- * The epoch names the event table's history. An id is only meaningful within one history: a database
--   recreated from scratch, or restored from a dump into a new database, numbers its events from wherever its
--   sequencer_state says, and the same id may then name another event. A client whose epoch differs is told to
--   reload instead of being handed the wrong events.
-- * pruned_through is the highest id the pruner has ever deleted. Ids are dense, so a resume from N is complete
--   exactly when every id above N still exists, which is when N >= pruned_through.
-- * realtime.current_event_id() gives a page the position its rendered state ends at, so it resumes from there.

SET LOCAL lock_timeout = '5s';

-- One row. The random part is drawn once, when this migration runs; realtime.epoch() mixes in the database's
-- own oid, which a dump restored into a freshly created database does not keep, so such a restore gets a new
-- epoch without anyone having to remember it.
CREATE TABLE realtime.history (
    singleton      boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    install_id     uuid        NOT NULL DEFAULT gen_random_uuid(),
    pruned_through bigint      NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- On an upgraded database rows may already have been pruned: everything below the oldest surviving row counts as
-- pruned, and with an empty table every id handed out so far does.
INSERT INTO realtime.history (pruned_through)
SELECT coalesce((SELECT min(id) - 1 FROM realtime.events WHERE id IS NOT NULL),
                (SELECT last_id FROM realtime.sequencer_state));

COMMENT ON TABLE realtime.history IS
    'Switchboard: the identity of realtime.events'' history (see realtime.epoch()) and how far pruning reached.';

-- The epoch clients resume within: a uuid-shaped text, stable for the life of this database.
CREATE FUNCTION realtime.epoch() RETURNS text
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT md5(h.install_id::text || ':' || d.oid::text)::uuid::text
      FROM realtime.history h, pg_database d
     WHERE d.datname = current_database();
$$;

-- After restoring a physical backup (point-in-time recovery) or promoting an asynchronous replica, committed
-- events may have been lost and their ids will be handed out again: the operator calls this once, and every client
-- reloads its state instead of resuming across the gap.
CREATE FUNCTION realtime.renew_epoch() RETURNS text
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    UPDATE realtime.history SET install_id = gen_random_uuid();
    SELECT realtime.epoch();
$$;

-- The position a page's state ends at. The sequencer's last_id, read in the caller's snapshot: every event with
-- an id up to it was committed before that snapshot (a batch numbers only committed rows, and commits before
-- anyone sees its ids), so state read in the same snapshot, or after this call, already includes it. An event
-- committed but not yet numbered gets a larger id later and is replayed: seen twice at worst, never missed.
CREATE FUNCTION realtime.current_event_id(OUT last_event_id bigint, OUT epoch text)
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT s.last_id, realtime.epoch() FROM realtime.sequencer_state s;
$$;

COMMENT ON FUNCTION realtime.current_event_id() IS
    'The last_event_id and epoch a page resumes from: call it before reading the state the page renders (or in '
    'the same REPEATABLE READ transaction).';
COMMENT ON FUNCTION realtime.renew_epoch() IS
    'Starts a new epoch, so every client reloads instead of resuming: after a point-in-time restore or the '
    'promotion of an asynchronous replica.';

-- A resume reads one user's or one conversation's events after an id. Without these it would walk every event
-- after that id, whatever its audience: fine after a network blip, seconds for a laptop that slept overnight.
-- The app's inserts pay for them (conversation events are most events); building them on a large table holds the
-- table's lock, so a DBA can build them beforehand without blocking anyone, and this migration then finds them:
--   CREATE INDEX CONCURRENTLY events_conversation_id ON realtime.events (conversation_id, id)
--       WHERE conversation_id IS NOT NULL;
--   CREATE INDEX CONCURRENTLY events_user_id ON realtime.events (user_id, id) WHERE user_id IS NOT NULL;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('realtime.events_conversation_id')
                                        AND NOT indisvalid) THEN
        DROP INDEX realtime.events_conversation_id;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('realtime.events_user_id')
                                        AND NOT indisvalid) THEN
        DROP INDEX realtime.events_user_id;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS events_conversation_id ON realtime.events (conversation_id, id)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_user_id ON realtime.events (user_id, id) WHERE user_id IS NOT NULL;

REVOKE ALL ON FUNCTION realtime.epoch() FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.renew_epoch() FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.current_event_id() FROM PUBLIC;
