package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.LogCapture;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database goes away under a running node: /health turns 503, WebSocket clients stay connected, and every
 * event committed while the node could not listen is delivered, in order and once, when it comes back.
 */
class ListenerRecoveryTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void eventsCommittedWhileTheDatabaseIsUnreachableAreDeliveredAfterItReturns() throws Exception {
        // The node logs in as its own role, so the test can lock it out while a superuser keeps writing.
        String database = "sb_recovery";
        try (Connection c = TestDatabases.superuser("postgres"); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database);
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sb_node') THEN"
                    + " CREATE ROLE sb_node LOGIN PASSWORD 'node'; END IF; END $$");
            s.execute("ALTER ROLE sb_node LOGIN");
            s.execute("CREATE DATABASE " + database + " OWNER sb_node");
        }
        DatabaseUrl url = new DatabaseUrl(TestDatabases.jdbcUrl(database), "sb_node", "node");
        try (LogCapture log = LogCapture.start();
             TestServer server = TestServer.start(url, Map.of()); WsClient agent = server.agent(31)) {
            agent.subscribe(400);
            push(database, "before");
            assertEquals("before", content(agent.await("new_message")));
            assertEquals(200, health(server));

            lockOut(database);
            awaitHealth(server, 503);

            push(database, "during 1");
            push(database, "during 2");
            assertTrue(agent.sync().stream().noneMatch(f -> "new_message".equals(f.path("event").asText())),
                    "nothing can be delivered while the node cannot read");

            try (Connection c = TestDatabases.superuser("postgres"); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE sb_node LOGIN");
            }
            assertEquals("during 1", content(agent.await("new_message")));
            assertEquals("during 2", content(agent.await("new_message")));
            awaitHealth(server, 200);
            push(database, "after");
            assertEquals("after", content(agent.await("new_message")));
            assertTrue(agent.sync().stream().noneMatch(f -> "new_message".equals(f.path("event").asText())));

            // The operator's view of the outage: one line when it began, one when it ended, whatever the retries.
            assertEquals(1, log.lines("listener_lost").size(), log.all().toString());
            assertEquals(1, log.lines("listener_restored").size(), log.all().toString());
            Map<String, String> restored = log.lines("listener_restored").get(0);
            assertEquals(log.lines("listener_lost").get(0).get("after_id"), restored.get("after_id"),
                    "it catches up from where it stopped");
            assertTrue(Long.parseLong(restored.get("down_ms")) > 0, restored.toString());
        }
    }

    private static void lockOut(String database) throws Exception {
        try (Connection c = TestDatabases.superuser("postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE sb_node NOLOGIN");
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'sb_node'");
        }
    }

    private static void push(String database, String content) throws Exception {
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement()) {
            s.execute("SELECT realtime.notify_new_message(400, jsonb_build_object('content', '" + content + "'))");
        }
    }

    private static int health(TestServer server) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void awaitHealth(TestServer server, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = health(server);
            if (last == status) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/health never answered " + status + " (last " + last + ")");
    }

    private static String content(JsonNode event) {
        return event.path("data").path("message").path("content").asText();
    }
}
