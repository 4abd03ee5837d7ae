package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes on one PostgreSQL, Echo (the real pusher-js and Laravel Echo from npm, in Node) on each: what the app
 * sends from its own transactions, through the HTTP API on one node, or through the helpdesk {@code notify_*}
 * functions reaches Echo on every node, after COMMIT, in commit order, exactly once.
 *
 * <p>Every scenario ends with a marker event written after everything else: once a client has the marker, any
 * event it should not have had (a rolled-back one, a duplicate, one for the excluded socket) would already have
 * arrived, so the full list it saw up to the marker is compared, and nothing waits on a clock.
 */
class PusherTwoNodesIT {
    private static final PusherApp APP = new PusherApp("app-two", "two-key", "two-secret-0123");
    private static final Path SDK = Path.of("src/test/pusher-sdk");
    private static final Map<String, String> ENV = Map.of("PUSHER_APP_ID", APP.id(), "PUSHER_APP_KEY", APP.key(),
            "PUSHER_APP_SECRET", APP.secret());

    private static TestServer nodeA;
    private static TestServer nodeB;

    @BeforeAll
    static void startTwoNodes() {
        assertTrue(Files.isDirectory(Path.of("src/test/pusher-clients/node_modules/pusher-js")),
                "the npm clients are installed by the build: cd src/test/pusher-clients && npm ci");
        assertTrue(Files.isDirectory(SDK.resolve("node_modules/pusher")),
                "the pusher SDK is installed by the build: cd " + SDK + " && npm ci");
        nodeA = TestServer.start(env("node-a"));
        nodeB = TestServer.start(nodeA.database(), env("node-b"));
    }

    private static Map<String, String> env(String nodeId) {
        Map<String, String> env = new HashMap<>(ENV);
        env.put("NODE_ID", nodeId);
        return env;
    }

    @AfterAll
    static void stopTwoNodes() {
        if (nodeB != null) {
            nodeB.close();
        }
        if (nodeA != null) {
            nodeA.close();
        }
    }

    @Test
    void transactionalBroadcastsReachEchoOnBothNodesAfterCommitNeverAfterRollbackInCommitOrderOnce()
            throws Exception {
        try (NodeClients onA = listen(nodeA, "reverb", "orders", "private-orders.1");
             NodeClients onB = listen(nodeB, "pusher", "private-orders.1");
             Connection first = transaction();
             Connection second = transaction();
             Connection auto = nodeA.sql()) {
            broadcast(first, "tx", 1);
            broadcast(auto, "marker", 0);
            first.commit();

            broadcast(first, "tx", 2);
            first.rollback();

            // The later-started transaction commits first: its event comes first.
            broadcast(first, "tx", 3);
            broadcast(second, "tx", 4);
            second.commit();
            first.commit();

            broadcast(auto, "marker", 99);
            List<String> expected = List.of("marker:0", "tx:1", "tx:4", "tx:3", "marker:99");
            String why = "the marker written while the first transaction was open comes before it; the rolled-back "
                    + "event never comes; the later-started transaction's event comes first; each once: ";
            List<JsonNode> seenOnB = untilMarker(onB);
            assertEquals(expected, labels(seenOnB, "private-orders.1"), why + seenOnB);
            // A connection on several of an event's channels gets it once, on the first of them, as from Pusher.
            List<JsonNode> seenOnA = untilMarker(onA);
            assertEquals(expected, labels(seenOnA, "orders"), why + seenOnA);
            assertEquals(List.of(), labels(seenOnA, "private-orders.1"), "nothing twice: " + seenOnA);
        }
    }

    @Test
    void sdkTriggerOnOneNodeReachesEchoOnTheOtherExceptTheExcludedSocket() throws Exception {
        try (NodeClients onA = listen(nodeA, "reverb", "orders");
             NodeClients excluded = listen(nodeB, "reverb", "orders");
             NodeClients other = listen(nodeB, "pusher", "orders")) {
            String excludedSocket = excluded.socketId();
            trigger(nodeA, "orders", "sdk", "{\"seq\":1}", excludedSocket);
            trigger(nodeA, "orders", "sdk", "{\"seq\":2}", null);
            trigger(nodeA, "orders", "marker", "{\"seq\":99}", null);
            assertEquals(List.of("sdk:1", "sdk:2", "marker:99"), labels(untilMarker(onA), "orders"), "node A");
            assertEquals(List.of("sdk:1", "sdk:2", "marker:99"), labels(untilMarker(other), "orders"), "node B");
            assertEquals(List.of("sdk:2", "marker:99"), labels(untilMarker(excluded), "orders"),
                    "the socket the trigger named is left out, and only it");
        }
    }

