package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java notifier API and the SQL functions behind it: one per PHP helper of the server this replaces, with its event shapes. */
class NotifierTest {
    private static TestServer server;
    private static Notifier notifier;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        notifier = server.node().notifier();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void javaApiJoinsTheCallersTransactionAndSendsEverySeedEvent() throws Exception {
        try (WsClient agent = server.agent(21); WsClient user = server.contact(22, 300L)) {
            agent.subscribe(300);
            user.subscribe(300);
            try (Connection c = server.node().dataSource().getConnection()) {
                c.setAutoCommit(false);
                long key = notifier.newMessage(c, 300, Map.of("id", 789, "content", "Olá", "sender_type", "agent",
                        "sender_id", 21, "created_at", "2025-01-27 10:30:00"));
                assertTrue(key > 0);
                notifier.conversationUpdated(c, 300, Map.of("id", 300, "status", "open", "agent_id", 21));
                notifier.newConversation(c, Map.of("id", 301, "contact_name", "João Silva", "status", "open"));
                notifier.agentStatus(c, 21, "busy");
                notifier.typing(c, 300, 99, true);
                notifier.messageRead(c, 300, 789, 22);
                notifier.user(c, 22, "custom_event", Map.of("hello", "world"));
                // Nothing before COMMIT.
                assertFalse(agent.sync().stream().anyMatch(f -> f.has("id")));
                c.commit();
            }

            // typing is transient (sent at COMMIT through NOTIFY, not stored), so it is not ordered among the
            // durable events of its own transaction: collect by name.
            Map<String, JsonNode> got = collect(agent, List.of("new_message", "conversation_updated",
                    "new_conversation", "agent_status", "typing", "message_read"));

            JsonNode message = got.get("new_message");
            assertEquals(300, message.get("conversation_id").asLong());
            assertEquals(789, message.get("message").get("id").asLong());
            assertEquals("Olá", message.get("message").get("content").asText());
            assertEquals("2025-01-27 10:30:00", message.get("message").get("created_at").asText());

            JsonNode updated = got.get("conversation_updated");
            assertEquals(300, updated.get("conversation_id").asLong());
            assertEquals("open", updated.get("conversation").get("status").asText());

            JsonNode created = got.get("new_conversation");
            assertEquals("João Silva", created.get("conversation").get("contact_name").asText());

            JsonNode status = got.get("agent_status");
            assertEquals(21, status.get("agent_id").asLong());
            assertEquals("busy", status.get("status").asText());

            JsonNode typing = got.get("typing");
            assertEquals(300, typing.get("conversation_id").asLong());
            assertEquals(99, typing.get("user_id").asLong());
            assertTrue(typing.get("is_typing").asBoolean());

            JsonNode read = got.get("message_read");
            assertEquals(789, read.get("message_id").asLong());
            assertEquals(22, read.get("user_id").asLong());

            // The contact sees its conversation's events and its own custom event, not the agents' inbox events.
            assertEquals("Olá", user.await("new_message").get("data").get("message").get("content").asText());
            JsonNode custom = user.await("custom_event");
            assertEquals("world", custom.get("data").get("hello").asText());
            assertTrue(custom.get("id").asLong() > 0);
        }
    }

    /** The {@code data} of the first frame of each named event, reading until all have arrived. */
    private static Map<String, JsonNode> collect(WsClient client, List<String> names) {
        Map<String, JsonNode> got = new java.util.HashMap<>();
        while (!got.keySet().containsAll(names)) {
            JsonNode frame = client.next();
            String event = frame.path("event").asText();
            if (names.contains(event) && !got.containsKey(event)
                    && !(event.equals("agent_status") && !frame.has("id"))) {
                got.put(event, frame.get("data"));
            }
        }
        return got;
    }

    @Test
    void agentStatusOutsideTheFourValuesIsRefused() throws Exception {
        try (Connection c = server.sql()) {
            SQLException e = assertThrows(SQLException.class, () -> notifier.agentStatus(c, 1, "sleeping"));
            assertTrue(e.getMessage().contains("online, offline, away or busy"), e.getMessage());
        }
    }

    @Test
    void customEventNamesAreValidatedAndProtocolNamesReserved() throws Exception {
        try (Connection c = server.sql()) {
            for (String bad : List.of("error", "authenticated", "pong", "Has Spaces", "", "x".repeat(80))) {
                assertThrows(SQLException.class, () -> notifier.user(c, 1, bad, Map.of()), bad);
            }
            assertTrue(notifier.user(c, 1, "invoice.paid", Map.of()) > 0);
        }
    }

