-- Ids are handed out by a sequencer, off the app's commit path.
--
-- Before this migration every event-writing COMMIT took one database-wide advisory lock and sent a NOTIFY (which
-- takes PostgreSQL's own global notify lock until the commit is flushed), so event-writing commits ran one at a
-- time. Now the app's transaction only INSERTs its rows. One Switchboard node at a time, the sequencer (elected
-- with a session advisory lock), finds rows whose transactions have committed since its last batch and numbers
-- them in a short transaction of its own, then NOTIFYs once per batch. Batches commit one after another, so a
-- reader that sees id N can already see every id below N: `WHERE id > last` still never skips.
--
-- Finding new rows: every row records its writer's transaction id (`xid`). The sequencer keeps the snapshot of
-- its last batch; new rows are those whose transaction was running in that snapshot (its xip list) or started
-- after it (xid >= its xmax), and is finished in the current snapshot. Both are index lookups whose cost depends
-- on the new rows only, never on how long some other transaction has been open (a partial index on
-- "id IS NULL" would fill with dead entries that no vacuum may remove while any old transaction is open).
--
-- Order within a batch: two transactions whose rows become visible in the same batch may be causally ordered
-- (the second waited for a row lock the first held, or began after the first's COMMIT returned). A deferred
-- trigger stamps each transaction with a number drawn at COMMIT time (`commit_order`); a transaction that starts
-- committing after another has finished committing always draws a larger number, and the sequencer numbers a
-- batch by (commit_order, event_key). It takes no lock and sends nothing: the only serialisation left on the
-- app's commit path is one nextval, which PostgreSQL hands out without waiting for anyone's COMMIT.

-- Fail fast instead of queueing every writer behind this migration while some long transaction holds the table:
-- the node refuses to start with a clear error and is simply started again.
SET LOCAL lock_timeout = '5s';

DROP TRIGGER events_assign_id ON realtime.events;
DROP FUNCTION realtime.assign_event_id();

-- The writer's top-level transaction id. Added without a default first (a volatile default on ADD COLUMN would
-- rewrite the table); rows written before this migration already have their ids and never need it.
--
-- Building events_xid reads the whole table while this migration holds its lock, which blocks event writes for that
-- long on a large table. A DBA can do the slow part beforehand without blocking anyone, and this migration then
-- finds it done:
--   ALTER TABLE realtime.events ADD COLUMN xid xid8;
--   CREATE INDEX CONCURRENTLY events_xid ON realtime.events (xid);
ALTER TABLE realtime.events ADD COLUMN IF NOT EXISTS xid xid8;
ALTER TABLE realtime.events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
ALTER TABLE realtime.events ADD COLUMN commit_order bigint;
DO $$
BEGIN
    -- A concurrent build that failed leaves an invalid index behind: replace it.
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('realtime.events_xid') AND NOT indisvalid) THEN
        DROP INDEX realtime.events_xid;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS events_xid ON realtime.events (xid);

COMMENT ON COLUMN realtime.events.id IS
    'The id on the wire, in commit order. NULL until the sequencer (one Switchboard node) numbers the row, a few '
    'milliseconds after its transaction commits.';
COMMENT ON COLUMN realtime.events.xid IS 'The writing transaction: how the sequencer finds newly committed rows.';
COMMENT ON COLUMN realtime.events.commit_order IS
    'Drawn when the writing transaction commits: orders transactions that the sequencer sees in one batch.';

-- Cached per session would break the "later COMMIT, larger number" rule: one value at a time, no CACHE.
CREATE SEQUENCE realtime.event_commit_order_seq AS bigint NO CYCLE;

CREATE FUNCTION realtime.stamp_commit_order() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_order bigint;
BEGIN
    -- One number per transaction, so that its events stay together and in the order they were written.
    v_order := nullif(current_setting('realtime.commit_order', true), '')::bigint;
    IF v_order IS NULL THEN
        v_order := nextval('realtime.event_commit_order_seq');
        PERFORM set_config('realtime.commit_order', v_order::text, true);
    END IF;
    UPDATE realtime.events SET commit_order = v_order WHERE event_key = NEW.event_key;
    RETURN NULL;
END
$$;

-- Deferred: runs at COMMIT (SECURITY DEFINER because it runs as whoever commits, the app's role).
CREATE CONSTRAINT TRIGGER events_commit_order
    AFTER INSERT ON realtime.events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION realtime.stamp_commit_order();

-- The sequencer's memory, changed only in the same transaction as the ids it hands out: the last id (so ids stay
-- dense and are never reused, even after pruning has emptied the table) and the snapshot of the last batch.
CREATE TABLE realtime.sequencer_state (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id       bigint      NOT NULL,
    last_snapshot pg_snapshot NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO realtime.sequencer_state (last_id, last_snapshot)
SELECT greatest((SELECT coalesce(max(id), 0) FROM realtime.events),
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM realtime.event_id_seq)),
       -- Holding the table's lock, so every later event row has an xid that is running in this snapshot or
       -- comes after it: the sequencer's first batch finds them all.
       pg_current_snapshot();

