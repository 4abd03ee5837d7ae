package dev.switchboard.notifier;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A database of the release that stamps each event row at COMMIT (migration 4) upgrades in place to the one that
 * stamps each transaction once, while the app keeps committing: events the old release's sequencer had numbered,
 * events committed under the old trigger but not numbered yet when the upgrade runs, an event whose transaction
 * was open when the upgrade began and commits while it waits, and events written after it are all numbered once,
 * densely, in each writer's commit order; a reader of the old release sees every one of them in order, and no
 * stamp is left behind.
 */
class UpgradeFromV4Test {
    private static final String OPEN_TAG = "open:0";

    @Test
    void databaseAtMigration4UpgradesInPlaceWithUnnumberedAndOpenTransactionsWhileEventsFlow() throws Exception {
        DatabaseUrl url = TestDatabases.migratedDatabase("4");
        String database = TestDatabases.databaseName(url);

        List<List<String>> committed;
        List<Long> overtakers;
        try (EventLedger.Reader oldNode = new EventLedger.Reader(database);
             Connection open = TestDatabases.superuser(database)) {
            EventLedger.Writers writers = new EventLedger.Writers(database, 4, 9000);
            try (writers) {
                // The old release's sequencer numbers the first events, then its node is stopped for the upgrade:
                // what commits from then on waits unnumbered, stamped the old way.
                try (Sequencer oldSequencer = Sequencer.start(() -> TestDatabases.superuser(database))) {
                    writers.awaitMore(200);
                }
                writers.awaitMore(100);
                assertTrue(unnumbered(database) > 0, "events wait for the sequencer when the upgrade begins");

                open.setAutoCommit(false);
                long openKey;
                try (Statement s = open.createStatement();
                     ResultSet rs = s.executeQuery("SELECT realtime.notify_new_message(8000,"
                             + " jsonb_build_object('tag', '" + OPEN_TAG + "'))")) {
                    rs.next();
                    openKey = rs.getLong(1);
                }
                // Events inserted after the open one and committed before it: their commit order is lower than
                // its, their key higher, so only the stamps the old trigger gave them put them before it. (Read
                // now: once the migration waits for the table's lock, so would this read.)
                writers.awaitMore(50);
                overtakers = keysAfter(database, openKey);
                CompletableFuture<Void> commitWhenMigrationWaits = CompletableFuture.runAsync(() -> {
                    try {
                        awaitLockWaiterOnEvents(database);
                        open.commit();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });

                try (TestServer node = TestServer.start(url, Map.of())) {
                    commitWhenMigrationWaits.get(WsClient.PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    writers.awaitMore(200);
                    committed = writers.stop();
                    committed.add(List.of(OPEN_TAG));
                    EventLedger.awaitAllNumbered(database);
                }
            }
            List<String> byId = EventLedger.assertNumberedOnceDenselyInCommitOrder(database, 1, committed);
            oldNode.awaitAndStop(byId.size());
            assertEquals(byId, oldNode.tags(), "the old release's reader sees every event, in order");
        }
        assertTrue(!overtakers.isEmpty(), "some events committed after the open one was written");
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.events"
                    + " WHERE event_key = ANY ('" + overtakers.toString().replace('[', '{').replace(']', '}')
                    + "'::bigint[]) AND id > (SELECT id FROM realtime.events"
                    + " WHERE data->'message'->>'tag' = '" + OPEN_TAG + "')")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "events committed before the open transaction come before it");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.event_commits")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "the sequencer deletes every stamp it used");
            }
            try (ResultSet rs = s.executeQuery("SELECT max(version::int) FROM realtime.flyway_schema_history")) {
                rs.next();
                assertTrue(rs.getInt(1) >= 8, "migrated to the lighter commit path");
            }
        }
    }

    private static long unnumbered(String database) throws SQLException {
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.events WHERE id IS NULL")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The keys of the committed events written after {@code key}. */
    private static List<Long> keysAfter(String database, long key) throws SQLException {
        List<Long> keys = new ArrayList<>();
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT event_key FROM realtime.events WHERE event_key > " + key)) {
            while (rs.next()) {
                keys.add(rs.getLong(1));
            }
        }
        return keys;
    }

    /** Waits until some session waits for a lock on realtime.events: the migration, queued behind our writer. */
    private static void awaitLockWaiterOnEvents(String database) throws SQLException {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted"
                        + " AND relation = 'realtime.events'::regclass")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    fail("the migration never waited for the open transaction");
                }
                EventLedger.sleep(5);
            }
        }
    }
}
