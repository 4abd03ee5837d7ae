package dev.switchboard.resume;

import dev.switchboard.notifier.EventPruner;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page-load position: {@code realtime.current_event_id()} names the last numbered event and the history it
 * belongs to; the pruner records how far back that history still reaches.
 */
class CurrentEventIdTest {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void currentEventIdIsTheLastNumberedEventAndAStableEpoch() throws Exception {
        long key = SqlEvents.queryLong(server, "SELECT realtime.notify_new_conversation('{\"id\":1}')");
        long id = awaitNumbered(key);
        try (Connection c = server.sql(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT last_event_id, epoch FROM realtime.current_event_id()")) {
            rs.next();
            assertTrue(rs.getLong(1) >= id, "position " + rs.getLong(1) + " includes event " + id);
            assertTrue(UUID.matcher(rs.getString(2)).matches(), rs.getString(2));
            assertEquals(rs.getString(2), epoch(server), "the same epoch on every call");
        }
    }

    @Test
    void aFreshlyCreatedDatabaseHasAnotherEpoch() {
        try (TestServer other = TestServer.start()) {
            assertNotEquals(epoch(server), epoch(other));
        }
    }

    @Test
    void renewEpochStartsANewHistory() {
        try (TestServer other = TestServer.start()) {
            String before = epoch(other);
            SqlEvents.exec(other, "SELECT realtime.renew_epoch()");
            assertNotEquals(before, epoch(other));
        }
    }

    @Test
    void prunerRecordsTheHighestIdItDeleted() throws Exception {
        long key = SqlEvents.queryLong(server, "SELECT realtime.notify_new_conversation('{\"id\":2}')");
        long id = awaitNumbered(key);
        SqlEvents.exec(server, "UPDATE realtime.events SET created_at = now() - interval '2 hours' WHERE id <= " + id);
        new EventPruner(server.node().dataSource(), Duration.ofHours(1)).prune();
        assertEquals(id, SqlEvents.queryLong(server, "SELECT pruned_through FROM realtime.history"));
    }

    private static long awaitNumbered(long key) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            long id = SqlEvents.queryLong(server,
                    "SELECT coalesce(id, 0) FROM realtime.events WHERE event_key = " + key);
            if (id > 0) {
                return id;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("event " + key + " was never numbered");
    }

    static String epoch(TestServer on) {
        try (Connection c = on.sql(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT epoch FROM realtime.current_event_id()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
