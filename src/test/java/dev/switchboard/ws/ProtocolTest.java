package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.RawWebSocket;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire protocol, message by message: every client message type and its reply, and every error code with the
 * connection still usable afterwards. One server for the class; tests that need other limits start their own.
 */
class ProtocolTest {
    /** What a leaked exception looks like in a message: a qualified class name, "Exception", a stack frame. */
    private static final Pattern LEAK = Pattern.compile(
            "(?i)exception|\\b(java|javax|jakarta|com|org|dev)\\.[a-z0-9_]+\\.|\\bat [a-z]+\\.|\\.java:\\d+");

    private static TestServer server;
    /** One message a second, bursts of two. */
    private static TestServer limited;
    /** Pings every 200 ms, closes a peer silent for 1 s. */
    private static TestServer heartbeat;
    private static long nextUser = 1000;

    @BeforeAll
    static void startServers() {
        server = TestServer.start();
        limited = TestServer.start(Map.of("RATE_LIMIT_PER_SECOND", "1", "RATE_LIMIT_BURST", "2"));
        heartbeat = TestServer.start(Map.of("PING_INTERVAL", "200ms", "IDLE_TIMEOUT", "1s"));
    }

    @AfterAll
    static void stopServers() {
        server.close();
        limited.close();
        heartbeat.close();
    }

    /** A user id no other test of this class uses, so presence traffic of earlier tests cannot be mistaken. */
    private static synchronized long user() {
        return ++nextUser;
    }

    /** Checks an error's shape and that it says nothing about the server's insides. */
    static JsonNode assertCleanError(JsonNode data, String code, String request) {
        assertEquals(code, data.path("code").asText(), "code of " + data);
        assertTrue(data.path("message").isTextual() && !data.path("message").asText().isBlank(),
                "error has a human message: " + data);
        assertTrue(data.has("request"), "request is always present: " + data);
        if (request == null) {
            assertTrue(data.get("request").isNull(), "request is null: " + data);
        } else {
            assertEquals(request, data.get("request").asText(), "request of " + data);
        }
        assertFalse(LEAK.matcher(data.toString()).find(), "error leaks server internals: " + data);
        return data;
    }

    /** The connection still works: a ping is answered by a pong (after any frames already queued). */
    static List<JsonNode> assertStillOpen(WsClient client) {
        List<JsonNode> before = client.sync();
        assertFalse(client.isClosed(), "connection was closed");
        return before;
    }

    /** Frames that are not presence traffic (agents of earlier tests going offline may still be announced). */
    static List<JsonNode> withoutPresence(List<JsonNode> frames) {
        List<JsonNode> rest = new ArrayList<>();
        for (JsonNode frame : frames) {
            String event = frame.path("event").asText();
            if (!event.equals("agent_status") && !event.equals("presence")) {
                rest.add(frame);
            }
        }
        return rest;
    }

    // ---- replies to every client message type ----

    @Test
    void authIsAnsweredWithUserIdRoleAndConnectionId() {
        long id = user();
        try (WsClient client = server.connect()) {
            JsonNode data = client.authenticate(server.agentToken(id));
            assertTrue(data.get("user_id").isIntegralNumber(), "user_id is a number: " + data);
            assertEquals(id, data.get("user_id").asLong());
            assertEquals("agent", data.get("role").asText());
            assertTrue(data.get("connection_id").isTextual() && !data.get("connection_id").asText().isBlank());
        }
    }

    @Test
    void authReportsContactAndAdminRoles() {
        long contact = user();
        long admin = user();
        try (WsClient c = server.connect(); WsClient a = server.connect()) {
            assertEquals("contact", c.authenticate(server.contactToken(contact, 1L)).get("role").asText());
            JsonNode adminData = a.authenticate(server.token(admin, dev.switchboard.auth.Role.ADMIN, "Root",
                    List.of()));
            assertEquals("admin", adminData.get("role").asText());
            assertEquals(admin, adminData.get("user_id").asLong());
        }
    }

