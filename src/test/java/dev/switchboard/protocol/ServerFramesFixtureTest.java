package dev.switchboard.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.auth.Role;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Records what the real server sends (every error code with its real {@code data}, every event, every close code
 * and reason) into {@code src/test/js/fixtures/server-frames.json}, the file the browser client's unit tests
 * ({@code src/test/js}, run by {@code node --test}) feed to the client instead of shapes imagined by hand.
 *
 * <p>The fixture stays true because this test fails whenever the committed file differs from what the server sends
 * now. After a deliberate protocol change, regenerate it and review the diff with the client in mind:
 * {@code mvn -Dtest=ServerFramesFixtureTest -Dswitchboard.fixtures.update=true test}.
 *
 * <p>Values that differ on every run are checked for their form, then replaced by stable ones, so the file only
 * changes when the protocol does: event {@code id}s become 1, 2, 3… in the order first seen (increasing, as on the
 * wire), {@code connection_id}s become {@code test-1}, {@code test-2}…, {@code server_time} a fixed instant, and a
 * presence snapshot is sorted by agent (its order means nothing).
 */
class ServerFramesFixtureTest {
    /** Set to {@code true} to rewrite the fixture from this run instead of comparing with it. */
    static final String UPDATE_PROPERTY = "switchboard.fixtures.update";
    static final Path FIXTURE = Path.of(System.getProperty("basedir", "."))
            .resolve("src/test/js/fixtures/server-frames.json");
    static final String FIXED_SERVER_TIME = "2026-01-01T00:00:00.000Z";
    static final String FIXED_EPOCH = "00000000-0000-4000-8000-000000000001";
    private static final Pattern EPOCH =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final TokenIssuer ISSUER = new TokenIssuer(TestServer.SECRET);
    private static final long CONVERSATION = 456;
    private static final long OTHER_CONVERSATION = 457;
    /** The node id tests run with, hence connection ids {@code test-<n>}. */
    private static final Pattern CONNECTION_ID = Pattern.compile("test-\\d+");

    private final Recording recording = new Recording();

    @Test
    void committedFixtureIsWhatTheServerSendsNow() throws Exception {
        // Main server: a rate limit too generous to interfere, so the subscription cap can be reached quickly.
        try (TestServer server = TestServer.start(Map.of("RATE_LIMIT_PER_SECOND", "100000",
                "RATE_LIMIT_BURST", "100000"))) {
            // Waits run side by side: the token of this one runs out while the other scenarios play.
            try (RecordingClient expiring = RecordingClient.connect(server.port())) {
                // 55 s past exp still passes the verifier's 60 s of clock skew: about 5 s left to live.
                expiring.authenticate(ISSUER.issue(102, Role.CONTACT, "Soon gone", List.of(CONVERSATION),
                        Duration.ofSeconds(-55)));
                recordEvents(server);
                recordResume(server);
                recordErrors(server);
                recordTooBig(server);
                recording.close("token_expired", expiring.awaitClose());
            }
        }
        // Strict server: a rate limit a client can trip, a short auth timeout, a small send queue soon given up on.
        try (TestServer strict = TestServer.start(Map.of("RATE_LIMIT_PER_SECOND", "1", "RATE_LIMIT_BURST", "2",
                "AUTH_TIMEOUT", "2s", "SEND_QUEUE_LIMIT", "16", "SLOW_CONSUMER_TIMEOUT", "1s"))) {
            // Never authenticates: refused once the auth timeout is over, while the scenarios below play.
            try (RecordingClient silent = RecordingClient.connect(strict.port())) {
                recordFlood(strict);
                recordSlowConsumer(strict);
                recording.frame("error.unauthorized.auth_timeout", silent.awaitError("unauthorized"));
                recording.close("unauthorized.auth_timeout", silent.awaitClose());
            }
            try (RecordingClient survivor = RecordingClient.connect(strict.port())) {
                survivor.authenticate(strict.agentToken(30));
                strict.close(); // the node shuts down with the client still connected (closing twice is harmless)
                recording.close("going_away.shutdown", survivor.awaitClose());
            }
        }
        // No client input makes the server fail, so internal_error cannot be provoked; encoded the way the
        // session answers a failure of its own.
        recording.frame("error.internal_error", JSON.readTree(new ServerFrames(new ObjectMapper())
                .error(ErrorCode.INTERNAL_ERROR, "the server could not handle this message", null)));
        recording.notProvoked("error.internal_error", "no client input makes the server fail: encoded by"
                + " ServerFrames as ClientSession sends it");

        assertEveryCodeIsRecorded();
        String text = JSON.writeValueAsString(recording.toJson()) + "\n";
        if (Boolean.getBoolean(UPDATE_PROPERTY)) {
            Files.createDirectories(FIXTURE.getParent());
            Files.writeString(FIXTURE, text, StandardCharsets.UTF_8);
            return;
        }
        // Compared as read back from text, like the committed file: the number types of a tree built in memory
        // (long ids) differ from those of a parsed one (int) for equal JSON.
        JsonNode actual = JSON.readTree(text);
        JsonNode committed = Files.exists(FIXTURE) ? JSON.readTree(FIXTURE.toFile()) : null;
        if (!actual.equals(committed)) {
            fail(FIXTURE + " no longer matches what the server sends; the JS client's tests would be testing"
                    + " against stale frames. If the change is deliberate, regenerate it with\n  mvn -B"
                    + " -Dtest=ServerFramesFixtureTest -D" + UPDATE_PROPERTY + "=true test\nand review the diff."
                    + "\nDifferences:\n  " + String.join("\n  ", differences(committed, actual)));
        }
    }

