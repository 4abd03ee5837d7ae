package dev.switchboard.ws;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.logging.LineLayout;
import dev.switchboard.testing.LogCapture;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator reads at INFO when clients misbehave: one line per refused origin, bad or expired token and
 * flood, in key=value (and JSON) form, and no more than one line a second for each reason.
 */
class OperatorLogTest {
    private static TestServer server;
    private LogCapture log;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(Map.of("RATE_LIMIT_PER_SECOND", "1", "RATE_LIMIT_BURST", "2",
                "HANDSHAKE_TIMEOUT", "500ms"));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void capture() {
        log = LogCapture.start();
    }

    @AfterEach
    void stopCapturing() {
        log.close();
    }

    private List<Map<String, String>> lines(String event) {
        return log.lines(event);
    }

    private List<ILoggingEvent> events(String event) {
        return log.events(event);
    }

    private static String text(ILoggingEvent event) {
        LineLayout layout = new LineLayout();
        layout.setFormat("text");
        return layout.doLayout(event);
    }

    @Test
    void refusedOriginIsOneLineWithTheRemoteAddressAndTheOrigin() {
        assertThrows(RuntimeException.class, () -> WsClient.connect(
                URI.create("ws://127.0.0.1:" + server.port() + "/ws"), Map.of("Origin", "https://evil.example")));
        List<ILoggingEvent> refused = events("connection_refused");
        assertEquals(1, refused.size(), log.all().toString());
        String line = text(refused.get(0));
        assertTrue(line.matches(".* - event=connection_refused reason=origin status=403 remote=127\\.0\\.0\\.1"
                + " origin=https://evil\\.example\\R"), line);
    }

    @Test
    void badSignatureIsOneAuthFailedLine() {
        String forged = AuthenticationTest.hs256("another-secret-that-is-long-enough-for-hs256-000",
                AuthenticationTest.claims("601", "agent").build());
        refuse(forged);
        List<Map<String, String>> failed = lines("auth_failed");
        assertEquals(1, failed.size(), failed.toString());
        assertEquals("bad_signature", failed.get(0).get("reason"));
        assertEquals("4001", failed.get(0).get("code"));
        assertTrue(failed.get(0).get("connection").startsWith(server.node().config().node().id() + "-"),
                failed.toString());
        assertTrue(text(events("auth_failed").get(0)).matches(
                ".* - event=auth_failed reason=bad_signature code=4001 connection=\\S+ remote=127\\.0\\.0\\.1\\R"),
                text(events("auth_failed").get(0)));
    }

    @Test
    void expiredTokenIsOneAuthFailedLineNamingTheReason() {
        Instant past = Instant.now().minus(Duration.ofMinutes(10));
        refuse(AuthenticationTest.hs256(AuthenticationTest.claims("602", "agent")
                .issueTime(Date.from(past.minus(Duration.ofHours(1)))).expirationTime(Date.from(past)).build()));
        List<Map<String, String>> failed = lines("auth_failed");
        assertEquals(1, failed.size(), failed.toString());
        assertEquals("expired", failed.get(0).get("reason"));
    }

    @Test
    void bareUserIdAndMismatchedUserAreTheirOwnReasons() {
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "user_id", 603);
            assertEquals(4001, client.awaitClose());
        }
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "token", server.agentToken(604), "user_id", 605);
            assertEquals(4001, client.awaitClose());
        }
        List<Map<String, String>> failed = lines("auth_failed");
        assertEquals(2, failed.size(), failed.toString());
        assertEquals("missing_token", failed.get(0).get("reason"));
        assertEquals("603", failed.get(0).get("claimed_user"));
        assertEquals("user_mismatch", failed.get(1).get("reason"));
        assertEquals("605", failed.get(1).get("claimed_user"));
    }

    @Test
    void floodIsOneLineNamingTheUserAndTheCloseCode() {
        try (WsClient client = server.connect()) {
            client.authenticate(server.agentToken(606));
            try {
                for (int i = 0; i < 400 && !client.isClosed(); i++) {
                    client.send("type", "ping");
                }
            } catch (RuntimeException expected) {
                // the server may close while we are still sending
            }
            assertEquals(1008, client.awaitClose());
        }
        List<Map<String, String>> flood = lines("flood_closed");
        assertEquals(1, flood.size(), flood.toString());
        assertEquals("rate_limit", flood.get(0).get("reason"));
        assertEquals("1008", flood.get(0).get("code"));
        assertEquals("606", flood.get(0).get("user"));
        assertEquals("127.0.0.1", flood.get(0).get("remote"));
        long infoLines = log.all().stream().filter(e -> e.getLoggerName().startsWith("dev.switchboard.ws."))
                .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)).count();
        assertEquals(1, infoLines, "one line for the flood, none per message: " + log.all());
    }

    @Test
    void aBurstOfBadTokensIsThrottledToOneLineASecond() {
        long start = System.nanoTime();
        int attempts = 8;
        for (int i = 0; i < attempts; i++) {
            refuse("not-a-jwt");
        }
        long elapsedSeconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        List<Map<String, String>> failed = lines("auth_failed");
        assertTrue(failed.size() >= 1, "the first is always written");
        assertTrue(failed.size() <= elapsedSeconds + 1,
                failed.size() + " lines in " + elapsedSeconds + " s: " + failed);
        long reported = failed.stream().mapToLong(l -> Long.parseLong(l.getOrDefault("suppressed", "0"))).sum();
        assertTrue(reported <= attempts - failed.size(), "never more counted than dropped: " + failed);
        failed.forEach(l -> assertEquals("malformed", l.get("reason")));
    }

    @Test
    void jsonFormatRendersEachCapturedEventAsOneParseableObject() throws Exception {
        refuse("not-a-jwt");
        LineLayout layout = new LineLayout();
        layout.setFormat("json");
        ObjectMapper mapper = new ObjectMapper();
        String line = layout.doLayout(events("auth_failed").get(0));
        assertEquals(1, line.lines().count(), line);
        JsonNode json = mapper.readTree(line);
        assertEquals("auth_failed", json.get("event").asText());
        assertEquals("malformed", json.get("reason").asText());
        assertEquals(4001, json.get("code").intValue());
        assertEquals("dev.switchboard.ws.ClientSession", json.get("logger").asText());
    }

    @Test
    void silentConnectionIsAHandshakeTimeoutLineButAnIdleKeptAliveOneIsNot() throws Exception {
        // The kept-alive one first, while nothing can be throttled: a line for it would be written, and fail this.
        try (Socket keptAlive = new Socket("127.0.0.1", server.port())) {
            keptAlive.setSoTimeout(15_000);
            keptAlive.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = keptAlive.getInputStream();
            assertEquals('H', in.read(), "a response");
            while (in.read() != -1) {
                // the response, then the close once the connection has idled for HANDSHAKE_TIMEOUT
            }
        }
        assertEquals(List.of(), lines("connection_refused"), "an idle kept-alive connection is not logged");

        try (Socket silent = new Socket("127.0.0.1", server.port())) {
            silent.setSoTimeout(15_000);
            assertEquals(-1, silent.getInputStream().read(), "closed after HANDSHAKE_TIMEOUT");
        }
        List<Map<String, String>> refused = lines("connection_refused");
        assertEquals(1, refused.size(), refused.toString());
        assertEquals("handshake_timeout", refused.get(0).get("reason"));
        assertEquals("127.0.0.1", refused.get(0).get("remote"));
    }

    private static void refuse(String token) {
        try (WsClient client = server.connect()) {
            client.send("type", "auth", "token", token);
            client.awaitError("unauthorized");
            assertEquals(4001, client.awaitClose());
        }
    }
}
