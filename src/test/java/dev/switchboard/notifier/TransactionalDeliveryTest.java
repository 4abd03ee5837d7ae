package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events are part of the writer's transaction: delivered after COMMIT, never after ROLLBACK, once, in commit
 * order, even when transactions commit in a different order than they wrote.
 */
class TransactionalDeliveryTest {
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
    void eventIsDeliveredOnlyAfterCommit() throws Exception {
        try (WsClient agent = server.agent(11); Connection tx = server.sql()) {
            agent.subscribe(100);
            tx.setAutoCommit(false);
            notifyMessage(tx, 100, "pending");
            // While the writer has not committed, a round trip to the server brings nothing.
            assertEquals(List.of(), events(agent.sync()));
            tx.commit();
            assertEquals("pending", content(agent.await("new_message")));
        }
    }

    @Test
    void rolledBackEventIsNeverDelivered() throws Exception {
        try (WsClient agent = server.agent(12); Connection tx = server.sql()) {
            agent.subscribe(101);
            tx.setAutoCommit(false);
            notifyMessage(tx, 101, "rolled back");
            tx.rollback();
            tx.setAutoCommit(true);
            notifyMessage(tx, 101, "marker");
            // Events arrive in commit order, so the marker arriving first and alone proves the rollback sent nothing.
            JsonNode first = agent.await("new_message");
            assertEquals("marker", content(first));
            assertEquals(List.of(), events(agent.sync()));
        }
    }

    @Test
    void eventRolledBackToASavepointIsNeverDelivered() throws Exception {
        try (WsClient agent = server.agent(13); Connection tx = server.sql()) {
            agent.subscribe(102);
            tx.setAutoCommit(false);
            notifyMessage(tx, 102, "kept before");
            Savepoint savepoint = tx.setSavepoint();
            notifyMessage(tx, 102, "undone");
            tx.rollback(savepoint);
            notifyMessage(tx, 102, "kept after");
            tx.commit();
            assertEquals("kept before", content(agent.await("new_message")));
            assertEquals("kept after", content(agent.await("new_message")));
            assertEquals(List.of(), events(agent.sync()));
        }
    }

    /**
     * The outbox trap: T1 writes first (smaller insert key), T2 writes second, T2 commits, the node delivers
     * T2's event, then T1 commits. A reader of "id > last" over insert-time ids would skip T1's event forever.
     */
    @Test
    void eventCommittedAfterALaterWriterIsDeliveredInCommitOrderExactlyOnce() throws Exception {
        try (WsClient agent = server.agent(14); Connection t1 = server.sql(); Connection t2 = server.sql()) {
            agent.subscribe(103);
            t1.setAutoCommit(false);
            t2.setAutoCommit(false);
            long key1 = notifyMessage(t1, 103, "written first, committed second");
            long key2 = notifyMessage(t2, 103, "written second, committed first");
            assertTrue(key1 < key2, "T1 wrote first");

            t2.commit();
            JsonNode early = agent.await("new_message");
            assertEquals("written second, committed first", content(early));

            t1.commit();
            JsonNode late = agent.await("new_message");
            assertEquals("written first, committed second", content(late));

            assertTrue(late.get("id").asLong() > early.get("id").asLong(), "ids follow delivery order");
            assertEquals(List.of(), events(agent.sync()), "each event exactly once");
            // In the table the insert order and the id order disagree: exactly the case that traps naive readers.
            try (Connection c = server.sql(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT event_key, id FROM realtime.events WHERE event_key IN ("
                         + key1 + "," + key2 + ") ORDER BY event_key")) {
                rs.next();
                long id1 = rs.getLong(2);
                rs.next();
                long id2 = rs.getLong(2);
                assertTrue(id1 > id2, "T1 has the smaller key but the larger id");
            }
        }
    }

    @Test
    void eventsOfOneTransactionArriveTogetherInTheOrderTheyWereWritten() throws Exception {
        try (WsClient agent = server.agent(15); Connection tx = server.sql()) {
            agent.subscribe(104);
            tx.setAutoCommit(false);
            for (int i = 0; i < 20; i++) {
                notifyMessage(tx, 104, "m" + i);
            }
            tx.commit();
            long previousId = 0;
            for (int i = 0; i < 20; i++) {
                JsonNode event = agent.await("new_message");
                assertEquals("m" + i, content(event));
                assertTrue(event.get("id").asLong() > previousId);
                previousId = event.get("id").asLong();
            }
        }
    }

    @Test
    void durableFunctionsReturnTheEventKeyAndTypingReturnsNothing() throws Exception {
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT realtime.notify_new_conversation('{\"id\":1}')")) {
                rs.next();
                assertTrue(rs.getLong(1) > 0);
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_typeof(realtime.notify_typing(1, 2, true))::text")) {
                rs.next();
                assertEquals("void", rs.getString(1));
            }
        }
    }

    static long notifyMessage(Connection connection, long conversationId, String content) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT realtime.notify_new_message(?, jsonb_build_object('content', ?::text))")) {
            statement.setLong(1, conversationId);
            statement.setString(2, content);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String content(JsonNode event) {
        return event.path("data").path("message").path("content").asText();
    }

    /** Event names, ignoring the presence chatter of other agents joining. */
    static List<String> events(List<JsonNode> frames) {
        return frames.stream().map(f -> f.path("event").asText())
                .filter(e -> !e.equals("agent_status"))
                .collect(Collectors.toList());
    }
}