    // ---------------------------------------------------------------- events

    private void recordEvents(TestServer server) throws Exception {
        try (RecordingClient agent = RecordingClient.connect(server.port());
             RecordingClient contact = RecordingClient.connect(server.port())) {
            agent.send("{\"type\":\"auth\",\"token\":\"" + server.agentToken(1) + "\",\"user_id\":1}");
            recording.frame("authenticated.agent", agent.await("authenticated"));
            agent.await("presence");

            RecordingClient second = RecordingClient.connect(server.port());
            second.authenticate(server.agentToken(2));
            recording.frame("presence", second.await("presence"));
            recording.frame("agent_status.online", agent.await("agent_status"));

            recording.frame("authenticated.contact", contact.authenticate(
                    server.contactToken(100, CONVERSATION)));
            // A fresh token on the live connection: the same connection, confirmed again.
            recording.frame("authenticated.reauth", contact.authenticate(
                    server.contactToken(100, CONVERSATION)));

            agent.send(subscribe(CONVERSATION));
            recording.frame("subscribed", agent.await("subscribed"));
            contact.send(subscribe(CONVERSATION));
            contact.await("subscribed");
            agent.send("{\"type\":\"ping\"}");
            recording.frame("pong", agent.await("pong"));

            contact.send(typing(CONVERSATION, true));
            recording.frame("typing.true", agent.await("typing"));
            contact.send(typing(CONVERSATION, false));
            recording.frame("typing.false", agent.await("typing"));

            // Durable events, pushed the way the web app pushes them: realtime.notify_* in its own transaction.
            SqlEvents.exec(server, "SELECT realtime.notify_new_message(456, '{\"id\":789,\"content\":\"Olá! Como"
                    + " posso ajudar?\",\"sender_type\":\"agent\",\"sender_id\":1,\"created_at\":\"2025-01-27"
                    + " 10:30:00\"}')");
            recording.frame("new_message", contact.await("new_message"));
            SqlEvents.exec(server, "SELECT realtime.notify_conversation_updated(456,"
                    + " '{\"id\":456,\"status\":\"open\",\"agent_id\":1}')");
            recording.frame("conversation_updated", contact.await("conversation_updated"));
            SqlEvents.exec(server, "SELECT realtime.notify_new_conversation('{\"id\":458,\"status\":\"open\","
                    + "\"contact_name\":\"Maria\"}')");
            recording.frame("new_conversation", agent.await("new_conversation"));
            SqlEvents.exec(server, "SELECT realtime.notify_message_read(456, 789, 100)");
            recording.frame("message_read", agent.await("message_read"));
            SqlEvents.exec(server, "SELECT realtime.notify_user(100, 'order_shipped', '{\"order_id\":31}')");
            recording.frame("notify_user", contact.await("order_shipped"));
            SqlEvents.exec(server, "SELECT realtime.notify_agent_status(2, 'away')");
            recording.frame("agent_status.notifier", agent.awaitMatching(
                    f -> f.has("id") && "agent_status".equals(f.path("event").asText()), "durable agent_status"));
            SqlEvents.exec(server, "SELECT realtime.notify_typing(456, 1, true)");
            recording.frame("typing.notifier", contact.await("typing"));

            second.close(); // its last connection: offline once the presence grace is over
            recording.frame("agent_status.offline", agent.awaitMatching(
                    f -> "agent_status".equals(f.path("event").asText()) && !f.has("id")
                            && "offline".equals(f.path("data").path("status").asText()), "agent_status offline"));

            agent.send("{\"type\":\"unsubscribe\",\"conversation_id\":456}");
            recording.frame("unsubscribed", agent.await("unsubscribed"));
        }
    }

