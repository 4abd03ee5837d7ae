package dev.switchboard.pusher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.db.Database;
import dev.switchboard.pusher.RecordingDirectory.Published;
import dev.switchboard.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code realtime.broadcast} from the app's own transaction, through the real sequencer and listener on a real
 * PostgreSQL: published after COMMIT, never after ROLLBACK, in commit order, once, on every node.
 */
class SqlBroadcastTest {
    private DatabaseUrl url;
    private HikariDataSource pool;
    private PusherPipeline node;

    @BeforeEach
    void start() throws SQLException {
        url = TestDatabases.createDatabase();
        pool = Database.pool(url, 4, "broadcast-test");
        Database.migrate(pool);
        node = PusherPipeline.start(url, "node-a");
    }

    @AfterEach
    void stop() {
        node.close();
        pool.close();
    }

    @Test
    void aBroadcastIsPublishedOnlyOnceItsTransactionCommits() throws SQLException {
        try (Connection app = pool.getConnection()) {
            app.setAutoCommit(false);
            exec(app, "SELECT realtime.broadcast('private-orders.7', 'App\\Events\\OrderShipped', '{\"id\":7}')");
            // Committed after the open broadcast was written: once it is here, the open one was passed over.
            broadcastMarker();
            assertEquals("marker", node.directory.next().event());
            node.directory.assertNothingPublished();
            app.commit();
        }
        Published shipped = node.directory.next();
        assertEquals(new Published(PusherPipeline.APP, List.of("private-orders.7"), "App\\Events\\OrderShipped",
                "{\"id\": 7}", Optional.empty()), shipped);
    }

    @Test
    void aRolledBackBroadcastIsNeverPublished() throws SQLException {
        try (Connection app = pool.getConnection()) {
            app.setAutoCommit(false);
            exec(app, "SELECT realtime.broadcast('orders', 'created', '{\"id\":1}')");
            app.rollback();
        }
        broadcastMarker();
        assertEquals("marker", node.directory.next().event());
        node.directory.assertNothingPublished();
    }

    @Test
    void transactionsCommittedInAnotherOrderThanWrittenArePublishedInCommitOrderOnce() throws SQLException {
        try (Connection first = pool.getConnection(); Connection second = pool.getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            exec(first, "SELECT realtime.broadcast('orders', 'written-first', '{}')");
            exec(second, "SELECT realtime.broadcast('orders', 'written-second', '{}')");
            second.commit();
            first.commit();
        }
        broadcastMarker();
        assertEquals("written-second", node.directory.next().event());
        assertEquals("written-first", node.directory.next().event());
        assertEquals("marker", node.directory.next().event());
        node.directory.assertNothingPublished();
    }

    @Test
    void everyNodeOnTheDatabasePublishesEachBroadcastOnce() throws SQLException {
        try (PusherPipeline other = PusherPipeline.start(url, "node-b")) {
            exec("SELECT realtime.broadcast(ARRAY['orders', 'presence-room'], 'both', '{\"n\":1}', '12.34')");
            broadcastMarker();
            for (RecordingDirectory directory : List.of(node.directory, other.directory)) {
                assertEquals(new Published(PusherPipeline.APP, List.of("orders", "presence-room"), "both",
                        "{\"n\": 1}", Optional.of("12.34")), directory.next());
                assertEquals("marker", directory.next().event());
                directory.assertNothingPublished();
            }
        }
    }

    @Test
    void aJsonStringIsPublishedAsThatStringAndAnyOtherValueAsItsJsonText() throws SQLException {
        exec("SELECT realtime.broadcast('orders', 'text', to_jsonb('already {encoded}'::text))",
                "SELECT realtime.broadcast('orders', 'array', '[1, \"two\"]')");
        assertEquals("already {encoded}", node.directory.next().data());
        assertEquals("[1, \"two\"]", node.directory.next().data());
    }

    @Test
    void aBroadcastForAnAppThisNodeDoesNotServeIsNotPublished() throws SQLException {
        exec("SELECT realtime.broadcast(ARRAY['orders'], 'elsewhere', '{}', NULL, 'other-app')");
        broadcastMarker();
        assertEquals("marker", node.directory.next().event());
        node.directory.assertNothingPublished();
    }

