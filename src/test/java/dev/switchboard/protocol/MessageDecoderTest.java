package dev.switchboard.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MessageDecoderTest {
    final MessageDecoder decoder = new MessageDecoder(new ObjectMapper());

    ClientMessage decode(String frame) throws ProtocolException {
        return decoder.decode(frame);
    }

    /** Decoding must fail with this code and {@code request}; returns the exception for further checks. */
    ProtocolException refused(String frame, ErrorCode code, String request) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(frame), frame);
        assertEquals(code, e.code(), "code for " + frame);
        assertEquals(request, e.request(), "request for " + frame);
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isBlank());
        return e;
    }

    // ---- every message type decodes

    @Test
    void authWithTokenOnly() throws Exception {
        ClientMessage m = decode("{\"type\":\"auth\",\"token\":\"abc.def.ghi\"}");
        assertEquals(new ClientMessage.Auth("abc.def.ghi", null), m);
        assertEquals("auth", m.type());
    }

    @Test
    void authWithUserId() throws Exception {
        assertEquals(new ClientMessage.Auth("t", 123L), decode("{\"type\":\"auth\",\"token\":\"t\",\"user_id\":123}"));
        assertEquals(new ClientMessage.Auth("t", 123L), decode("{\"type\":\"auth\",\"token\":\"t\",\"user_id\":\"123\"}"));
        assertEquals(new ClientMessage.Auth("t", null), decode("{\"type\":\"auth\",\"token\":\"t\",\"user_id\":null}"));
    }

    @Test
    void authToStringNeverShowsTheToken() throws Exception {
        ClientMessage m = decode("{\"type\":\"auth\",\"token\":\"super-secret-token\",\"user_id\":5}");
        assertFalse(m.toString().contains("super-secret-token"), m.toString());
    }

    @Test
    void subscribeAndUnsubscribe() throws Exception {
        assertEquals(new ClientMessage.Subscribe(456), decode("{\"type\":\"subscribe\",\"conversation_id\":456}"));
        assertEquals(new ClientMessage.Unsubscribe(456), decode("{\"type\":\"unsubscribe\",\"conversation_id\":456}"));
        assertEquals("subscribe", new ClientMessage.Subscribe(1).type());
        assertEquals("unsubscribe", new ClientMessage.Unsubscribe(1).type());
    }

    @Test
    void typingTrueAndFalse() throws Exception {
        assertEquals(new ClientMessage.Typing(456, true),
                decode("{\"type\":\"typing\",\"conversation_id\":456,\"is_typing\":true}"));
        assertEquals(new ClientMessage.Typing(456, false),
                decode("{\"type\":\"typing\",\"conversation_id\":\"456\",\"is_typing\":false}"));
        assertEquals("typing", new ClientMessage.Typing(1, true).type());
    }

    @Test
    void ping() throws Exception {
        assertEquals(new ClientMessage.Ping(), decode("{\"type\":\"ping\"}"));
        assertEquals("ping", new ClientMessage.Ping().type());
    }

    @Test
    void unknownExtraFieldsAreIgnored() throws Exception {
        assertEquals(new ClientMessage.Ping(), decode("{\"type\":\"ping\",\"ts\":1,\"nested\":{\"a\":[1,2]}}"));
        assertEquals(new ClientMessage.Subscribe(9),
                decode("{\"conversation_id\":9,\"future\":true,\"type\":\"subscribe\"}"));
    }

    @Test
    void whitespaceAroundTheObjectIsFine() throws Exception {
        assertEquals(new ClientMessage.Ping(), decode(" \n\t{ \"type\" : \"ping\" }\r\n "));
    }

    // ---- ids

    @ParameterizedTest(name = "conversation_id {0}")
    @CsvSource(delimiter = '|', value = {
            "1|1",
            "\"1\"|1",
            "\"456\"|456",
            "\"000456\"|456",
            "\"999999999999999999\"|999999999999999999",
            "9223372036854775807|9223372036854775807"})
    void idsAsNumbersOrStringsOfDigits(String json, long expected) throws Exception {
        assertEquals(new ClientMessage.Subscribe(expected),
                decode("{\"type\":\"subscribe\",\"conversation_id\":" + json + "}"));
    }

    @ParameterizedTest(name = "conversation_id {0}")
    @ValueSource(strings = {
            "0", "-1", "\"0\"", "\"-1\"", "\"+1\"", "1.0", "1.5", "1e2", "\"\"", "\" 456\"", "\"4 56\"", "\"12a\"",
            "\"0x10\"", "true", "[]", "[1]", "{}", "{\"id\":1}",
            "9223372036854775808", "99999999999999999999", "-9223372036854775809",
            "\"9223372036854775807\"", "\"1234567890123456789\"", "\"99999999999999999999999999\""})
    void invalidOrOversizedIdsAreInvalidField(String json) {
        for (String type : List.of("subscribe", "unsubscribe")) {
            ProtocolException e = refused("{\"type\":\"" + type + "\",\"conversation_id\":" + json + "}",
                    ErrorCode.INVALID_FIELD, type);
            assertTrue(e.getMessage().contains("conversation_id"), e.getMessage());
        }
        refused("{\"type\":\"typing\",\"is_typing\":true,\"conversation_id\":" + json + "}",
                ErrorCode.INVALID_FIELD, "typing");
        refused("{\"type\":\"auth\",\"token\":\"t\",\"user_id\":" + json + "}", ErrorCode.INVALID_FIELD, "auth");
    }

    @Test
    void hugeNumberLiteralIsRefusedAsAProtocolError() {
        String digits = "9".repeat(5000);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> decoder.decode("{\"type\":\"subscribe\",\"conversation_id\":" + digits + "}"));
        assertTrue(e.code() == ErrorCode.INVALID_FIELD || e.code() == ErrorCode.INVALID_JSON, e.code().toString());
    }

    // ---- invalid shapes

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", " ", "not json", "{", "{\"type\":\"ping\"", "{type:\"ping\"}", "{'type':'ping'}",
            "[]", "[{\"type\":\"ping\"}]", "123", "\"ping\"", "null", "true", "{\"type\":\"ping\",}"})
    void notAJsonObjectIsInvalidJsonWithoutRequest(String frame) {
        refused(frame, ErrorCode.INVALID_JSON, null);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"{}", "{\"type\":null}", "{\"type\":5}", "{\"type\":true}", "{\"type\":{}}",
            "{\"type\":[\"ping\"]}", "{\"TYPE\":\"ping\"}", "{\"conversation_id\":5}"})
    void missingOrNonStringTypeIsInvalidFieldWithoutRequest(String frame) {
        refused(frame, ErrorCode.INVALID_FIELD, null);
    }

    @ParameterizedTest(name = "type {0}")
    @ValueSource(strings = {"subscribes", "PING", "Auth", "", " ping", "message", "new_message", "ping\u0000"})
    void unknownTypeIsEchoedAsRequest(String type) throws Exception {
        String frame = new ObjectMapper().createObjectNode().put("type", type).toString();
        refused(frame, ErrorCode.UNKNOWN_TYPE, type);
    }

    @Test
    void longUnknownTypeIsTruncatedInRequest() {
        String type = "x".repeat(10_000);
        ProtocolException e = refused("{\"type\":\"" + type + "\"}", ErrorCode.UNKNOWN_TYPE, "x".repeat(64));
        assertEquals(64, e.request().length());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
            "{\"type\":\"auth\"}",
            "{\"type\":\"auth\",\"token\":null}",
            "{\"type\":\"auth\",\"token\":\"\"}",
            "{\"type\":\"auth\",\"token\":\"   \"}",
            "{\"type\":\"auth\",\"token\":5}",
            "{\"type\":\"auth\",\"token\":[\"a\"]}",
            "{\"type\":\"auth\",\"user_id\":5}"})
    void authWithoutAUsableTokenDecodesWithNoTokenForTheSessionToRefuse(String frame) throws Exception {
        // A Ratchet-era page sends a bare user_id: that is an authentication failure (unauthorized + 4001,
        // decided by the session), not a malformed frame.
        ClientMessage message = decoder.decode(frame);
        assertTrue(message instanceof ClientMessage.Auth, frame);
        assertNull(((ClientMessage.Auth) message).token(), frame);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
            "{\"type\":\"subscribe\"}",
            "{\"type\":\"subscribe\",\"conversation_id\":null}",
            "{\"type\":\"subscribe\",\"conversationId\":5}"})
    void subscribeWithoutConversationIsInvalidField(String frame) {
        assertTrue(refused(frame, ErrorCode.INVALID_FIELD, "subscribe").getMessage().contains("conversation_id"));
    }

    @Test
    void unsubscribeWithoutConversationIsInvalidField() {
        refused("{\"type\":\"unsubscribe\"}", ErrorCode.INVALID_FIELD, "unsubscribe");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
            "{\"type\":\"typing\",\"conversation_id\":5}",
            "{\"type\":\"typing\",\"conversation_id\":5,\"is_typing\":null}",
            "{\"type\":\"typing\",\"conversation_id\":5,\"is_typing\":\"true\"}",
            "{\"type\":\"typing\",\"conversation_id\":5,\"is_typing\":1}",
            "{\"type\":\"typing\",\"conversation_id\":5,\"is_typing\":0}",
            "{\"type\":\"typing\",\"is_typing\":true}"})
    void typingWithoutAValidFlagOrConversationIsInvalidField(String frame) {
        refused(frame, ErrorCode.INVALID_FIELD, "typing");
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutStackOverflow() {
        String deep = "{\"type\":\"ping\",\"x\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}";
        ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(deep));
        assertEquals(ErrorCode.INVALID_JSON, e.code());
    }

    // ---- fuzz

    private static final String[] VALID = {
            "{\"type\":\"auth\",\"token\":\"eyJhbGciOiJIUzI1NiJ9.e30.abc\",\"user_id\":123}",
            "{\"type\":\"subscribe\",\"conversation_id\":456}",
            "{\"type\":\"unsubscribe\",\"conversation_id\":\"456\"}",
            "{\"type\":\"typing\",\"conversation_id\":456,\"is_typing\":true}",
            "{\"type\":\"ping\"}",
    };

    private static final String FRAGMENTS = "{}[]\":,0123456789-+.eE \\\n\ttruefalsenullu00\uD83D\uDE00\uD800\u00e9";
    private static final String[] TOKENS = {"{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "null", "true",
            "false", "-", "0", "1e999", "9223372036854775808", "\"type\"", "\"auth\"", "\"ping\"", "\"typing\"",
            "\"subscribe\"", "\"conversation_id\"", "\"is_typing\"", "\"user_id\"", "\"token\"", "/*", "*/", "NaN",
            "Infinity", "\u0000", "\uFEFF", " "};

    /** decode() may only answer with a ClientMessage or a ProtocolException carrying a code and a message. */
    private boolean assertDecodesOrRefuses(String frame, long seed, int iteration) {
        try {
            ClientMessage m = decoder.decode(frame);
            assertNotNull(m, "seed " + seed + " iteration " + iteration + ": null for " + frame);
            assertNotNull(m.type());
            return true;
        } catch (ProtocolException e) {
            if (e.code() == null || e.getMessage() == null || e.getMessage().isBlank()) {
                fail("seed " + seed + " iteration " + iteration + ": incomplete ProtocolException for " + frame);
            }
            if (e.code() != ErrorCode.UNKNOWN_TYPE && e.request() != null
                    && !List.of("auth", "subscribe", "unsubscribe", "typing", "ping").contains(e.request())) {
                fail("seed " + seed + " iteration " + iteration + ": odd request " + e.request() + " for " + frame);
            }
            return false;
        } catch (Throwable t) {
            return fail("seed " + seed + " iteration " + iteration + ": decode threw " + t + " for " + frame, t);
        }
    }

    @Test
    void randomStringsOnlyEverDecodeOrRaiseProtocolException() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder frame = new StringBuilder();
            int length = random.nextInt(40);
            for (int c = 0; c < length; c++) {
                switch (random.nextInt(3)) {
                    case 0: frame.append(FRAGMENTS.charAt(random.nextInt(FRAGMENTS.length()))); break;
                    case 1: frame.append(TOKENS[random.nextInt(TOKENS.length)]); break;
                    default: frame.append((char) random.nextInt(0x10000)); break;
                }
            }
            assertDecodesOrRefuses(frame.toString(), seed, i);
        }
    }

    @Test
    void randomMutationsOfValidMessagesOnlyEverDecodeOrRaiseProtocolException() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder frame = new StringBuilder(VALID[random.nextInt(VALID.length)]);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = frame.length() == 0 ? 0 : random.nextInt(frame.length() + 1);
                switch (random.nextInt(4)) {
                    case 0:
                        if (at < frame.length()) {
                            frame.deleteCharAt(at);
                        }
                        break;
                    case 1:
                        frame.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
                        break;
                    case 2:
                        if (at < frame.length()) {
                            frame.setCharAt(at, FRAGMENTS.charAt(random.nextInt(FRAGMENTS.length())));
                        }
                        break;
                    default:
                        int end = Math.min(frame.length(), at + random.nextInt(8));
                        frame.replace(at, end, "");
                        break;
                }
            }
            if (assertDecodesOrRefuses(frame.toString(), seed, i)) {
                decoded++;
            }
        }
        assertTrue(decoded > 0, "seed " + seed + ": some mutations should still be valid messages");
    }

    @Test
    void authCarriesTheResumePositionAndEpoch() throws ProtocolException {
        assertEquals(new ClientMessage.Auth("t", null, 9001L, "e-1"),
                decode("{\"type\":\"auth\",\"token\":\"t\",\"last_event_id\":9001,\"epoch\":\"e-1\"}"));
        assertEquals(new ClientMessage.Auth("t", null, 0L, "e-1"),
                decode("{\"type\":\"auth\",\"token\":\"t\",\"last_event_id\":0,\"epoch\":\"e-1\"}"),
                "0 is the position of a history with no event yet");
    }

    @Test
    void subscribeCarriesTheResumePosition() throws ProtocolException {
        assertEquals(new ClientMessage.Subscribe(456, 77L),
                decode("{\"type\":\"subscribe\",\"conversation_id\":456,\"last_event_id\":\"77\"}"));
    }

    @Test
    void aNegativeOrFractionalLastEventIdIsRefused() {
        refused("{\"type\":\"subscribe\",\"conversation_id\":456,\"last_event_id\":-1}", ErrorCode.INVALID_FIELD,
                "subscribe");
        refused("{\"type\":\"auth\",\"token\":\"t\",\"last_event_id\":1.5}", ErrorCode.INVALID_FIELD, "auth");
    }

    @Test
    void anEpochThatIsNotAShortStringIsRefused() {
        refused("{\"type\":\"auth\",\"token\":\"t\",\"epoch\":7}", ErrorCode.INVALID_FIELD, "auth");
        refused("{\"type\":\"auth\",\"token\":\"t\",\"epoch\":\"" + "x".repeat(65) + "\"}",
                ErrorCode.INVALID_FIELD, "auth");
    }
}
