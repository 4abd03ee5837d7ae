package dev.switchboard.ws;

import dev.switchboard.testing.RawWebSocket;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Which browser origins may open a WebSocket: same origin by default, an allow-list with ALLOWED_ORIGINS, anyone
 * with {@code *}; clients that send no Origin (not browsers) are let through to the token check. Refusals are a
 * plain HTTP 403 before any WebSocket exists.
 */
class OriginTest {
    private static TestServer sameOrigin;
    private static TestServer allowList;
    private static TestServer anyOrigin;

    @BeforeAll
    static void startServers() {
        sameOrigin = TestServer.start();
        allowList = TestServer.start(Map.of("ALLOWED_ORIGINS", "https://app.example.com, https://admin.example.com"));
        anyOrigin = TestServer.start(Map.of("ALLOWED_ORIGINS", "*"));
    }

    @AfterAll
    static void stopServers() {
        sameOrigin.close();
        allowList.close();
        anyOrigin.close();
    }

    private static URI uri(TestServer server) {
        return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    }

    /** Opens a JDK WebSocket with this Origin, authenticates and round-trips a ping. */
    private static void assertAccepted(TestServer server, String origin) {
        Map<String, String> headers = origin == null ? Map.of() : Map.of("Origin", origin);
        try (WsClient client = WsClient.connect(uri(server), headers)) {
            client.authenticate(server.agentToken(1));
            client.sync();
        }
    }

    /** The JDK client's handshake fails with HTTP 403, and a raw upgrade request gets the same status. */
    private static void assertRefused(TestServer server, String origin) {
        int sessionsBefore = server.node().openSessions();
        RuntimeException failure = assertThrows(RuntimeException.class,
                () -> WsClient.connect(uri(server), Map.of("Origin", origin)).close(),
                "handshake from " + origin + " must fail");
        WebSocketHandshakeException handshake = findCause(failure);
        assertEquals(403, handshake.getResponse().statusCode(), "status for origin " + origin);

        try (RawWebSocket raw = RawWebSocket.open(server.port(), Map.of("Origin", origin), 0)) {
            assertEquals(403, raw.status(), "raw upgrade from " + origin);
            assertTrue(raw.responseHeader("upgrade") == null, "a refused request is not upgraded");
        }
        // Earlier clients may still be closing, so the count can only have fallen.
        assertTrue(server.node().openSessions() <= sessionsBefore, "no WebSocket session was created");
    }

    private static WebSocketHandshakeException findCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WebSocketHandshakeException) {
                return (WebSocketHandshakeException) t;
            }
        }
        fail("expected a refused handshake, got " + failure);
        return null;
    }

    // ---- ALLOWED_ORIGINS unset: same origin only ----

    @Test
    void originMatchingHostIsAccepted() {
        assertAccepted(sameOrigin, "http://127.0.0.1:" + sameOrigin.port());
    }

    @Test
    void noOriginHeaderIsAccepted() {
        assertAccepted(sameOrigin, null);
        try (RawWebSocket raw = RawWebSocket.open(sameOrigin.port(), Map.of(), 0)) {
            assertEquals(101, raw.status());
        }
    }

    @Test
    void foreignOriginIsRefusedWith403() {
        assertRefused(sameOrigin, "https://evil.example.com");
    }

    @Test
    void sameHostOnAnotherPortIsAForeignOrigin() {
        int otherPort = sameOrigin.port() == 65535 ? 65534 : sameOrigin.port() + 1;
        assertRefused(sameOrigin, "http://127.0.0.1:" + otherPort);
        assertRefused(sameOrigin, "http://127.0.0.1");
    }

    @Test
    void anotherNameForTheSameMachineIsAForeignOrigin() {
        assertRefused(sameOrigin, "http://localhost:" + sameOrigin.port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "not a url", "file://", "http://"})
    void opaqueOrMalformedOriginIsRefused(String origin) {
        assertRefused(sameOrigin, origin);
    }

    @Test
    void sameOriginComparesTheHostHeaderTheProxyForwards() {
        // Behind nginx the Host header names the public site, and so does the page's Origin.
        try (RawWebSocket raw = RawWebSocket.open(sameOrigin.port(),
                Map.of("Host", "chat.example.com", "Origin", "https://chat.example.com"), 0)) {
            assertEquals(101, raw.status());
        }
        try (RawWebSocket raw = RawWebSocket.open(sameOrigin.port(),
                Map.of("Host", "chat.example.com", "Origin", "https://evil.example.com"), 0)) {
            assertEquals(403, raw.status());
        }
    }

    // ---- ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com ----

    @Test
    void listedOriginsAreAccepted() {
        assertAccepted(allowList, "https://app.example.com");
        assertAccepted(allowList, "https://admin.example.com");
        assertAccepted(allowList, "https://APP.Example.com"); // host names are case-insensitive
    }

    @Test
    void unlistedOriginsAreRefusedWhenAnAllowListIsSet() {
        assertRefused(allowList, "https://evil.example.com");
        assertRefused(allowList, "http://app.example.com"); // another scheme is another origin
        assertRefused(allowList, "https://app.example.com:8443");
        assertRefused(allowList, "https://sub.app.example.com");
        assertRefused(allowList, "https://app.example.com.evil.net");
    }

    @Test
    void theServersOwnOriginStaysAllowedWithAnAllowList() {
        // The list adds origins; pages served by the node itself (the demo console) keep working.
        assertAccepted(allowList, "http://127.0.0.1:" + allowList.port());
    }

    @Test
    void noOriginHeaderIsAcceptedWithAnAllowList() {
        assertAccepted(allowList, null);
    }

    // ---- ALLOWED_ORIGINS=* ----

    @Test
    void starAcceptsAnyOrigin() {
        assertAccepted(anyOrigin, "https://evil.example.com");
        assertAccepted(anyOrigin, "http://localhost:3000");
        assertAccepted(anyOrigin, "null");
        assertAccepted(anyOrigin, null);
    }
}
