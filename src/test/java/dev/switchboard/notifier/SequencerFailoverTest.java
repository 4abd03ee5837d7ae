package dev.switchboard.notifier;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The sequencer's session is killed by the database (as a DBA's {@code pg_terminate_backend}, a failover of the
 * connection pooler or an idle-session killer would) while eight writers commit without pause: a new session
 * takes the lead, and every committed event is numbered exactly once, densely, in each writer's commit order, and
 * reaches a client once, in id order.
 */
class SequencerFailoverTest {
    private static final int WRITERS = 8;

    @Test
    void terminatedSequencerSessionIsReplacedAndNoEventIsLostSkippedOrNumberedTwice() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        String database = TestDatabases.databaseName(url);
        try (TestServer nodeA = TestServer.start(url, Map.of("NODE_ID", "node-a"));
             TestServer nodeB = TestServer.start(url, Map.of("NODE_ID", "node-b"));
             WsClient agent = nodeB.agent(1);
             EventLedger.Reader reader = new EventLedger.Reader(database)) {
            int before = leaderPid(database);
            EventLedger.Writers writers = new EventLedger.Writers(database, WRITERS, 9000);
            List<List<String>> committed;
            try (writers) {
                writers.awaitMore(500);
                terminate(before, database);
                writers.awaitMore(500);
                int after = leaderPid(database);
                assertNotEquals(before, after, "a new session leads");
                committed = writers.stop();
            }
            EventLedger.assertEveryEventDeliveredOnceInOrder(database, committed, reader, agent);
        }
    }

    /** The backend whose session holds the sequencer's lock in this database; waits for one to appear. */
    static int leaderPid(String database) throws SQLException {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        try (Connection c = TestDatabases.superuser(database);
             PreparedStatement s = c.prepareStatement("SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
                     + " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                     + " AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1")) {
            s.setLong(1, Sequencer.LEADER_LOCK >>> 32);
            s.setLong(2, Sequencer.LEADER_LOCK & 0xffffffffL);
            while (true) {
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        return rs.getInt(1);
                    }
                }
                if (System.nanoTime() > deadline) {
                    fail("no sequencer leads");
                }
                EventLedger.sleep(20);
            }
        }
    }

    static void terminate(int pid, String database) throws SQLException {
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(" + pid + ")")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "the sequencer's backend was terminated");
        }
    }
}