-- Transient events (typing): not stored for replay, but still sent only after the writer commits. They used to be
-- a NOTIFY in the app's transaction, which takes the same global notify lock as above; now a row in an unlogged
-- table (no WAL: cheap, and gone after a crash, which is fine for "is typing") that the sequencer sends.
CREATE UNLOGGED TABLE realtime.transient_events (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE OR REPLACE FUNCTION realtime.notify_typing(conversation_id bigint, user_id bigint, is_typing boolean)
    RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF is_typing IS NULL THEN
        RAISE EXCEPTION 'realtime: is_typing must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO realtime.transient_events (payload) VALUES (jsonb_build_object(
        'event', 'typing',
        'conversation_id', realtime.require(conversation_id, 'conversation_id'),
        'user_id', realtime.require(user_id, 'user_id'),
        'is_typing', is_typing)::text);
END
$$;

-- One batch: numbers every event row committed since the previous batch and sends what is new. Called by the
-- sequencer only (Switchboard's role owns the schema); returns how many events it sent.
--
-- Every lookup must go through events_xid: a sequential scan here, every few milliseconds, would cost in
-- proportion to the retention. A generic plan guesses that "xid >= $1" matches a third of the table and would
-- scan it, so the idle check asks for the first match in xid order (an index scan under any estimate) and the
-- batch query bounds the range on both sides.
CREATE FUNCTION realtime.sequence_events() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_prev    pg_snapshot;
    v_now     pg_snapshot;
    v_last    bigint;
    v_keys    bigint[];
    v_count   integer := 0;
    v_payload text;
    v_sent    integer := 0;
BEGIN
    -- The idle path reads three index ranges and writes nothing (no transaction id is consumed). No "id IS NULL"
    -- test: a row in either range has no id yet by construction (no batch up to v_prev could number it), and the
    -- test would tempt the planner into the id index, whose NULL entries include the dead versions of every row
    -- numbered since the last vacuum.
    SELECT last_snapshot INTO v_prev FROM realtime.sequencer_state;
    IF NOT EXISTS (SELECT 1 FROM (SELECT xid FROM realtime.events WHERE xid >= pg_snapshot_xmax(v_prev)
                                  ORDER BY xid LIMIT 1) newer)
       AND NOT EXISTS (SELECT 1 FROM realtime.events WHERE xid = ANY (ARRAY(SELECT pg_snapshot_xip(v_prev))))
       AND NOT EXISTS (SELECT 1 FROM realtime.transient_events) THEN
        RETURN 0;
    END IF;

    -- Serialises batches, should two nodes ever both believe they lead: the second waits, then reads the first's
    -- committed state (each statement below takes a fresh snapshot).
    SELECT last_id, last_snapshot INTO v_last, v_prev FROM realtime.sequencer_state FOR UPDATE;
    v_now := pg_current_snapshot();
    -- Rows of transactions still running in v_now wait for the next batch, whose v_prev (this v_now) lists them
    -- as running or after its xmax. The whole difference is taken at once: a LIMIT could not advance the snapshot.
    -- The upper bound changes nothing (no xid at or above v_now's xmax is visible in v_now) but makes the range
    -- two-sided, which any plan estimates as narrow.
    SELECT array_agg(event_key ORDER BY commit_order, event_key) INTO v_keys
      FROM realtime.events
     WHERE ((xid >= pg_snapshot_xmax(v_prev) AND xid < pg_snapshot_xmax(v_now))
            OR xid = ANY (ARRAY(SELECT pg_snapshot_xip(v_prev))))
       AND pg_visible_in_snapshot(xid, v_now);

    IF v_keys IS NOT NULL THEN
        UPDATE realtime.events e
           SET id = v_last + k.ord
          FROM unnest(v_keys) WITH ORDINALITY AS k(key, ord)
         WHERE e.event_key = k.key AND e.id IS NULL;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        IF v_count <> cardinality(v_keys) THEN
            -- Someone else changed these rows meanwhile; roll back rather than leave a hole in the ids.
            RAISE EXCEPTION 'realtime: % of % events changed while being numbered', cardinality(v_keys) - v_count,
                cardinality(v_keys);
        END IF;
        -- Kept in step for anything that reads the sequence; sequencer_state is the authority.
        PERFORM setval('realtime.event_id_seq', v_last + v_count);
        PERFORM pg_notify('realtime_events', '');
    END IF;
    UPDATE realtime.sequencer_state
       SET last_id = v_last + v_count, last_snapshot = v_now, updated_at = now();

    -- Typing older than a few seconds is stale (the clients' own timeout has passed): drop it unsent.
    FOR v_payload IN
        WITH gone AS (DELETE FROM realtime.transient_events RETURNING seq, payload, created_at)
        SELECT payload FROM gone WHERE created_at > clock_timestamp() - interval '5 seconds' ORDER BY seq
    LOOP
        PERFORM pg_notify('realtime_ephemeral', v_payload);
        v_sent := v_sent + 1;
    END LOOP;
    RETURN v_count + v_sent;
END
$$;

COMMENT ON FUNCTION realtime.notify_typing(bigint, bigint, boolean) IS
    'Sends typing to the conversation''s subscribers (not the typist) after COMMIT; not stored.';
COMMENT ON FUNCTION realtime.sequence_events() IS
    'Switchboard''s sequencer: numbers newly committed events and notifies the nodes. Not for the app.';

REVOKE ALL ON FUNCTION realtime.stamp_commit_order() FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.sequence_events() FROM PUBLIC;