    @Test
    void helpdeskEventsArePublishedOnTheirEchoChannels() throws Exception {
        exec("SELECT realtime.notify_new_message(7, '{\"content\":\"hi\"}')",
                "SELECT realtime.notify_message_read(7, 70, 3)",
                "SELECT realtime.notify_new_conversation('{\"id\":8}')",
                "SELECT realtime.notify_agent_status(5, 'away')",
                "SELECT realtime.notify_user(9, 'invoice.paid', '{\"invoice\":1}')",
                "SELECT realtime.notify_typing(7, 3, true)");
        ObjectMapper json = new ObjectMapper();
        // Typing is transient: sent beside the stored events, not in their order. The stored ones keep theirs.
        List<Published> stored = new java.util.ArrayList<>();
        Published typing = null;
        for (int i = 0; i < 6; i++) {
            Published next = node.directory.next();
            if ("typing".equals(next.event())) {
                typing = next;
            } else {
                stored.add(next);
            }
        }
        assertEquals(new Published(PusherPipeline.APP, List.of("private-conversation.7"), "typing",
                "{\"conversation_id\":7,\"user_id\":3,\"is_typing\":true}", Optional.empty()), typing);
        Published message = stored.get(0);
        assertEquals(List.of("private-conversation.7", "private-agents"), message.channels());
        assertEquals("new_message", message.event());
        assertEquals("hi", json.readTree(message.data()).path("message").path("content").asText());
        assertEquals(List.of("private-conversation.7"), stored.get(1).channels());
        assertEquals(List.of("private-agents"), stored.get(2).channels());
        Published status = stored.get(3);
        assertEquals(List.of("private-agents"), status.channels());
        assertEquals("agent_status", status.event());
        Published custom = stored.get(4);
        assertEquals(List.of("private-user.9"), custom.channels());
        assertEquals("invoice.paid", custom.event());
    }

    @Test
    void invalidBroadcastsFailTheCallersTransaction() {
        assertSqlState("22023", "SELECT realtime.broadcast('no spaces', 'e', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast('" + "a".repeat(201) + "', 'e', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast(array_fill('c'::text, ARRAY[101]), 'e', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast(ARRAY[]::text[], 'e', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast('orders', 'pusher:error', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast('orders', 'pusher_internal:member_added', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast('orders', '" + "e".repeat(201) + "', '{}')");
        assertSqlState("22023", "SELECT realtime.broadcast(ARRAY['orders'], 'e', '{}', 'not-a-socket')");
        assertSqlState("22004", "SELECT realtime.broadcast('orders', 'e', NULL)");
        assertSqlState("54000", "SELECT realtime.broadcast('orders', 'e', jsonb_build_object('x', repeat('y', 300000)))");
    }

    @Test
    void channelNamesMayUsePushersPunctuationAndTheUserChannelPrefix() throws SQLException {
        exec("SELECT realtime.broadcast(ARRAY['private-a_b-c=d@e,f.g;h', '#server-to-user-42'], 'ok', '{}')");
        assertEquals(List.of("private-a_b-c=d@e,f.g;h", "#server-to-user-42"), node.directory.next().channels());
    }

    @Test
    void terminatingAUsersConnectionsReachesEveryNodeAndIsNotPublished() throws SQLException {
        try (PusherPipeline other = PusherPipeline.start(url, "node-b")) {
            exec("SELECT realtime.terminate_user_connections('42')");
            broadcastMarker();
            for (PusherPipeline pipeline : List.of(node, other)) {
                assertEquals("42", pipeline.directory.nextTerminated());
                assertEquals("marker", pipeline.directory.next().event(), "terminating published nothing");
            }
        }
        assertSqlState("22023", "SELECT realtime.terminate_user_connections('has space')");
    }

    private void assertSqlState(String state, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> exec(sql), sql);
        assertEquals(state, e.getSQLState(), e.getMessage());
    }

    private void broadcastMarker() throws SQLException {
        exec("SELECT realtime.broadcast('markers', 'marker', '{}')");
    }

    private void exec(String... statements) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(true);
            for (String sql : statements) {
                exec(c, sql);
            }
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