    @Test
    void notifyNewMessageReachesEchoOnTheConversationsPrivateChannelOnBothNodes() throws Exception {
        String channel = "private-conversation.7";
        try (NodeClients onA = listen(nodeA, "reverb", channel);
             NodeClients onB = listen(nodeB, "reverb", channel);
             Connection auto = nodeA.sql()) {
            execute(auto, "SELECT realtime.notify_new_message(7, '{\"seq\":1,\"content\":\"hi\"}')");
            execute(auto, "SELECT realtime.notify_new_message(8, '{\"seq\":2,\"content\":\"elsewhere\"}')");
            execute(auto, "SELECT realtime.notify_new_message(7, '{\"seq\":3,\"content\":\"again\"}')");
            execute(auto, "SELECT realtime.broadcast('" + channel + "', 'marker', '{\"seq\":99}')");
            for (NodeClients echo : List.of(onA, onB)) {
                List<JsonNode> seen = untilMarker(echo);
                assertEquals(List.of("new_message:1", "new_message:3", "marker:99"), labels(seen, channel),
                        "conversation 7's messages, not conversation 8's: " + seen);
                JsonNode message = seen.stream().filter(line -> "new_message".equals(line.path("event").asText()))
                        .findFirst().orElseThrow();
                assertEquals(7, message.path("data").path("conversation_id").asInt());
                assertEquals("hi", message.path("data").path("message").path("content").asText());
            }
        }
    }

    /** An Echo client on {@code node} subscribed to {@code channels}, once it reports them all subscribed. */
    private static NodeClients listen(TestServer node, String broadcaster, String... channels) throws Exception {
        NodeClients echo = NodeClients.run("listen", node.port(), APP, broadcaster, channels);
        echo.socketId();
        return echo;
    }

    /** Every line up to the final marker (seq 99). */
    private static List<JsonNode> untilMarker(NodeClients echo) throws InterruptedException {
        return echo.until(line -> "marker".equals(line.path("event").asText())
                && line.path("data").path("seq").asInt() == 99);
    }

    /** {@code event:seq} of every event on {@code channel}, in arrival order. */
    private static List<String> labels(List<JsonNode> seen, String channel) {
        return seen.stream()
                .filter(line -> channel.equals(line.path("channel").asText()) && line.has("event"))
                .map(line -> {
                    JsonNode data = line.path("data");
                    int seq = data.has("seq") ? data.path("seq").asInt() : data.path("message").path("seq").asInt();
                    return line.path("event").asText() + ":" + seq;
                })
                .toList();
    }

    private static Connection transaction() throws SQLException {
        Connection connection = nodeA.sql();
        connection.setAutoCommit(false);
        return connection;
    }

    private static void broadcast(Connection connection, String event, int seq) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT realtime.broadcast(ARRAY['orders', 'private-orders.1'], ?, ?::jsonb)")) {
            statement.setString(1, event);
            statement.setString(2, "{\"seq\":" + seq + "}");
            statement.execute();
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }

    /** {@code pusher.trigger} from the official server SDK against {@code node}'s HTTP API. */
    private static void trigger(TestServer node, String channel, String event, String data, String exceptSocket)
            throws IOException, InterruptedException {
        ProcessBuilder builder = exceptSocket == null
                ? new ProcessBuilder("node", "trigger.js", channel, event, data)
                : new ProcessBuilder("node", "trigger.js", channel, event, data, exceptSocket);
        builder.directory(SDK.toFile()).redirectErrorStream(true);
        builder.environment().put("PUSHER_APP_ID", APP.id());
        builder.environment().put("PUSHER_APP_KEY", APP.key());
        builder.environment().put("PUSHER_APP_SECRET", APP.secret());
        builder.environment().put("PUSHER_PORT", Integer.toString(node.port()));
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "node trigger.js did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), text);
        assertEquals(200, new ObjectMapper().readTree(text).path("status").asInt(), text);
    }
}
