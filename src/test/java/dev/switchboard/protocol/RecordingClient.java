package dev.switchboard.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.WsClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) that keeps every frame the server sends exactly as parsed from the wire, and
 * the close frame's code <em>and reason</em>, which a browser hands to the page and the shared test client does not
 * keep. Waits are upper bounds ({@link WsClient#PATIENCE}) that only fail when something never happens.
 */
final class RecordingClient implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A close frame as the browser reports it to the page ({@code CloseEvent.code} and {@code .reason}). */
    record Close(int code, String reason) {
    }

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> close = new CompletableFuture<>();
    private final WebSocket socket;
    /** While set, frames are not asked for: the JDK client then stops reading its socket, like a frozen tab. */
    private volatile boolean stalled;

    private RecordingClient(int port) {
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(WsClient.PATIENCE)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new Listener()).join();
    }

    static RecordingClient connect(int port) {
        return new RecordingClient(port);
    }

    /** Sends a text frame as is. */
    RecordingClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    RecordingClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** Sends {@code auth} and returns the {@code authenticated} frame. */
    JsonNode authenticate(String token) {
        send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        return await("authenticated");
    }

    /** Skips frames until one with this event name arrives. */
    JsonNode await(String event) {
        return awaitMatching(f -> event.equals(f.path("event").asText()), event);
    }

    /** Skips frames until an {@code error} with this code arrives. */
    JsonNode awaitError(String code) {
        return awaitMatching(f -> "error".equals(f.path("event").asText())
                && code.equals(f.path("data").path("code").asText()), "error " + code);
    }

    JsonNode awaitMatching(Predicate<JsonNode> test, String what) {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        List<String> skipped = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                JsonNode frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (frame == null) {
                    break;
                }
                if (test.test(frame)) {
                    return frame;
                }
                skipped.add(frame.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new AssertionError("never received " + what + "; got instead: " + skipped);
    }

    /** Stops reading: the server's frames pile up in the socket buffers and then in its send queue. */
    void stallReading() {
        stalled = true;
    }

    /** Reads again, through whatever piled up, up to the close frame if there is one. */
    void resumeReading() {
        stalled = false;
        socket.request(1);
    }

    /** Waits for the server's close frame. */
    Close awaitClose() {
        try {
            return close.get(WsClient.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the server did not close the connection", e);
        }
    }

    boolean isClosed() {
        return close.isDone();
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
            if (!stalled) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            close.complete(new Close(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            close.complete(new Close(1006, ""));
        }
    }
}