    @Test
    void nullArgumentsAreRefusedWithAClearMessage() throws Exception {
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> s.execute("SELECT realtime.notify_new_message(NULL, '{}')"));
            assertTrue(e.getMessage().contains("conversation_id must not be null"), e.getMessage());
            e = assertThrows(SQLException.class, () -> s.execute("SELECT realtime.notify_new_message(1, NULL)"));
            assertTrue(e.getMessage().contains("must not be null"), e.getMessage());
        }
    }

    /**
     * The web app's database role needs only the README's grants: the functions are SECURITY DEFINER, including
     * the trigger that runs at its COMMIT, and the table itself stays out of its reach. A role with USAGE alone
     * cannot push anything.
     */
    @Test
    void applicationRoleWithTheReadmeGrantsCanNotifyButNotTouchTheTable() throws Exception {
        try (Connection admin = server.sql(); Statement s = admin.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'helpdesk_app') THEN"
                    + " CREATE ROLE helpdesk_app LOGIN PASSWORD 'app'; END IF; END $$");
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reporting') THEN"
                    + " CREATE ROLE reporting LOGIN PASSWORD 'r'; END IF; END $$");
            s.execute("GRANT USAGE ON SCHEMA realtime TO helpdesk_app, reporting");
            s.execute(dev.switchboard.testing.ReadmeExamples.privilegesSql());
        }
        try (Connection reporting = java.sql.DriverManager.getConnection(server.database().jdbcUrl(), "reporting",
                "r"); Statement s = reporting.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute(
                    "SELECT realtime.notify_user(1, 'surprise', '{}')"), "USAGE alone grants no push");
            assertThrows(SQLException.class, () -> s.execute("SELECT * FROM realtime.current_event_id()"),
                    "nor the position");
        }
        try (WsClient agent = server.agent(23);
             Connection app = java.sql.DriverManager.getConnection(server.database().jdbcUrl(), "helpdesk_app", "app");
             Statement s = app.createStatement()) {
            agent.subscribe(302);
            app.setAutoCommit(false);
            s.execute("SELECT realtime.notify_new_message(302, '{\"content\":\"from the app role\"}')");
            app.commit();
            assertEquals("from the app role", agent.await("new_message").get("data").get("message").get("content")
                    .asText());
            app.setAutoCommit(true);
            try (var position = s.executeQuery("SELECT last_event_id, epoch FROM realtime.current_event_id()")) {
                assertTrue(position.next() && position.getString(2) != null, "the app reads a page's position");
            }
            assertThrows(SQLException.class, () -> s.execute(
                    "INSERT INTO realtime.events (event, audience, data) VALUES ('x', 'staff', '{}')"));
            assertThrows(SQLException.class, () -> s.execute(
                    "SELECT realtime.enqueue_event('x', 'staff', NULL, NULL, '{}')"));
        }
    }

    private static long unnumbered(Statement s) throws SQLException {
        try (var rs = s.executeQuery("SELECT count(*) FROM realtime.events WHERE id IS NULL")) {
            rs.next();
            return rs.getLong(1);
        }
    }


    @Test
    void prunerDeletesOnlyEventsOlderThanTheRetention() throws Exception {
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            s.execute("SELECT realtime.notify_new_conversation('{\"old\":true}')");
            s.execute("SELECT realtime.notify_new_conversation('{\"old\":false}')");
            s.execute("UPDATE realtime.events SET created_at = now() - interval '2 hours' WHERE data @> '{\"conversation\":{\"old\":true}}'");
            // The pruner never deletes an event the sequencer has not numbered yet: wait until both are.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (unnumbered(s) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long pruned = new EventPruner(server.node().dataSource(), java.time.Duration.ofHours(1)).prune();
            assertTrue(pruned >= 1);
            try (var rs = s.executeQuery("SELECT count(*) FILTER (WHERE data @> '{\"conversation\":{\"old\":true}}'),"
                    + " count(*) FILTER (WHERE data @> '{\"conversation\":{\"old\":false}}') FROM realtime.events")) {
                rs.next();
                assertEquals(0, rs.getLong(1));
                assertEquals(1, rs.getLong(2));
            }
        }
    }
}
