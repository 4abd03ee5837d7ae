package dev.switchboard.notifier;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import dev.switchboard.testing.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sequencer's batch runs every few milliseconds for the life of the cluster, next to a table that keeps days of
 * events: it must find new rows through the indexes whatever the planner's statistics say, never by reading the
 * table. The statistics here are the misleading kind a real app produces: a few bulk transactions that each wrote a
 * thousand events, so the planner believes every transaction id matches a thousand rows.
 */
class SequencerIndexUseTest {
    private static final int BULK_TRANSACTIONS = 3;
    private static final int EVENTS_PER_BULK = 1000;
    private static final int IDLE_POLLS = 20;

    @Test
    void batchesAndIdlePollsNeverScanTheEventsTableWhateverTheStatistics() throws Exception {
        DatabaseUrl url = TestDatabases.migratedDatabase(null);
        String database = TestDatabases.databaseName(url);
        // The sequencer's own connection, with the settings its session runs under.
        try (Connection sequencer = Database.openSequencerConnection(url, "index-use");
             Connection app = TestDatabases.superuser(database);
             Statement seq = sequencer.createStatement();
             Statement appStatement = app.createStatement()) {
            for (int i = 0; i < BULK_TRANSACTIONS; i++) {
                appStatement.execute("DO $$ BEGIN FOR i IN 1.." + EVENTS_PER_BULK + " LOOP"
                        + " PERFORM realtime.notify_new_message(1, '{}'); END LOOP; END $$");
            }
            assertEquals(BULK_TRANSACTIONS * EVENTS_PER_BULK, batch(seq));
            seq.execute("ANALYZE realtime.events");
            seq.execute("ANALYZE realtime.event_commits");

            // A transaction that is running when a batch takes its snapshot: the next batch must find its row
            // through the snapshot's list of running transactions, the lookup a planner is most tempted to scan for.
            app.setAutoCommit(false);
            appStatement.execute("SELECT realtime.notify_new_message(2, '{}')");
            assertEquals(0, batch(seq));
            app.commit();

            long before = eventsTableScans(seq);
            assertEquals(1, batch(seq), "the transaction that was running is numbered by the next batch");
            for (int i = 0; i < IDLE_POLLS; i++) {
                assertEquals(0, batch(seq));
            }
            assertEquals(before, eventsTableScans(seq),
                    "sequential scans of realtime.events during one batch and " + IDLE_POLLS + " idle polls");
            try (ResultSet rs = seq.executeQuery("SELECT count(*), count(id), max(id) FROM realtime.events")) {
                rs.next();
                int all = BULK_TRANSACTIONS * EVENTS_PER_BULK + 1;
                assertEquals(all, rs.getInt(1));
                assertEquals(all, rs.getInt(2), "every event numbered");
                assertEquals(all, rs.getInt(3), "no id skipped");
            }
        }
    }

    private static int batch(Statement seq) throws SQLException {
        try (ResultSet rs = seq.executeQuery("SELECT realtime.sequence_events()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * How many sequential scans of {@code realtime.events} the server has counted, this session's included: the
     * session's pending counts are flushed when it next goes idle, and the cached snapshot of the shared counts
     * is dropped before reading them.
     */
    private static long eventsTableScans(Statement seq) throws SQLException {
        seq.execute("SELECT pg_stat_force_next_flush()");
        seq.execute("SELECT pg_stat_clear_snapshot()");
        try (ResultSet rs = seq.executeQuery(
                "SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'realtime.events'::regclass")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
