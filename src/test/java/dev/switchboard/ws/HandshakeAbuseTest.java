package dev.switchboard.ws;

import dev.switchboard.testing.RawWebSocket;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What an attacker gets at the handshake, each time a plain answer and a server that carries on: a half-sent
 * request is closed after HANDSHAKE_TIMEOUT and holds a place against MAX_CONNECTIONS meanwhile; a missing or
 * malformed {@code Sec-WebSocket-Key} is a 400; an upgrade over MAX_CONNECTIONS is a 503. Every test has a node of
 * its own, so the places it counts are only its own.
 */
class HandshakeAbuseTest {
    private static final Map<String, String> SMALL_NODE = Map.of("MAX_CONNECTIONS", "2", "HANDSHAKE_TIMEOUT", "2s");

    @Test
    void halfSentUpgradeHoldsAPlaceAndIsClosedAfterTheHandshakeTimeoutThoughItKeepsTrickling() throws Exception {
        try (TestServer server = TestServer.start(SMALL_NODE);
             RawWebSocket open = RawWebSocket.open(server.port(), Map.of(), 0);
             Socket slow = new Socket()) {
            assertEquals(101, open.status());
            slow.connect(new InetSocketAddress("127.0.0.1", server.port()));
            slow.setSoTimeout((int) WsClient.PATIENCE.toMillis());
            Thread trickle = trickle(slow, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "X-Padding: " + "a".repeat(10_000));

            // One open WebSocket and one half-sent request fill a node of two: the next upgrade is refused.
            assertEquals(503, status(server.port(), upgrade(validKey())));

            assertClosedByServer(slow);
            trickle.interrupt();
            // The place it held is free again, and the node upgrades as before.
            try (RawWebSocket next = openWhenRoom(server.port())) {
                assertEquals(101, next.status());
            }
        }
    }

    @Test
    void upgradeWithoutKeyIsRefusedWith400() {
        try (TestServer server = TestServer.start(SMALL_NODE)) {
            String request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            assertEquals(400, status(server.port(), request));
            assertNodeStillUpgrades(server);
        }
    }

    @Test
    void upgradeWithEmptyOrMalformedKeyIsRefusedWith400() {
        try (TestServer server = TestServer.start(SMALL_NODE)) {
            for (String key : new String[] {"", "   ", "not base64 at all!!!!!!!",
                    Base64.getEncoder().encodeToString(new byte[15]),
                    Base64.getEncoder().encodeToString(new byte[17]),
                    Base64.getEncoder().withoutPadding().encodeToString(new byte[16])}) {
                assertEquals(400, status(server.port(), upgrade(key)), "key '" + key + "'");
            }
            assertNodeStillUpgrades(server);
        }
    }

    @Test
    void upgradeOverMaxConnectionsIsRefusedWith503WhileHttpIsStillServed() throws Exception {
        try (TestServer server = TestServer.start(SMALL_NODE)) {
            WsClient first = server.agent(1);
            try (WsClient second = server.agent(2)) {
                String refused = exchange(server.port(), upgrade(validKey()));
                assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
                assertTrue(refused.contains("MAX_CONNECTIONS"), refused);
                // A full node still answers its health check.
                HttpResponse<String> health = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode());
                // The two admitted connections are served as ever.
                assertEquals("pong", second.send("type", "ping").await("pong").path("event").asText());

                first.close();
                try (RawWebSocket next = openWhenRoom(server.port())) {
                    assertEquals(101, next.status());
                }
            }
        }
    }

    private static void assertNodeStillUpgrades(TestServer server) {
        try (WsClient client = server.agent(9)) {
            assertEquals("pong", client.send("type", "ping").await("pong").path("event").asText());
        }
    }

    /** Upgrades as soon as places given back by closed connections are free again; fails after the patience. */
    private static RawWebSocket openWhenRoom(int port) throws InterruptedException {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        while (true) {
            RawWebSocket socket = RawWebSocket.open(port, Map.of(), 0);
            if (socket.status() == 101 || System.nanoTime() > deadline) {
                return socket;
            }
            socket.close();
            Thread.sleep(50);
        }
    }

    /** Sends {@code text} a byte every 50 ms until the connection fails or the thread is interrupted. */
    private static Thread trickle(Socket socket, String text) {
        Thread thread = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException e) {
                // closed by the server, or the test is done
            }
        }, "trickle");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void assertClosedByServer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            int b = in.read();
            assertEquals(-1, b, "the server sent something to a half-sent request");
        } catch (SocketTimeoutException e) {
            fail("a half-sent request was still held after " + WsClient.PATIENCE.toSeconds() + " s");
        } catch (SocketException e) {
            // reset: closed too
        }
    }

    private static String validKey() {
        return Base64.getEncoder().encodeToString(new byte[16]);
    }

    private static String upgrade(String key) {
        return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    private static int status(int port, String request) {
        String response = exchange(port, request);
        String[] parts = response.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new AssertionError("not an HTTP response: '" + response + "' to " + request);
        }
        return Integer.parseInt(parts[1]);
    }

    /** Sends a raw request and returns the response's head and as much body as arrives before the server closes. */
    private static String exchange(int port, String request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout((int) WsClient.PATIENCE.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            StringBuilder response = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!response.toString().contains("\r\n\r\n") || response.toString().startsWith("HTTP/1.1 4")
                    || response.toString().startsWith("HTTP/1.1 5")) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketException e) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                response.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            return response.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
