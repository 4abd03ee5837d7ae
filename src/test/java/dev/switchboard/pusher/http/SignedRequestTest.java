package dev.switchboard.pusher.http;

import dev.switchboard.pusher.PusherApp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API's request authentication, against a fixed clock. */
class SignedRequestTest {
    private static final PusherApp APP = new PusherApp("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");
    private static final Instant NOW = Instant.ofEpochSecond(1_353_088_179);
    private static final byte[] BODY = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}"
            .getBytes(StandardCharsets.UTF_8);

    /** The example of Pusher's HTTP API reference: its published signature must verify. */
    @Test
    void pushersPublishedExampleVerifies() {
        Map<String, String> query = new TreeMap<>(Map.of("auth_key", APP.key(), "auth_timestamp", "1353088179",
                "auth_version", "1.0", "body_md5", "ec365a775a4cd0599faeb73354201b6f"));
        SignedRequest request = new SignedRequest("POST", "/apps/3/events", query, BODY);
        assertEquals("POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179"
                + "&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f", request.stringToSign());
        query.put("auth_signature", "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
        assertEquals(Optional.empty(), new SignedRequest("POST", "/apps/3/events", query, BODY).refusal(APP, NOW));
    }

    @Test
    void aTimestampUpToTenMinutesOffEitherWayIsAccepted() {
        assertEquals(Optional.empty(), signed("GET", "/apps/3/channels", NOW.minusSeconds(600), new byte[0])
                .refusal(APP, NOW));
        assertEquals(Optional.empty(), signed("GET", "/apps/3/channels", NOW.plusSeconds(600), new byte[0])
                .refusal(APP, NOW));
    }

    @Test
    void aTimestampMoreThanTenMinutesOffIsRefused() {
        assertTrue(signed("GET", "/apps/3/channels", NOW.minusSeconds(601), new byte[0]).refusal(APP, NOW)
                .orElseThrow().startsWith("Timestamp expired"));
        assertTrue(signed("GET", "/apps/3/channels", NOW.plusSeconds(601), new byte[0]).refusal(APP, NOW)
                .isPresent());
    }

    @Test
    void aSignatureByAnotherSecretIsRefused() {
        SignedRequest request = signed("GET", "/apps/3/channels", NOW, new byte[0]);
        PusherApp impostor = new PusherApp("3", APP.key(), "another-secret");
        assertEquals(Optional.of("Authentication signature invalid."), request.refusal(impostor, NOW));
    }

    @Test
    void aSignedRequestForAnotherPathOrKeyIsRefused() {
        SignedRequest request = signed("GET", "/apps/3/channels", NOW, new byte[0]);
        assertTrue(new SignedRequest("GET", "/apps/3/channels/x", request.query(), request.body())
                .refusal(APP, NOW).isPresent());
        assertTrue(request.refusal(new PusherApp("3", "other-key", APP.secret()), NOW).isPresent());
    }

    @Test
    void aBodyThatIsNotTheOneItsMd5NamesIsRefused() {
        SignedRequest request = signed("POST", "/apps/3/events", NOW, BODY);
        SignedRequest tampered = new SignedRequest("POST", "/apps/3/events", request.query(),
                "{\"name\":\"evil\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of("body_md5 does not match the request body."), tampered.refusal(APP, NOW));
    }

    @Test
    void theQueryIsDecodedAndTheFirstOfRepeatedNamesKept() {
        assertEquals(Map.of("filter_by_prefix", "presence-", "info", "user_count,x", "a", ""),
                SignedRequest.parseQuery("filter_by_prefix=presence-&info=user_count%2Cx&a&info=second"));
    }

    /** A request signed as the SDKs sign it. */
    static SignedRequest signed(String method, String path, Instant at, byte[] body) {
        Map<String, String> query = new TreeMap<>(Map.of("auth_key", APP.key(),
                "auth_timestamp", Long.toString(at.getEpochSecond()), "auth_version", "1.0"));
        if (body.length > 0) {
            query.put("body_md5", SignedRequest.md5Hex(body));
        }
        String signature = APP.sign(new SignedRequest(method, path, query, body).stringToSign());
        query.put("auth_signature", signature);
        return new SignedRequest(method, path, query, body);
    }
}
