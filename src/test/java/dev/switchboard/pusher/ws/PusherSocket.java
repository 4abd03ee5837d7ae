package dev.switchboard.pusher.ws;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A raw WebSocket to {@code /app/{key}} that keeps every frame as the exact text the server sent, so tests can pin
 * frames character for character.
 */
final class PusherSocket implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern SOCKET_ID = Pattern.compile(
            "\\{\"event\":\"pusher:connection_established\",\"data\":\"\\{\\\\\"socket_id\\\\\":\\\\\"(\\d+\\.\\d+)"
                    + "\\\\\",\\\\\"activity_timeout\\\\\":\\d+}\"}");

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private String socketId;

    private PusherSocket(URI uri) {
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(PATIENCE).buildAsync(uri, new Listener()).join();
    }

    /** Opens {@code ws://127.0.0.1:port/app/key?query} without reading anything. */
    static PusherSocket open(int port, String key, String query) {
        return new PusherSocket(URI.create("ws://127.0.0.1:" + port + "/app/" + key + (query.isEmpty() ? "" : "?" + query)));
    }

    /** Opens a connection as pusher-js 8 does and reads its {@code connection_established}. */
    static PusherSocket connect(int port, String key) {
        PusherSocket socket = open(port, key, "protocol=7&client=js&version=8.4.0&flash=false");
        String first = socket.next();
        Matcher m = SOCKET_ID.matcher(first);
        assertTrue(m.matches(), "connection_established: " + first);
        socket.socketId = m.group(1);
        return socket;
    }

    String socketId() {
        return socketId;
    }

    PusherSocket send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** Sends one fragment of a text message; {@code last} ends it. */
    PusherSocket sendFragment(String part, boolean last) {
        socket.sendText(part, last).join();
        return this;
    }

    PusherSocket sendBinary(byte[] bytes) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next frame, exactly as sent. */
    String next() {
        try {
            String frame = frames.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                fail("no frame within " + PATIENCE.toSeconds() + " s");
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Skips frames until one contains {@code text}; returns it. */
    String awaitContaining(String text) {
        return await(f -> f.contains(text), text);
    }

    String await(Predicate<String> test, String what) {
        List<String> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            String frame;
            try {
                frame = frames.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (frame == null) {
                break;
            }
            if (test.test(frame)) {
                return frame;
            }
            skipped.add(frame);
        }
        throw new AssertionError("no frame with " + what + "; got " + skipped);
    }

    /**
     * Sends a ping and returns every frame received before its pong: a barrier proving that nothing else was
     * queued for this connection before it.
     */
    List<String> sync() {
        send("{\"event\":\"pusher:ping\",\"data\":{}}");
        List<String> before = new ArrayList<>();
        while (true) {
            String frame = next();
            if (frame.equals("{\"event\":\"pusher:pong\",\"data\":\"{}\"}")) {
                return before;
            }
            before.add(frame);
        }
    }

    int awaitClose() {
        try {
            return closeCode.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the server did not close the connection", e);
        }
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
                frames.add(partial.toString());
                partial.setLength(0);
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
            closeCode.completeExceptionally(error);
        }
    }
}
