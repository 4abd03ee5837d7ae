package dev.switchboard.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.auth.Role;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operations stream over the WebSocket: admin tokens only, fed with the node's real numbers. */
class AdminStreamTest {
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
    void theOperationsPageIsServedAtAdminWithoutTheDemo() throws Exception {
        assertTrue(!server.node().config().demo().enabled(), "the page must not depend on DEMO");
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        for (String path : List.of("/admin", "/admin/", "/admin/admin.js")) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), path);
            assertTrue(page.body().contains("admin_subscribe") || page.body().contains("admin.js"), path);
        }
    }

    @Test
    void agentAndContactTokensAreForbiddenTheOperationsStream() {
        try (WsClient agent = server.agent(801); WsClient contact = server.contact(802, 5L)) {
            JsonNode refused = agent.send("type", "admin_subscribe").awaitError("forbidden");
            assertEquals("admin_subscribe", refused.path("request").asText(), refused.toString());
            contact.send("type", "admin_subscribe").awaitError("forbidden");
        }
    }

    @Test
    void beforeAuthTheOperationsStreamAsksForAuth() {
        try (WsClient anonymous = server.connect()) {
            anonymous.send("type", "admin_subscribe").awaitError("unauthenticated");
        }
    }

    @Test
    void adminReceivesStatusHealthAndMetricsThatCountTheEventsFlowing() {
        try (WsClient admin = server.connect(); WsClient agent = server.agent(803)) {
            admin.authenticate(server.token(804, Role.ADMIN, "Ops", List.of()));
            admin.send("type", "admin_subscribe");
            // The latest of each kind arrives at once on subscribing, in no particular order.
            Map<String, JsonNode> latest = new HashMap<>();
            while (!latest.keySet().containsAll(List.of("status", "health", "metrics"))) {
                JsonNode frame = admin.next();
                latest.put(frame.path("event").asText(), frame.path("data"));
            }
            JsonNode status = latest.get("status");
            assertTrue(status.path("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), status.toString());
            assertEquals(1, status.path("cluster_size").asInt(), status.toString());
            JsonNode health = latest.get("health");
            assertEquals("healthy", health.path("checks").path("database").asText(), health.toString());
            JsonNode first = admin.await("metrics").path("data");
            assertEquals(server.node().config().node().id(), first.path("node").path("node_id").asText());
            assertTrue(first.path("node").path("connections").path("agent").asInt() >= 1, first.toString());
            assertTrue(first.path("node").path("connections").path("admin").asInt() >= 1, first.toString());
            agent.subscribe(77);
            for (int i = 0; i < 20; i++) {
                SqlEvents.exec(server, "SELECT realtime.notify_new_message(77, '{\"id\":" + i + "}')");
            }
            JsonNode busy = admin.awaitMatching(f -> "metrics".equals(f.path("event").asText())
                            && f.path("data").path("node").path("events_in_per_second").asDouble() > 0
                            && f.path("data").path("node").has("delivery_p99_ms"),
                    "a metrics frame counting the events").path("data").path("node");
            assertTrue(busy.path("frames_out_per_second").asDouble() > 0, busy.toString());
            assertTrue(busy.path("delivery_p50_ms").asDouble() <= busy.path("delivery_p99_ms").asDouble(),
                    busy.toString());
        }
    }

    @Test
    void everyLiveNodeIsListedAndANodeSilentForTenSecondsDropsOff() {
        DatabaseUrl database = TestDatabases.createDatabase();
        try (TestServer nodeA = TestServer.start(database, Map.of("NODE_ID", "node-a"));
             TestServer nodeB = TestServer.start(database, Map.of("NODE_ID", "node-b"));
             WsClient admin = nodeA.connect()) {
            admin.authenticate(nodeA.token(806, Role.ADMIN, "Ops", List.of()));
            admin.send("type", "admin_subscribe");
            admin.awaitMatching(f -> "metrics".equals(f.path("event").asText())
                    && nodeIds(f).equals(List.of("node-a", "node-b")), "metrics listing both nodes");
            // Node B's snapshot as if it had stopped writing 11 s ago (and it will write again, so stop it first).
            nodeB.close();
            SqlEvents.exec(nodeA, "UPDATE realtime.nodes SET updated_at = now() - interval '11 seconds'"
                    + " WHERE node_id = 'node-b'");
            admin.awaitMatching(f -> "metrics".equals(f.path("event").asText())
                    && nodeIds(f).equals(List.of("node-a")), "metrics without the silent node");
        }
    }

    private static List<String> nodeIds(JsonNode metricsFrame) {
        List<String> ids = new java.util.ArrayList<>();
        for (JsonNode node : metricsFrame.path("data").path("nodes")) {
            ids.add(node.path("node_id").asText());
        }
        return ids;
    }
}