    @Test
    void everyConnectionGetsItsOwnConnectionId() {
        long id = user();
        try (WsClient one = server.connect(); WsClient two = server.connect()) {
            String first = one.authenticate(server.agentToken(id)).get("connection_id").asText();
            String second = two.authenticate(server.agentToken(id)).get("connection_id").asText();
            assertNotEquals(first, second);
        }
    }

    @Test
    void authAcceptsUserIdEqualToTheTokenSubject() {
        long id = user();
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "token", server.agentToken(id), "user_id", id);
            assertEquals(id, client.await("authenticated").path("data").path("user_id").asLong());
        }
    }

    @Test
    void subscribeAndUnsubscribeAreConfirmedWithTheConversationId() {
        try (WsClient client = server.agent(user())) {
            client.send("type", "subscribe", "conversation_id", 456);
            JsonNode subscribed = client.await("subscribed");
            assertEquals(456, subscribed.path("data").path("conversation_id").asLong());
            assertTrue(subscribed.path("data").path("conversation_id").isIntegralNumber());
            client.send("type", "unsubscribe", "conversation_id", 456);
            JsonNode unsubscribed = client.await("unsubscribed");
            assertEquals(456, unsubscribed.path("data").path("conversation_id").asLong());
        }
    }

    @Test
    void subscribingTwiceOrUnsubscribingUnknownConversationIsConfirmedAgain() {
        try (WsClient client = server.agent(user())) {
            client.subscribe(7).subscribe(7);
            client.send("type", "unsubscribe", "conversation_id", 8);
            assertEquals(8, client.await("unsubscribed").path("data").path("conversation_id").asLong());
            assertTrue(withoutPresence(assertStillOpen(client)).isEmpty());
        }
    }

    @Test
    void pingIsAnsweredWithPongCarryingIsoServerTime() {
        try (WsClient client = server.agent(user())) {
            client.send("type", "ping");
            JsonNode pong = client.await("pong");
            String serverTime = pong.path("data").path("server_time").asText();
            Instant parsed = Instant.parse(serverTime); // ISO-8601, e.g. 2025-01-27T10:30:00.123Z
            // Same machine: a sanity check of the clock, not a speed requirement.
            assertTrue(Duration.between(parsed, Instant.now()).abs().compareTo(Duration.ofHours(1)) < 0,
                    "server_time " + serverTime + " is the current time");
        }
    }

    @Test
    void typingIsRelayedToTheOtherSubscribersWithTheSendersUserId() {
        long typist = user();
        long reader = user();
        try (WsClient a = server.agent(typist); WsClient b = server.agent(reader)) {
            a.subscribe(31);
            b.subscribe(31);
            a.send("type", "typing", "conversation_id", 31, "is_typing", true);
            JsonNode typing = b.await("typing");
            assertEquals(31, typing.path("data").path("conversation_id").asLong());
            assertEquals(typist, typing.path("data").path("user_id").asLong());
            assertTrue(typing.path("data").path("is_typing").asBoolean());
            assertTrue(withoutPresence(a.sync()).isEmpty(), "the typist does not get its own typing back");
            a.send("type", "typing", "conversation_id", 31, "is_typing", false);
            assertFalse(b.await("typing").path("data").path("is_typing").asBoolean(true));
        }
    }

    // ---- invalid_json ----

    @Test
    void textThatIsNotJsonIsInvalidJsonAndTheConnectionStaysOpen() {
        try (WsClient client = server.agent(user())) {
            client.sendRaw("hello, server");
            assertCleanError(client.awaitError("invalid_json"), "invalid_json", null);
            assertStillOpen(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2,3]", "42", "\"ping\"", "null", "true", "", "   ", "{\"type\":\"ping\"",
            "{\"type\":\"ping\"} trailing", "{'type':'ping'}"})
    void jsonThatIsNotOneObjectIsInvalidJson(String frame) {
        try (WsClient client = server.agent(user())) {
            client.sendRaw(frame);
            assertCleanError(client.awaitError("invalid_json"), "invalid_json", null);
            assertStillOpen(client);
        }
    }

    @Test
    void invalidJsonBeforeAuthLeavesTheConnectionAbleToAuthenticate() {
        long id = user();
        try (WsClient client = server.connect()) {
            client.sendRaw("{not json");
            assertCleanError(client.awaitError("invalid_json"), "invalid_json", null);
            assertEquals(id, client.authenticate(server.agentToken(id)).get("user_id").asLong());
            assertStillOpen(client);
        }
    }

    @Test
    void binaryFrameIsInvalidJsonAndTheConnectionStaysOpen() {
        try (WsClient client = server.agent(user())) {
            client.sendBinary("{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
            assertCleanError(client.awaitError("invalid_json"), "invalid_json", null);
            assertStillOpen(client);
        }
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutLeakingTheParserError() {
        try (WsClient client = server.agent(user())) {
            client.sendRaw("[".repeat(20_000) + "]".repeat(20_000));
            assertEquals("invalid_json", client.await("error").path("data").path("code").asText());
            client.sendRaw("{\"type\":\"subscribe\",\"conversation_id\":" + "[".repeat(5_000) + "]".repeat(5_000)
                    + "}");
            JsonNode error = client.await("error").path("data");
            assertFalse(LEAK.matcher(error.toString()).find(), "error leaks server internals: " + error);
            assertStillOpen(client);
        }
    }

    // ---- unknown_type ----

    @Test
    void unknownTypeEchoesTheTypeAsRequest() {
        try (WsClient client = server.agent(user())) {
            client.send("type", "dance", "conversation_id", 1);
            assertCleanError(client.awaitError("unknown_type"), "unknown_type", "dance");
            assertStillOpen(client);
        }
    }

    @Test
    void typeNamesAreCaseSensitive() {
        try (WsClient client = server.agent(user())) {
            client.send("type", "PING");
            assertCleanError(client.awaitError("unknown_type"), "unknown_type", "PING");
            assertStillOpen(client);
        }
    }

    // ---- invalid_field ----

    @Test
    void missingTypeIsInvalidFieldWithNullRequest() {
        try (WsClient client = server.agent(user())) {
            client.send("conversation_id", 456);
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", null);
            assertStillOpen(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "null", "true", "[\"ping\"]", "{\"name\":\"ping\"}"})
    void typeThatIsNotAStringIsInvalidField(String type) {
        try (WsClient client = server.agent(user())) {
            client.sendRaw("{\"type\":" + type + "}");
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", null);
            assertStillOpen(client);
        }
    }

    @Test
    void subscribeWithoutConversationIdIsInvalidField() {
        try (WsClient client = server.agent(user())) {
            client.send("type", "subscribe");
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "subscribe");
            client.send("type", "unsubscribe", "conversation_id", null);
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "unsubscribe");
            client.send("type", "typing", "is_typing", true);
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "typing");
            assertStillOpen(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "0", "1.5", "\"abc\"", "\"-5\"", "\"4 56\"", "\"\"", "true", "[456]",
            "{\"id\":456}", "1e400", "99999999999999999999999", "\"99999999999999999999999\""})
    void invalidConversationIdIsInvalidField(String conversationId) {
        try (WsClient client = server.agent(user())) {
            for (String type : List.of("subscribe", "unsubscribe")) {
                client.sendRaw("{\"type\":\"" + type + "\",\"conversation_id\":" + conversationId + "}");
                assertCleanError(client.awaitError("invalid_field"), "invalid_field", type);
            }
            client.sendRaw("{\"type\":\"typing\",\"conversation_id\":" + conversationId + ",\"is_typing\":true}");
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "typing");
            assertTrue(withoutPresence(assertStillOpen(client)).isEmpty());
        }
    }

    @Test
    void conversationIdGivenAsDigitStringIsAcceptedAsTheNumber() throws Exception {
        long id = user();
        try (WsClient contact = server.contact(id, 456L)) {
            contact.sendRaw("{\"type\":\"subscribe\",\"conversation_id\":\"456\"}");
            JsonNode subscribed = contact.await("subscribed");
            assertTrue(subscribed.path("data").path("conversation_id").isIntegralNumber(), subscribed.toString());
            assertEquals(456, subscribed.path("data").path("conversation_id").asLong());
            // The subscription is real: a conversation-only event reaches it.
            SqlEvents.exec(server, "SELECT realtime.notify_message_read(456, 77, 1)");
            JsonNode read = contact.await("message_read");
            assertEquals(77, read.path("data").path("message_id").asLong());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"true\"", "1", "0", "null", "\"yes\"", "[]"})
    void isTypingThatIsNotBooleanIsInvalidField(String isTyping) {
        try (WsClient client = server.agent(user())) {
            client.sendRaw("{\"type\":\"typing\",\"conversation_id\":5,\"is_typing\":" + isTyping + "}");
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "typing");
            assertStillOpen(client);
        }
    }

    @Test
    void typingWithoutIsTypingIsInvalidField() {
        try (WsClient client = server.agent(user())) {
            client.send("type", "typing", "conversation_id", 5);
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "typing");
            assertStillOpen(client);
        }
    }

    /** A Ratchet-era page authenticates with a bare user_id: refused at once, not after the auth timeout. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"auth\"}", "{\"type\":\"auth\",\"user_id\":123}",
            "{\"type\":\"auth\",\"token\":null}", "{\"type\":\"auth\",\"token\":\"\"}",
            "{\"type\":\"auth\",\"token\":\"   \"}", "{\"type\":\"auth\",\"token\":42}",
            "{\"type\":\"auth\",\"token\":[\"a.b.c\"]}"})
    void authWithoutATokenStringIsUnauthorizedAndCloses4001(String frame) {
        try (WsClient client = server.connect()) {
            client.sendRaw(frame);
            JsonNode error = client.awaitError("unauthorized");
            assertCleanError(error, "unauthorized", "auth");
            assertTrue(error.get("message").asText().contains("token"), error.toString());
            assertEquals(4001, client.awaitClose());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "0", "\"abc\"", "1.5", "true"})
    void authWithInvalidUserIdIsInvalidField(String userId) {
        long id = user();
        try (WsClient client = server.connect()) {
            client.sendRaw("{\"type\":\"auth\",\"token\":\"" + server.agentToken(id) + "\",\"user_id\":" + userId
                    + "}");
            assertCleanError(client.awaitError("invalid_field"), "invalid_field", "auth");
            assertEquals(id, client.authenticate(server.agentToken(id)).get("user_id").asLong());
        }
    }

    // ---- unauthenticated ----

    @Test
    void subscribeBeforeAuthIsUnauthenticated() {
        long id = user();
        try (WsClient client = server.connect()) {
            client.send("type", "subscribe", "conversation_id", 456);
            assertCleanError(client.awaitError("unauthenticated"), "unauthenticated", "subscribe");
            // Still open: authentication and the subscription then work.
            client.authenticate(server.agentToken(id));
            client.subscribe(456);
            assertStillOpen(client);
        }
    }

    @Test
    void everyMessageButAuthIsUnauthenticatedBeforeAuth() {
        try (WsClient client = server.connect()) {
            client.send("type", "unsubscribe", "conversation_id", 1);
            assertCleanError(client.awaitError("unauthenticated"), "unauthenticated", "unsubscribe");
            client.send("type", "typing", "conversation_id", 1, "is_typing", true);
            assertCleanError(client.awaitError("unauthenticated"), "unauthenticated", "typing");
            client.send("type", "ping");
            assertCleanError(client.awaitError("unauthenticated"), "unauthenticated", "ping");
            assertFalse(client.isClosed());
        }
    }

    // ---- unauthorized (the details are in AuthenticationTest) ----

    @Test
    void badTokenIsUnauthorizedThenClose4001() {
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "token", "not-a-jwt");
            assertCleanError(client.awaitError("unauthorized"), "unauthorized", "auth");
            assertEquals(4001, client.awaitClose());
        }
    }

    // ---- forbidden ----

    @Test
    void contactSubscribingToAnotherConversationIsForbiddenAndStaysOpen() {
        try (WsClient contact = server.contact(user(), 10L, 11L)) {
            contact.send("type", "subscribe", "conversation_id", 12);
            assertCleanError(contact.awaitError("forbidden"), "forbidden", "subscribe");
            contact.subscribe(11);
            assertTrue(assertStillOpen(contact).isEmpty());
        }
    }

    @Test
    void contactWithoutConversationsIsForbiddenEverywhere() {
        try (WsClient contact = server.contact(user())) {
            contact.send("type", "subscribe", "conversation_id", 1);
            assertCleanError(contact.awaitError("forbidden"), "forbidden", "subscribe");
            contact.send("type", "typing", "conversation_id", 1, "is_typing", true);
            assertCleanError(contact.awaitError("forbidden"), "forbidden", "typing");
            assertStillOpen(contact);
        }
    }

    // ---- unknown extra fields ----

    @Test
    void unknownExtraFieldsAreIgnored() {
        long id = user();
        try (WsClient client = server.connect()) {
            client.sendRaw("{\"type\":\"auth\",\"token\":\"" + server.agentToken(id)
                    + "\",\"client\":{\"version\":\"2.0\",\"features\":[1,2]},\"user_id\":" + id + "}");
            assertEquals(id, client.await("authenticated").path("data").path("user_id").asLong());
            client.sendRaw("{\"type\":\"subscribe\",\"conversation_id\":9,\"priority\":\"high\",\"x\":null}");
            assertEquals(9, client.await("subscribed").path("data").path("conversation_id").asLong());
            client.sendRaw("{\"type\":\"ping\",\"sent_at\":\"2025-01-27T10:30:00Z\",\"seq\":1}");
            client.await("pong");
            client.sendRaw("{\"type\":\"unsubscribe\",\"conversation_id\":9,\"reason\":\"closed tab\"}");
            client.await("unsubscribed");
            assertTrue(withoutPresence(client.drain()).isEmpty());
        }
    }

    // ---- frame size ----

    @Test
    void frameOverMaxFrameBytesClosesWith1009() {
        try (WsClient client = server.connect()) {
            client.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            assertEquals(1009, client.awaitClose());
        }
    }

    @Test
    void frameDeclaringMegabytesIsRefusedWith1009FromItsHeaderAlone() {
        try (RawWebSocket raw = RawWebSocket.open(server.port(), Map.of(), 0)) {
            raw.sendFrameHeader(0x81, 3L * 1024 * 1024);
            assertEquals(1009, raw.readUntilClose());
        }
    }

    @Test
    void frameJustUnderTheLimitIsAccepted() {
        try (WsClient client = server.agent(user())) {
            String frame = "{\"type\":\"ping\",\"pad\":\"\"}";
            client.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(64 * 1024 - frame.length()) + "\"}");
            client.await("pong");
            assertStillOpen(client);
        }
    }

    @Test
    void fragmentedMessageUnderTheLimitIsReassembled() {
        try (WsClient client = server.agent(user())) {
            client.sendFragment("{\"type\":", false);
            client.sendFragment("\"ping\",\"pad\":\"" + "y".repeat(10_000), false);
            client.sendFragment("\"}", true);
            client.await("pong");
            assertStillOpen(client);
        }
    }

    @Test
    void fragmentedMessageOverTheLimitClosesWith1009() {
        try (WsClient client = server.connect()) {
            try {
                client.sendFragment("{\"type\":\"ping\",\"pad\":\"", false);
                for (int i = 0; i < 10; i++) {
                    client.sendFragment("z".repeat(10_000), false); // each fragment is small, the whole is not
                }
                client.sendFragment("\"}", true);
            } catch (RuntimeException expected) {
                // the server may close before the last fragment is written
            }
            assertEquals(1009, client.awaitClose());
        }
    }

    // ---- rate limiting (on the limited server) ----

    @Test
    void burstOverTheLimitIsRateLimitedAndTheConnectionRecovers() throws Exception {
        try (WsClient client = limited.connect()) {
            client.authenticate(limited.agentToken(1)); // one of the two burst tokens
            for (int i = 0; i < 10; i++) {
                client.send("type", "ping");
            }
            List<JsonNode> frames = new ArrayList<>();
            JsonNode error = client.awaitMatching(f -> {
                frames.add(f);
                return "error".equals(f.path("event").asText());
            }, "rate_limited error");
            assertCleanError(error.get("data"), "rate_limited", null);
            long pongs = frames.stream().filter(f -> "pong".equals(f.path("event").asText())).count();
            assertTrue(pongs < 10, "not every ping of the burst was served: " + frames);
            assertFalse(client.isClosed());
            // A refill is a matter of time: wait at least one token's worth, then the connection works again.
            Thread.sleep(1_500);
            List<JsonNode> before = client.sync();
            assertTrue(before.stream().noneMatch(f -> "error".equals(f.path("event").asText())
                    && !"rate_limited".equals(f.path("data").path("code").asText())), before.toString());
            assertFalse(client.isClosed());
        }
    }

    @Test
    void sustainedFloodClosesWith1008() {
        try (WsClient client = limited.connect()) {
            client.authenticate(limited.agentToken(2));
            try {
                for (int i = 0; i < 400 && !client.isClosed(); i++) {
                    client.send("type", "ping");
                }
            } catch (RuntimeException expected) {
                // the server may close while we are still sending
            }
            assertEquals(1008, client.awaitClose());
            JsonNode error = client.await("error");
            assertCleanError(error.get("data"), "rate_limited", null);
        }
    }

    @Test
    void rateLimitAppliesBeforeAuthentication() {
        try (WsClient client = limited.connect()) {
            for (int i = 0; i < 10; i++) {
                client.sendRaw("garbage");
            }
            JsonNode error = client.awaitMatching(f -> "rate_limited".equals(
                    f.path("data").path("code").asText()), "rate_limited error");
            assertCleanError(error.get("data"), "rate_limited", null);
            assertFalse(client.isClosed());
        }
    }

    // ---- heartbeat (on the heartbeat server) ----

    @Test
    void peerAnsweringServerPingsStaysConnectedPastTheIdleTimeout() throws Exception {
        try (WsClient client = heartbeat.agent(1)) {
            Thread.sleep(2_500); // the JDK client answers the server's pings with pongs on its own
            assertStillOpen(client);
        }
    }

    @Test
    void silentPeerIsClosedAfterTheIdleTimeout() {
        try (RawWebSocket silent = RawWebSocket.open(heartbeat.port(), Map.of(), 0)) {
            silent.sendText("{\"type\":\"auth\",\"token\":\"" + heartbeat.agentToken(2) + "\"}");
            // Never answers a ping, never sends anything else: a laptop that went to sleep.
            assertEquals(1001, silent.readUntilClose());
        }
    }

    // ---- malformed WebSocket frames: the connection closes with the RFC 6455 code, the server goes on ----

    @ParameterizedTest
    @ValueSource(strings = {"unmasked text:1002", "invalid UTF-8:1007", "reserved opcode:1002", "RSV bit set:1002",
            "continuation without a start:1002", "fragmented control frame:1002"})
    void malformedFramesCloseWithTheProtocolCodeAndTheServerGoesOn(String scenario) {
        String name = scenario.substring(0, scenario.indexOf(':'));
        int expected = Integer.parseInt(scenario.substring(scenario.indexOf(':') + 1));
        try (WsClient bystander = server.agent(user());
             RawWebSocket raw = RawWebSocket.open(server.port(), Map.of(), 0)) {
            assertEquals(101, raw.status());
            byte[] ping = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
            switch (name) {
                case "unmasked text" -> raw.sendFrame(0x81, ping, false); // RFC 6455 5.1: clients must mask
                case "invalid UTF-8" -> raw.sendFrame(0x81, new byte[]{'"', (byte) 0xC3, 0x28, '"'}, true);
                case "reserved opcode" -> raw.sendFrame(0x83, ping, true);
                case "RSV bit set" -> raw.sendFrame(0xC1, ping, true);
                case "continuation without a start" -> raw.sendFrame(0x80, ping, true);
                case "fragmented control frame" -> raw.sendFrame(0x09, new byte[0], true);
                default -> throw new IllegalArgumentException(name);
            }
            assertEquals(expected, raw.readUntilClose(), name);
            assertStillOpen(bystander);
        }
    }
}
