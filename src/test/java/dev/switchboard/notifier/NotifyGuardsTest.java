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
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notify functions refuse what the web app must not send, inside the app's own transaction and before anything
 * is written: protocol event names through {@code notify_user}, and event data over
 * {@code realtime.max_payload_bytes} (256 KiB unless set). The node keeps delivering everything else.
 */
class NotifyGuardsTest {
    private static final String INVALID_PARAMETER_VALUE = "22023";
    private static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    private static final int DEFAULT_LIMIT = 256 * 1024;

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
    void notifyUserRefusesEveryEventNameTheProtocolSends() throws Exception {
        List<String> names = List.of("new_message", "conversation_updated", "new_conversation", "agent_status",
                "typing", "message_read", "authenticated", "subscribed", "unsubscribed", "pong", "error", "presence",
                "resync_required");
        try (Connection sql = server.sql()) {
            long before = storedEvents(sql);
            for (String name : names) {
                SQLException refused = assertThrows(SQLException.class,
                        () -> notifyUser(sql, 31, name, "{\"conversation_id\":1}"), name);
                assertEquals(INVALID_PARAMETER_VALUE, refused.getSQLState(), name);
                assertTrue(refused.getMessage().contains(name + " is a protocol event name"), refused.getMessage());
            }
            assertEquals(before, storedEvents(sql), "nothing stored for a refused name");
        }
    }

    @Test
    void notifyUserStillDeliversCustomEvents() throws Exception {
        try (WsClient agent = server.agent(32); Connection sql = server.sql()) {
            notifyUser(sql, 32, "invoice.paid", "{\"invoice\":7}");
            assertEquals(7, agent.await("invoice.paid").path("data").path("invoice").asInt());
        }
    }

    @Test
    void twentyMegabytePayloadIsRefusedAndNothingOfItIsDelivered() throws Exception {
        try (WsClient agent = server.agent(33); Connection tx = server.sql()) {
            agent.subscribe(330);
            long before = storedEvents(tx);
            tx.setAutoCommit(false);
            String huge = "x".repeat(20 * 1024 * 1024);
            SQLException refused = assertThrows(SQLException.class, () -> notifyMessage(tx, 330, huge));
            assertEquals(PROGRAM_LIMIT_EXCEEDED, refused.getSQLState());
            assertTrue(refused.getMessage().contains("new_message data is 2097") // 20 MiB and the JSON around it: 2097xxxx
                    && refused.getMessage().contains("over the limit of " + DEFAULT_LIMIT + " bytes"),
                    refused.getMessage());
            // The app's transaction is aborted: its COMMIT rolls back and stores nothing.
            tx.commit();
            tx.setAutoCommit(true);
            assertEquals(before, storedEvents(tx));

            notifyMessage(tx, 330, "marker");
            // Events arrive in commit order, so the marker coming first proves nothing of the refused one was sent.
            assertEquals("marker", agent.await("new_message").path("data").path("message").path("content").asText());
            assertEquals(List.of(), newMessages(agent.sync()));
        }
    }

    @Test
    void payloadJustUnderTheCapIsDeliveredWhole() throws Exception {
        try (WsClient agent = server.agent(34); Connection sql = server.sql()) {
            agent.subscribe(340);
            String content = "y".repeat(DEFAULT_LIMIT - 1024);
            notifyMessage(sql, 340, content);
            assertEquals(content,
                    agent.await("new_message").path("data").path("message").path("content").asText());
        }
    }

    @Test
    void capFollowsTheRealtimeMaxPayloadBytesSetting() throws Exception {
        try (WsClient agent = server.agent(35); Connection sql = server.sql()) {
            try (Statement s = sql.createStatement()) {
                s.execute("SET realtime.max_payload_bytes = '2048'");
            }
            SQLException refused = assertThrows(SQLException.class,
                    () -> notifyUser(sql, 35, "report.ready", "{\"rows\":\"" + "z".repeat(4096) + "\"}"));
            assertEquals(PROGRAM_LIMIT_EXCEEDED, refused.getSQLState());
            assertTrue(refused.getMessage().contains("over the limit of 2048 bytes"), refused.getMessage());

            notifyUser(sql, 35, "report.ready", "{\"rows\":\"" + "z".repeat(1024) + "\"}");
            assertEquals(1024, agent.await("report.ready").path("data").path("rows").asText().length());

            try (Statement s = sql.createStatement()) {
                s.execute("SET realtime.max_payload_bytes = 'lots'");
            }
            SQLException misconfigured = assertThrows(SQLException.class,
                    () -> notifyUser(sql, 35, "report.ready", "{}"));
            assertEquals(INVALID_PARAMETER_VALUE, misconfigured.getSQLState());
            assertTrue(misconfigured.getMessage().contains("realtime.max_payload_bytes"), misconfigured.getMessage());
        }
    }

    private static void notifyUser(Connection sql, long userId, String event, String json) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement("SELECT realtime.notify_user(?, ?, ?::jsonb)")) {
            ps.setLong(1, userId);
            ps.setString(2, event);
            ps.setString(3, json);
            ps.executeQuery().close();
        }
    }

    private static void notifyMessage(Connection sql, long conversationId, String content) throws SQLException {
        try (PreparedStatement ps = sql.prepareStatement(
                "SELECT realtime.notify_new_message(?, jsonb_build_object('content', ?::text))")) {
            ps.setLong(1, conversationId);
            ps.setString(2, content);
            ps.executeQuery().close();
        }
    }

    private static long storedEvents(Connection sql) throws SQLException {
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The new_message frames among {@code frames}: other agents' presence changes may arrive meanwhile. */
    private static List<JsonNode> newMessages(List<JsonNode> frames) {
        return frames.stream().filter(f -> "new_message".equals(f.path("event").asText())).toList();
    }
}
