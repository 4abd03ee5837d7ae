package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real WebSocket client (the JDK's) that records every frame the server sends. Waits are generous upper bounds
 * that only fail a test when something never happens; nothing here asserts that something was fast.
 */
public final class WsClient implements AutoCloseable {
    /** How long to wait for something that should happen. Long, because CI machines are slow. */
    public static final Duration PATIENCE = Duration.ofSeconds(15);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(HttpClient http, URI uri, Map<String, String> headers) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(PATIENCE);
        headers.forEach(builder::header);
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    /** Opens a connection to {@code ws://127.0.0.1:port/ws}. */
    public static WsClient connect(int port) {
        return connect(URI.create("ws://127.0.0.1:" + port + "/ws"), Map.of());
    }

    /** Opens a connection with extra handshake headers (e.g. {@code Origin}). */
    public static WsClient connect(URI uri, Map<String, String> headers) {
        return new WsClient(HTTP, uri, headers);
    }

    /** Opens a connection through {@code http}: one that trusts a test certificate, for {@code wss://}. */
    public static WsClient connect(HttpClient http, URI uri) {
        return new WsClient(http, uri, Map.of());
    }

    /** Sends a text frame as is. */
    public WsClient sendRaw(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** Sends a JSON object given as alternating keys and values. */
    public WsClient send(Object... keysAndValues) {
        Map<String, Object> message = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            message.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        try {
            return sendRaw(MAPPER.writeValueAsString(message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Sends one fragment of a text message: {@code last=false} starts or continues the message, {@code true}
     * ends it. Lets a test send a message whose parts are each small but whose whole is large.
     */
    public WsClient sendFragment(String part, boolean last) {
        socket.sendText(part, last).join();
        return this;
    }

    /** Sends a binary frame. */
    public WsClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** Authenticates and waits for {@code authenticated}; returns its data. */
    public JsonNode authenticate(String token) {
        send("type", "auth", "token", token);
        return await("authenticated").get("data");
    }

    /** Subscribes and waits for the confirmation. */
    public WsClient subscribe(long conversationId) {
        send("type", "subscribe", "conversation_id", conversationId);
        awaitMatching(f -> "subscribed".equals(f.path("event").asText())
                && f.path("data").path("conversation_id").asLong() == conversationId, "subscribed " + conversationId);
        return this;
    }

    /** The next frame, failing the test if none arrives. */
    public JsonNode next() {
        try {
            JsonNode frame = frames.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                fail("no frame arrived within " + PATIENCE.toSeconds() + " s");
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Skips frames until one with this event name arrives, and returns it. */
    public JsonNode await(String event) {
        return awaitMatching(f -> event.equals(f.path("event").asText()), event);
    }

    /** Skips frames until one matches. */
    public JsonNode awaitMatching(Predicate<JsonNode> test, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        List<String> skipped = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            try {
                JsonNode frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (frame == null) {
                    break;
                }
                if (test.test(frame)) {
                    return frame;
                }
                skipped.add(frame.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("never received " + what + "; got instead: " + skipped);
    }

    /** Waits for an {@code error} event and checks its code. */
    public JsonNode awaitError(String code) {
        JsonNode error = await("error");
        assertEquals(code, error.path("data").path("code").asText(), "error code in " + error);
        return error.get("data");
    }

    /**
     * Round-trips a ping and returns every frame received before the pong. The server writes a connection's
     * frames in order, so anything queued for this client before the ping was handled is in the result: a
     * deterministic way to say "and nothing else arrived", with no sleeping.
     */
    public List<JsonNode> sync() {
        send("type", "ping");
        List<JsonNode> before = new ArrayList<>();
        while (true) {
            JsonNode frame = next();
            if ("pong".equals(frame.path("event").asText())) {
                return before;
            }
            before.add(frame);
        }
    }

    /** Frames already received and not yet consumed, without waiting. */
    public List<JsonNode> drain() {
        List<JsonNode> list = new ArrayList<>();
        frames.drainTo(list);
        return list;
    }

    /** Waits for the server to close the connection and returns the close code. */
    public int awaitClose() {
        try {
            return closeCode.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the server did not close the connection", e);
        }
    }

    /** Whether the server has closed the connection. */
    public boolean isClosed() {
        return closeCode.isDone();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already gone
            }
        }
        socket.abort();
    }

    /** Drops the TCP connection without a close handshake, like a crashed browser. */
    public void abort() {
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    frames.add(MAPPER.readTree(text));
                } catch (Exception e) {
                    frames.add(MAPPER.createObjectNode().put("event", "__unparseable__").put("raw", text));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.complete(1006);
        }
    }
}