    // ---------------------------------------------------------------- resume

    private void recordResume(TestServer server) throws Exception {
        String epoch;
        long seen;
        try (RecordingClient contact = RecordingClient.connect(server.port())) {
            epoch = contact.authenticate(server.contactToken(103, CONVERSATION)).path("data").path("epoch").asText();
            contact.send(subscribe(CONVERSATION));
            contact.await("subscribed");
            SqlEvents.exec(server, "SELECT realtime.notify_new_message(456, '{\"id\":790}')");
            seen = contact.await("new_message").path("id").asLong();
        }
        SqlEvents.exec(server, "SELECT realtime.notify_user(103, 'order_shipped', '{\"order_id\":32}')",
                "SELECT realtime.notify_new_message(456, '{\"id\":791}')");
        try (RecordingClient contact = RecordingClient.connect(server.port())) {
            contact.send("{\"type\":\"auth\",\"token\":\"" + server.contactToken(103, CONVERSATION)
                    + "\",\"last_event_id\":" + seen + ",\"epoch\":\"" + epoch + "\"}");
            recording.frame("authenticated.resumed", contact.await("authenticated"));
            contact.send("{\"type\":\"subscribe\",\"conversation_id\":456,\"last_event_id\":" + seen + "}");
            recording.frame("subscribed.resumed", contact.await("subscribed"));
        }
        try (RecordingClient stranger = RecordingClient.connect(server.port())) {
            stranger.send("{\"type\":\"auth\",\"token\":\"" + server.agentToken(9)
                    + "\",\"last_event_id\":1,\"epoch\":\"00000000-0000-0000-0000-000000000000\"}");
            recording.frame("authenticated.not_recovered", stranger.await("authenticated"));
            recording.frame("resync_required.auth", stranger.await("resync_required"));
            stranger.send("{\"type\":\"subscribe\",\"conversation_id\":456,\"last_event_id\":1}");
            recording.frame("subscribed.not_recovered", stranger.await("subscribed"));
            recording.frame("resync_required.subscribe", stranger.await("resync_required"));
        }
    }

    // ---------------------------------------------------------------- errors

    private void recordErrors(TestServer server) {
        try (RecordingClient anonymous = RecordingClient.connect(server.port())) {
            anonymous.send(subscribe(CONVERSATION));
            recording.frame("error.unauthenticated", anonymous.awaitError("unauthenticated"));
        }
        try (RecordingClient agent = RecordingClient.connect(server.port())) {
            agent.authenticate(server.agentToken(3));
            agent.send("not json");
            recording.frame("error.invalid_json", agent.awaitError("invalid_json"));
            agent.sendBinary(new byte[] {1, 2, 3});
            recording.frame("error.invalid_json.binary", agent.awaitError("invalid_json"));
            agent.send("{\"type\":\"shout\"}");
            recording.frame("error.unknown_type", agent.awaitError("unknown_type"));
            agent.send("{\"type\":\"subscribe\"}");
            recording.frame("error.invalid_field", agent.awaitError("invalid_field"));
            agent.send("{\"conversation_id\":456}");
            recording.frame("error.invalid_field.no_type", agent.awaitError("invalid_field"));

            // The subscription cap: every subscribe sent at once, the one past the cap refused.
            for (long id = 10_001; id <= 11_001; id++) {
                agent.send(subscribe(id));
            }
            recording.frame("error.forbidden.subscription_limit", agent.awaitError("forbidden"));
        }
        try (RecordingClient contact = RecordingClient.connect(server.port())) {
            contact.authenticate(server.contactToken(101, CONVERSATION));
            contact.send(subscribe(OTHER_CONVERSATION));
            recording.frame("error.forbidden.subscribe", contact.awaitError("forbidden"));
            contact.send(typing(OTHER_CONVERSATION, true));
            recording.frame("error.forbidden.typing", contact.awaitError("forbidden"));
        }
        try (RecordingClient forged = RecordingClient.connect(server.port())) {
            String token = new TokenIssuer("another-secret-that-is-long-enough-for-hs256-!!")
                    .issue(5, Role.AGENT, "Agent 5", List.of(), Duration.ofHours(1));
            forged.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            recording.frame("error.unauthorized", forged.awaitError("unauthorized"));
            recording.close("unauthorized", forged.awaitClose());
        }
        try (RecordingClient agent = RecordingClient.connect(server.port())) {
            agent.authenticate(server.agentToken(6));
            agent.send("{\"type\":\"auth\",\"token\":\"" + server.agentToken(7) + "\"}");
            recording.frame("error.unauthorized.reauth", agent.awaitError("unauthorized"));
            recording.close("unauthorized.reauth", agent.awaitClose());
        }
    }

