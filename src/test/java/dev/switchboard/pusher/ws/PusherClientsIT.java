package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real clients from npm, pusher-js 8 and Laravel Echo 2 (as pinned in {@code src/test/pusher-clients}, which
 * the build installs with {@code npm ci}), in Node against a running node: what a Laravel page does with Echo
 * must work unchanged. The Node side ({@code clients.mjs}) reports what Echo's callbacks saw, one JSON line each.
 */
class PusherClientsIT {
    private static final PusherApp APP = new PusherApp("app-echo", "echo-key", "echo-secret-0123");
    private static final Path CLIENTS = Path.of("src/test/pusher-clients");
    private static final Map<String, String> ENV = Map.of("PUSHER_APP_ID", APP.id(), "PUSHER_APP_KEY", APP.key(),
            "PUSHER_APP_SECRET", APP.secret());

    private static TestServer server;

    @BeforeAll
    static void startServer() {
        assertTrue(Files.isDirectory(CLIENTS.resolve("node_modules/pusher-js")),
                "the npm clients are installed by the build: cd " + CLIENTS + " && npm ci");
        server = TestServer.start(ENV);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static NodeClients run(String scenario, String broadcaster) throws IOException {
        return NodeClients.run(scenario, server.port(), APP, broadcaster);
    }

    private static void publish(String channel, String event, String data) {
        server.node().pusherChannels().publish(APP, List.of(channel), event, data, Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"reverb", "pusher"})
    void echoReceivesEventsOnPublicAndPrivateChannelsAndNotifications(String broadcaster) throws Exception {
        try (NodeClients node = run("channels", broadcaster)) {
            node.await(line -> line.has("ready"), "ready");
            publish("orders", "shipped", "{\"id\":1}");
            assertEquals(1, node.await(line -> "orders".equals(line.path("channel").asText()), "orders event")
                    .path("data").path("id").asInt());
            publish("private-orders.1", "App\\Events\\OrderPaid", "{\"id\":2}");
            assertEquals(2, node.await(line -> "private-orders.1".equals(line.path("channel").asText()),
                    "private event").path("data").path("id").asInt());
            publish("private-App.Models.User.1", "Illuminate\\Notifications\\Events\\BroadcastNotificationCreated",
                    "{\"id\":\"n1\",\"type\":\"App\\\\Notifications\\\\InvoicePaid\",\"amount\":3}");
            JsonNode notification = node.await(line -> line.has("notification"), "notification").get("notification");
            assertEquals("App\\Notifications\\InvoicePaid", notification.path("type").asText());
            assertEquals(3, notification.path("amount").asInt());
        }
    }

    @Test
    void refusedSubscriptionReachesEchosErrorCallback() throws Exception {
        try (NodeClients node = run("refused", "reverb")) {
            JsonNode error = node.await(line -> line.has("error"), "error").get("error");
            assertEquals("AuthError", error.path("type").asText());
            assertEquals(401, error.path("status").asInt());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reverb", "pusher"})
    void presenceHereJoiningAndLeavingWithTwoTabsOfOneUserAndTwoUsers(String broadcaster) throws Exception {
        try (NodeClients node = run("presence", broadcaster)) {
            List<JsonNode> lines = node.until(line -> line.has("done"));
            List<String> seen = lines.stream().map(JsonNode::toString).toList();
            int firstClose = seen.indexOf("{\"step\":\"ann closes one tab\"}");
            int secondClose = seen.indexOf("{\"step\":\"ann closes the other tab\"}");
            assertTrue(firstClose > 0 && secondClose > firstClose, "steps in order: " + seen);
            List<String> joins = seen.subList(0, firstClose);
            assertEquals(List.of(
                            "{\"tab\":\"ann1\",\"here\":[\"Ann\"]}",
                            "{\"tab\":\"ann1\",\"joining\":\"Bob\"}",
                            "{\"tab\":\"ann2\",\"here\":[\"Ann\"]}",
                            "{\"tab\":\"ann2\",\"joining\":\"Bob\"}",
                            "{\"tab\":\"bob\",\"here\":[\"Ann\",\"Bob\"]}"),
                    joins.stream().sorted().toList(), "(sorted) Ann's second tab is no new member; Bob joins once: " + seen);
            assertEquals(List.of(), seen.subList(firstClose + 1, secondClose),
                    "closing one of Ann's two tabs is not Ann leaving");
            assertEquals(List.of("{\"tab\":\"bob\",\"leaving\":\"Ann\"}"),
                    seen.subList(secondClose + 1, seen.size() - 1), "Ann leaves with her last tab");
        }
    }

    @Test
    void whisperReachesTheOtherMemberAndNotTheSender() throws Exception {
        try (NodeClients node = run("whisper", "reverb")) {
            List<JsonNode> lines = node.until(line -> line.has("done"));
            List<JsonNode> heard = lines.stream().filter(line -> line.has("heard")).toList();
            assertEquals(1, heard.size(), "one whisper heard: " + lines);
            assertEquals("bob", heard.get(0).path("heard").asText());
            assertEquals("Ann", heard.get(0).path("data").path("name").asText());
        }
    }

    @Test
    void signedInUserReceivesServerToUserEvents() throws Exception {
        try (NodeClients node = run("user", "pusher")) {
            assertEquals("1", node.await(line -> line.has("ready"), "signed in").path("ready").asText());
            publish("#server-to-user-1", "notice", "{\"text\":\"hello\"}");
            assertEquals("hello", node.await(line -> line.has("user"), "user event").path("user").path("text")
                    .asText());
        }
    }

    @Test
    void echoResubscribesItsChannelsAfterTheServerRestarts() throws Exception {
        try (NodeClients node = run("reconnect", "reverb")) {
            node.await(line -> "news".equals(line.path("subscribed").asText()), "news subscribed");
            node.await(line -> "private-inbox.1".equals(line.path("subscribed").asText()), "inbox subscribed");
            int port = server.port();
            server.close();
            Map<String, String> env = new HashMap<>(ENV);
            env.put("PORT", Integer.toString(port));
            server = TestServer.start(server.database(), env);
            List<String> again = new ArrayList<>();
            node.await(line -> {
                if (line.has("subscribed")) {
                    again.add(line.path("subscribed").asText());
                }
                return again.contains("news") && again.contains("private-inbox.1");
            }, "both channels subscribed again");
            publish("news", "headline", "{\"title\":\"back\"}");
            publish("private-inbox.1", "mail", "{\"from\":\"Bob\"}");
            assertEquals("back", node.await(line -> "news".equals(line.path("channel").asText()), "headline")
                    .path("data").path("title").asText());
            assertEquals("Bob", node.await(line -> "private-inbox.1".equals(line.path("channel").asText()), "mail")
                    .path("data").path("from").asText());
        }
    }
}
