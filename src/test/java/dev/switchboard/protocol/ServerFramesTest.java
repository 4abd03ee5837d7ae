package dev.switchboard.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerFramesTest {
    final ObjectMapper mapper = new ObjectMapper();
    final ServerFrames frames = new ServerFrames(mapper);

    /** Parses a frame and checks it is an object with exactly the given top-level fields. */
    JsonNode parse(String frame, String... fields) throws Exception {
        JsonNode root = mapper.readTree(frame);
        assertTrue(root.isObject(), frame);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertEquals(List.of(fields).stream().sorted().toList(), names.stream().sorted().toList(), frame);
        assertTrue(root.get("event").isTextual(), frame);
        return root;
    }

    @Test
    void durableFrameCarriesEventIdAndTheStoredDataVerbatim() throws Exception {
        String data = "{\"conversation_id\":456,\"message\":{\"id\":1,\"content\":\"oi \\\"você\\\"\"}}";
        String frame = frames.durable(42, "new_message", data);
        JsonNode root = parse(frame, "event", "id", "data");
        assertEquals("new_message", root.get("event").textValue());
        assertEquals(42, root.get("id").longValue());
        assertTrue(root.get("id").isIntegralNumber());
        assertEquals(mapper.readTree(data), root.get("data"));
        assertTrue(frame.contains(data), "the stored JSON text is spliced in, not re-serialised");
    }

    @Test
    void durableFrameWithLargeId() throws Exception {
        assertEquals(Long.MAX_VALUE, parse(frames.durable(Long.MAX_VALUE, "x", "{}"), "event", "id", "data")
                .get("id").longValue());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"order\"shipped", "back\\slash", "\"},\"id\":0,\"x\":{\"", "line\nbreak\ttab",
            "ctrl\u0001\u001f", "unicode é 漢 \uD83D\uDE00", "</script>", ""})
    void customEventNamesAreEscaped(String name) throws Exception {
        JsonNode durable = parse(frames.durable(7, name, "{\"a\":1}"), "event", "id", "data");
        assertEquals(name, durable.get("event").textValue());
        assertEquals(7, durable.get("id").longValue(), "a crafted name cannot inject another id");

        ObjectNode data = mapper.createObjectNode().put("k", name);
        JsonNode plain = parse(frames.event(name, data), "event", "data");
        assertEquals(name, plain.get("event").textValue());
        assertEquals(name, plain.get("data").get("k").textValue());
    }

    @Test
    void authenticatedFrame() throws Exception {
        JsonNode root = parse(frames.authenticated(123, "agent", "node-1:abc"), "event", "data");
        assertEquals("authenticated", root.get("event").textValue());
        assertEquals(123, root.at("/data/user_id").longValue());
        assertTrue(root.at("/data/user_id").isIntegralNumber(), "user ids are numbers on the wire");
        assertEquals("agent", root.at("/data/role").textValue());
        assertEquals("node-1:abc", root.at("/data/connection_id").textValue());
    }

    @Test
    void subscribedAndUnsubscribedFrames() throws Exception {
        JsonNode sub = parse(frames.subscribed(456), "event", "data");
        assertEquals("subscribed", sub.get("event").textValue());
        assertEquals(mapper.readTree("{\"conversation_id\":456}"), sub.get("data"));
        JsonNode unsub = parse(frames.unsubscribed(456), "event", "data");
        assertEquals("unsubscribed", unsub.get("event").textValue());
        assertEquals(mapper.readTree("{\"conversation_id\":456}"), unsub.get("data"));
    }

    @Test
    void pongCarriesIso8601ServerTime() throws Exception {
        Instant now = Instant.parse("2024-05-06T07:08:09.123456789Z");
        JsonNode root = parse(frames.pong(now), "event", "data");
        assertEquals("pong", root.get("event").textValue());
        String time = root.at("/data/server_time").textValue();
        assertEquals("2024-05-06T07:08:09.123Z", time);
        assertEquals(Instant.parse("2024-05-06T07:08:09.123Z"), Instant.parse(time));
    }

    @Test
    void typingFrame() throws Exception {
        JsonNode root = parse(frames.typing(456, 123, true), "event", "data");
        assertEquals("typing", root.get("event").textValue());
        assertEquals(mapper.readTree("{\"conversation_id\":456,\"user_id\":123,\"is_typing\":true}"), root.get("data"));
        assertFalse(parse(frames.typing(456, 123, false), "event", "data").at("/data/is_typing").booleanValue());
    }

    @Test
    void agentStatusFrameHasNoId() throws Exception {
        JsonNode root = parse(frames.agentStatus(9, "online"), "event", "data");
        assertEquals("agent_status", root.get("event").textValue());
        assertEquals(mapper.readTree("{\"agent_id\":9,\"status\":\"online\"}"), root.get("data"));
    }

    @Test
    void presenceSnapshotListsAgentsWithOptionalName() throws Exception {
        JsonNode root = parse(frames.presence(List.of(
                new ServerFrames.AgentPresence(1, "online", "Ana"),
                new ServerFrames.AgentPresence(2, "online", null))), "event", "data");
        assertEquals("presence", root.get("event").textValue());
        assertEquals(mapper.readTree("{\"agents\":[{\"agent_id\":1,\"status\":\"online\",\"name\":\"Ana\"},"
                + "{\"agent_id\":2,\"status\":\"online\"}]}"), root.get("data"));
        assertEquals(mapper.readTree("{\"agents\":[]}"), parse(frames.presence(List.of()), "event", "data").get("data"));
    }

    @Test
    void errorFrameWithRequest() throws Exception {
        JsonNode root = parse(frames.error(ErrorCode.FORBIDDEN, "not your conversation", "subscribe"), "event", "data");
        assertEquals("error", root.get("event").textValue());
        assertEquals(mapper.readTree("{\"code\":\"forbidden\",\"message\":\"not your conversation\","
                + "\"request\":\"subscribe\"}"), root.get("data"));
    }

    @Test
    void conversationErrorNamesTheRefusedConversationBesideTheRequestType() throws Exception {
        JsonNode root = parse(frames.conversationError(ErrorCode.FORBIDDEN, "not allowed", "subscribe", 456),
                "event", "data");
        assertEquals("error", root.get("event").textValue());
        assertEquals(mapper.readTree("{\"code\":\"forbidden\",\"message\":\"not allowed\","
                + "\"request\":\"subscribe\",\"conversation_id\":456}"), root.get("data"));
        assertTrue(root.at("/data/conversation_id").isIntegralNumber(), "conversation ids are numbers on the wire");
    }

    @Test
    void errorFrameWithoutRequestSerialisesJsonNull() throws Exception {
        String frame = frames.error(ErrorCode.INVALID_JSON, "frame is not valid JSON", null);
        JsonNode data = parse(frame, "event", "data").get("data");
        assertTrue(data.has("request"), "request is present: " + frame);
        assertTrue(data.get("request").isNull(), frame);
        assertTrue(frame.contains("\"request\":null"), frame);
    }

    @Test
    void errorFrameFromProtocolException() throws Exception {
        ProtocolException e = new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown \"type\"", "we\"ird");
        JsonNode data = parse(frames.error(e), "event", "data").get("data");
        assertEquals("unknown_type", data.get("code").textValue());
        assertEquals("unknown \"type\"", data.get("message").textValue());
        assertEquals("we\"ird", data.get("request").textValue());
    }

    @Test
    void everyErrorCodeHasItsLowercaseWireName() throws Exception {
        for (ErrorCode code : ErrorCode.values()) {
            JsonNode data = parse(frames.error(code, "m", null), "event", "data").get("data");
            assertEquals(code.name().toLowerCase(java.util.Locale.ROOT), data.get("code").textValue());
        }
        assertEquals("invalid_json", ErrorCode.INVALID_JSON.wireName());
        assertEquals("rate_limited", ErrorCode.RATE_LIMITED.wireName());
    }
}
