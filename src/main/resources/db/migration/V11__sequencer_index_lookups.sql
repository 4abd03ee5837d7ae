-- The sequencer's batch finds its rows through indexes, whatever the planner's statistics say.
--
-- Why. realtime.sequence_events() runs every millisecond while events flow and every 10 ms when idle, next to a
-- table that keeps days of events. One of its lookups let the planner choose to read that whole table: "xid = ANY
-- (the transactions the previous batch saw running)", an array the planner cannot see into. When the statistics say
-- a transaction writes many events (an app that sends a bulk broadcast or imports a backlog in one transaction), it
-- expects that lookup to match much of the table and plans a sequential scan, and the idle poll ran it every time:
-- 3.5 ms per poll with 15,000 events kept, growing with the retention (auto_explain, PostgreSQL 15);
-- SequencerIndexUseTest counts 21 sequential scans in 21 calls on migration 10. Now each running transaction is
-- one probe, written as a range bounded on both sides (which any plan estimates as narrow, the same device the batch
-- already used for the newer transactions), and only when the list is not empty, which it is on most polls.
--
-- The batch's commit stamps are read the same way, one primary-key probe per row (see the table's storage setting
-- below), where the planner used to hash the whole stamps table. Measured on PostgreSQL 15 with the backend's own
-- CPU per app transaction plus batch (one event each, interleaved runs on two databases of the same history, the
-- functions then swapped between them): migration 10 about 590 us, this one about 550 us.
-- Nothing a batch returns or writes changes: the same rows, numbered in the same order.

-- The stamps table is a queue: every app commit adds a row and the next batch deletes it, so between two vacuums it
-- is mostly dead rows, and each vacuum used to cut it back to a page or two. A plan made right after that (plans are
-- remade when vacuum updates the table's size) scanned it whole, and kept scanning it while a minute of dead rows
-- piled up. Kept at the size it has grown to, it is planned as what it is, a table to probe by key; vacuum still
-- makes its dead rows' space reusable, so it does not grow past its busiest minute.
-- Takes the table's lock against vacuum, not against the app's writes; should a vacuum of the table hold it for
-- long, the node stops with a clear error rather than wait, and is started again.
SET LOCAL lock_timeout = '5s';
ALTER TABLE realtime.event_commits SET (vacuum_truncate = false);

CREATE OR REPLACE FUNCTION realtime.sequence_events() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_prev    pg_snapshot;
    v_running xid8[];
    v_now     pg_snapshot;
    v_last    bigint;
    v_keys    bigint[];
    v_xids    xid8[];
    v_count   integer := 0;
    v_payload text;
    v_sent    integer := 0;
BEGIN
    -- The idle path reads index ranges and writes nothing (no transaction id is consumed). No "id IS NULL" test: a
    -- row found here has no id yet by construction (no batch up to v_prev could number it), and the test would
    -- tempt the planner into the id index, whose NULL entries include the dead versions of every numbered row.
    SELECT last_snapshot INTO v_prev FROM realtime.sequencer_state;
    IF NOT EXISTS (SELECT 1 FROM (SELECT xid FROM realtime.events WHERE xid >= pg_snapshot_xmax(v_prev)
                                  ORDER BY xid LIMIT 1) newer)
       AND NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(v_prev) AS r(xid)
                        CROSS JOIN LATERAL (SELECT 1 FROM realtime.events e
                                             WHERE e.xid >= r.xid AND e.xid <= r.xid LIMIT 1) hit)
       AND NOT EXISTS (SELECT 1 FROM realtime.transient_events) THEN
        RETURN 0;
    END IF;

    -- Serialises batches, should two nodes ever both believe they lead: the second waits, then reads the first's
    -- committed state (each statement below takes a fresh snapshot).
    SELECT last_id, last_snapshot INTO v_last, v_prev FROM realtime.sequencer_state FOR UPDATE;
    v_running := ARRAY(SELECT pg_snapshot_xip(v_prev));
    v_now := pg_current_snapshot();
    -- New rows: those of transactions that started after v_prev (an index range, bounded on both sides so that any
    -- plan estimates it as narrow) and those of transactions v_prev saw running (one probe each, as in the idle
    -- check), in either case finished by v_now. Rows of transactions still running in v_now wait for the next
    -- batch, whose v_prev (this v_now) lists them as running or after its xmax. The whole difference is taken at
    -- once: a LIMIT could not advance the snapshot. A row without a stamp cannot occur (its transaction's stamp
    -- commits with it); should one ever, it goes last rather than stall the batch. Most batches find no
    -- transaction running in v_prev, and take the shorter statement.
    IF cardinality(v_running) = 0 THEN
        SELECT array_agg(e.event_key ORDER BY c.commit_order NULLS LAST, e.event_key), array_agg(DISTINCT e.xid)
          INTO v_keys, v_xids
          FROM realtime.events e
          LEFT JOIN LATERAL (SELECT s.commit_order FROM realtime.event_commits s
                              WHERE s.xid >= e.xid AND s.xid <= e.xid OFFSET 0) c ON true
         WHERE e.xid >= pg_snapshot_xmax(v_prev) AND e.xid < pg_snapshot_xmax(v_now)
           AND pg_visible_in_snapshot(e.xid, v_now);
    ELSE
        SELECT array_agg(f.event_key ORDER BY c.commit_order NULLS LAST, f.event_key), array_agg(DISTINCT f.xid)
          INTO v_keys, v_xids
          FROM (SELECT e.event_key, e.xid
                  FROM realtime.events e
                 WHERE e.xid >= pg_snapshot_xmax(v_prev) AND e.xid < pg_snapshot_xmax(v_now)
                   AND pg_visible_in_snapshot(e.xid, v_now)
                UNION ALL
                SELECT hit.event_key, hit.xid
                  FROM unnest(v_running) AS r(xid)
                 CROSS JOIN LATERAL (SELECT e.event_key, e.xid FROM realtime.events e
                                      WHERE e.xid >= r.xid AND e.xid <= r.xid OFFSET 0) hit
                 WHERE pg_visible_in_snapshot(r.xid, v_now)) f
          LEFT JOIN LATERAL (SELECT s.commit_order FROM realtime.event_commits s
                              WHERE s.xid >= f.xid AND s.xid <= f.xid OFFSET 0) c ON true;
    END IF;

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
