-- A lighter commit path: one small row per event-writing transaction instead of an UPDATE of every event row.
--
-- Until now a deferred trigger ran at COMMIT for every event row: it drew the transaction's commit number and
-- UPDATEd the row to store it. Measured with the backend's own CPU time per app transaction
-- (`BEGIN; INSERT; notify_new_message; COMMIT`, PostgreSQL 15, interleaved runs): the UPDATE and its trigger were
-- a third of all the work the notifier adds to the app's transaction (about 55-75 us of about 150 us; a plain
-- INSERT + COMMIT is about 15 us), wrote a second version of every event row (its whole jsonb again into the WAL,
-- one more dead tuple for vacuum, and the sequencer's UPDATE then writes a third), and did so while the app's
-- COMMIT waited.
--
-- Now the deferred trigger stamps the transaction, not the row: the first event row of a transaction inserts
-- (xid, commit_order) into realtime.event_commits at COMMIT; later rows of the same transaction find the
-- transaction-local setting realtime.commit_stamped set and return at once. This costs about 20 us per
-- transaction (the trigger call and one nextval; the tiny insert itself is nearly free) and a ~60-byte row. The
-- sequencer joins the stamps to the rows by xid (primary key), numbers the batch in (commit_order, event_key)
-- order exactly as before, and deletes the stamps it used in the same transaction, so the table stays a few rows
-- long. The ordering rules do not change: a transaction that starts committing after another has finished
-- committing draws a larger commit_order, whichever batch finds it.
--
-- The four indexes on realtime.events were each checked against the queries that need them and all stay:
-- events_pkey (event_key: returned to the app, and how the sequencer addresses the rows it numbers),
-- events_id_key (id: every listener's `id > last ORDER BY id`, and resume), events_xid (how the sequencer finds
-- newly committed rows without reading the table), events_created_at (BRIN, pruning; almost free). The xid index
-- and its default cost under 5 us per transaction in the same measurement. The sequencer's UPDATE of id cannot be
-- a HOT update (id is indexed), so a lower fillfactor would not help it; it is off the app's path anyway.
--
-- What the design costs in delivery latency (unchanged by this migration, see notifier/Sequencer.java): an event
-- reaches the nodes after the sequencer's next poll (every 1 ms while events flow, 10 ms after a second without
-- any; batches are also spaced so that the sequencer spends at most a fifth of its time in them), plus one short
-- transaction of the sequencer's, which ends in one COMMIT (one WAL flush), plus the NOTIFY to the listeners and
-- their `id > last` read: one poll wait, one flush and two round trips after the app's COMMIT returns.

-- Fail fast instead of queueing every writer behind this migration while some long transaction holds the table:
-- the node refuses to start with a clear error and is simply started again.
SET LOCAL lock_timeout = '5s';

CREATE TABLE realtime.event_commits (
    xid          xid8   PRIMARY KEY,
    commit_order bigint NOT NULL
);
COMMENT ON TABLE realtime.event_commits IS
    'One row per committed event-writing transaction that the sequencer has not numbered yet: its commit order. '
    'Written at COMMIT by a deferred trigger on realtime.events, deleted by the sequencer''s next batch.';

CREATE FUNCTION realtime.stamp_transaction() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_xid text := pg_current_xact_id()::text;
BEGIN
    -- Once per transaction. The setting is transaction-local and holds the xid, so neither a value left over in
    -- the session nor one from an earlier transaction can skip the stamp; a savepoint rolled back after an early
    -- firing (SET CONSTRAINTS ALL IMMEDIATE) takes the row and the setting with it alike. A session that sets it
    -- to its own xid on purpose only loses the ordering of its own events within their batch (unstamped rows go
    -- last); it cannot delay or misnumber anyone else's.
    IF current_setting('realtime.commit_stamped', true) IS DISTINCT FROM v_xid THEN
        INSERT INTO realtime.event_commits (xid, commit_order)
        VALUES (v_xid::xid8, nextval('realtime.event_commit_order_seq'))
        ON CONFLICT (xid) DO NOTHING;
        PERFORM set_config('realtime.commit_stamped', v_xid, true);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION realtime.stamp_transaction() FROM PUBLIC;

-- Taking the table's lock here waits for every transaction that inserted events under the old trigger: they
-- commit (stamping their rows) or roll back first. Their rows that the sequencer has not numbered yet carry their
-- number in events.commit_order; it moves to the new table below, in this same transaction, before the column
-- goes.
DROP TRIGGER events_commit_order ON realtime.events;
DROP FUNCTION realtime.stamp_commit_order();

-- Deferred: runs at COMMIT (SECURITY DEFINER because it runs as whoever commits, the app's role).
CREATE CONSTRAINT TRIGGER events_stamp_transaction
    AFTER INSERT ON realtime.events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION realtime.stamp_transaction();

-- Rows not numbered yet are those after the sequencer's last snapshot: the same index ranges its batch reads.
INSERT INTO realtime.event_commits (xid, commit_order)
SELECT e.xid, min(e.commit_order)
  FROM realtime.events e, realtime.sequencer_state s
 WHERE ((e.xid >= pg_snapshot_xmax(s.last_snapshot)) OR e.xid = ANY (ARRAY(SELECT pg_snapshot_xip(s.last_snapshot))))
   AND e.id IS NULL AND e.commit_order IS NOT NULL
 GROUP BY e.xid;

ALTER TABLE realtime.events DROP COLUMN commit_order;

-- One batch, as before, with the commit order read from realtime.event_commits.
CREATE OR REPLACE FUNCTION realtime.sequence_events() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_prev    pg_snapshot;
    v_now     pg_snapshot;
    v_last    bigint;
    v_keys    bigint[];
    v_xids    xid8[];
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
    -- two-sided, which any plan estimates as narrow. A row without a stamp cannot occur (its transaction's stamp
    -- commits with it); should one ever, it goes after the stamped ones rather than stall the batch.
    SELECT array_agg(e.event_key ORDER BY c.commit_order NULLS LAST, e.event_key),
           array_agg(DISTINCT e.xid)
      INTO v_keys, v_xids
      FROM realtime.events e
      LEFT JOIN realtime.event_commits c ON c.xid = e.xid
     WHERE ((e.xid >= pg_snapshot_xmax(v_prev) AND e.xid < pg_snapshot_xmax(v_now))
            OR e.xid = ANY (ARRAY(SELECT pg_snapshot_xip(v_prev))))
       AND pg_visible_in_snapshot(e.xid, v_now);

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
        -- Every row of these transactions is numbered now (a transaction's rows become visible together).
        DELETE FROM realtime.event_commits WHERE xid = ANY (v_xids);
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