    private void recordTooBig(TestServer server) {
        try (RecordingClient agent = RecordingClient.connect(server.port())) {
            agent.authenticate(server.agentToken(8));
            agent.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            recording.close("message_too_big", agent.awaitClose());
        }
    }

    private void recordFlood(TestServer strict) {
        try (RecordingClient flooder = RecordingClient.connect(strict.port())) {
            flooder.authenticate(strict.agentToken(20)); // one of the two burst tokens
            try {
                for (int i = 0; i < 400 && !flooder.isClosed(); i++) {
                    flooder.send("{\"type\":\"ping\"}");
                }
            } catch (RuntimeException closedUnderUs) {
                // the server may close while the client is still sending
            }
            recording.frame("error.rate_limited", flooder.awaitError("rate_limited"));
            recording.close("policy_violation.flood", flooder.awaitClose());
        }
    }

    private void recordSlowConsumer(TestServer strict) {
        try (RecordingClient stalled = RecordingClient.connect(strict.port())) {
            stalled.authenticate(strict.agentToken(21));
            stalled.await("presence");
            stalled.stallReading();
            String pad = "x".repeat(32 * 1024);
            int sent = 0;
            long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
            // Until the server gives up on it: the only authenticated connection left.
            while (strict.node().authenticatedConnections() > 0 && System.nanoTime() < deadline) {
                String[] batch = new String[8];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = "SELECT realtime.notify_new_conversation('{\"n\":" + ++sent + ",\"pad\":\"" + pad
                            + "\"}')";
                }
                SqlEvents.inTransaction(strict, true, batch);
            }
            stalled.resumeReading();
            recording.close("try_again_later.slow_consumer", stalled.awaitClose());
        }
    }

    // ---------------------------------------------------------------- coverage

    /** A new error code or close code fails here until a scenario above provokes it. */
    private void assertEveryCodeIsRecorded() throws IllegalAccessException {
        Set<String> errorCodes = new TreeSet<>();
        recording.frames.values().forEach(f -> {
            if ("error".equals(f.path("event").asText())) {
                errorCodes.add(f.path("data").path("code").asText());
            }
        });
        for (ErrorCode code : ErrorCode.values()) {
            assertTrue(errorCodes.contains(code.wireName()), "no recorded error frame with code " + code.wireName());
        }
        Set<Integer> closeCodes = new TreeSet<>();
        recording.closes.values().forEach(c -> closeCodes.add(c.path("code").asInt()));
        for (Field field : CloseCodes.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class
                    && !field.getName().equals("INTERNAL_ERROR")) {
                int code = field.getInt(null);
                assertTrue(closeCodes.contains(code), "no recorded close with code " + code + " (" + field.getName()
                        + ")");
            }
        }
    }

    // ---------------------------------------------------------------- recording and normalising

    private static String subscribe(long conversationId) {
        return "{\"type\":\"subscribe\",\"conversation_id\":" + conversationId + "}";
    }

    private static String typing(long conversationId, boolean isTyping) {
        return "{\"type\":\"typing\",\"conversation_id\":" + conversationId + ",\"is_typing\":" + isTyping + "}";
    }

    /** What one run saw, named by scenario, with run-specific values made stable. */
    private static final class Recording {
        final Map<String, JsonNode> frames = new LinkedHashMap<>();
        final Map<String, JsonNode> closes = new LinkedHashMap<>();
        final Map<String, String> notProvoked = new LinkedHashMap<>();
        private final Map<Long, Long> eventIds = new HashMap<>();
        private final Map<String, String> connectionIds = new HashMap<>();

        void frame(String name, JsonNode frame) {
            assertTrue(frames.put(name, normalise(name, frame.deepCopy())) == null, "recorded twice: " + name);
        }

        void close(String name, RecordingClient.Close close) {
            ObjectNode node = JSON.createObjectNode().put("code", close.code()).put("reason", close.reason());
            assertTrue(closes.put(name, node) == null, "recorded twice: " + name);
        }

        void notProvoked(String name, String why) {
            notProvoked.put(name, why);
        }

        private JsonNode normalise(String name, ObjectNode frame) {
            if (frame.has("id")) {
                JsonNode id = frame.get("id");
                assertTrue(id.isIntegralNumber() && id.longValue() > 0, name + ": event id " + id);
                long stable = eventIds.computeIfAbsent(id.longValue(), k -> (long) eventIds.size() + 1);
                frame.put("id", stable);
            }
            JsonNode data = frame.path("data");
            if (data instanceof ObjectNode fields) {
                if (fields.has("connection_id")) {
                    String id = fields.get("connection_id").asText();
                    assertTrue(CONNECTION_ID.matcher(id).matches(), name + ": connection_id " + id);
                    fields.put("connection_id", connectionIds.computeIfAbsent(id,
                            k -> "test-" + (connectionIds.size() + 1)));
                }
                if (fields.has("epoch")) {
                    String epoch = fields.get("epoch").asText();
                    assertTrue(EPOCH.matcher(epoch).matches(), name + ": epoch " + epoch);
                    fields.put("epoch", FIXED_EPOCH);
                }
                if (fields.has("server_time")) {
                    String time = fields.get("server_time").asText();
                    Instant.parse(time);
                    assertTrue(time.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                            name + ": server_time with milliseconds, UTC: " + time);
                    fields.put("server_time", FIXED_SERVER_TIME);
                }
                if (fields.get("agents") instanceof ArrayNode agents) {
                    List<JsonNode> sorted = new ArrayList<>();
                    agents.forEach(sorted::add);
                    sorted.sort(Comparator.comparingLong(a -> a.path("agent_id").asLong()));
                    agents.removeAll();
                    agents.addAll(sorted);
                }
            }
            return frame;
        }

        ObjectNode toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("about", "Frames the real server sent, recorded by " + ServerFramesFixtureTest.class.getName()
                    + ", which fails when this file no longer matches the server. Regenerate with: mvn -B"
                    + " -Dtest=ServerFramesFixtureTest -D" + UPDATE_PROPERTY + "=true test");
            root.put("normalised", "event ids renumbered 1, 2, 3... in the order first seen; connection_id"
                    + " test-1, test-2...; epoch " + FIXED_EPOCH + "; pong server_time fixed at " + FIXED_SERVER_TIME
                    + "; presence agents sorted by agent_id");
            root.set("not_provoked", JSON.valueToTree(notProvoked));
            root.set("frames", JSON.valueToTree(frames));
            root.set("closes", JSON.valueToTree(closes));
            return root;
        }
    }

    /** The paths where two fixtures differ, for a failure message a person can act on. */
    private static List<String> differences(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        diff("", expected, actual, out);
        return out.size() > 40 ? out.subList(0, 40) : out;
    }

    private static void diff(String path, JsonNode expected, JsonNode actual, List<String> out) {
        if (expected != null && actual != null && expected.isObject() && actual.isObject()) {
            Set<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            actual.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                diff(path + "/" + name, expected.get(name), actual.get(name), out);
            }
        } else if (expected == null ? actual != null : !expected.equals(actual)) {
            out.add(path + ": committed " + expected + ", now " + actual);
        }
    }
}
