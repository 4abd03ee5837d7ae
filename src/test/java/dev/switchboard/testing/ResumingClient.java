package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An agent that does what the browser client library does when its node goes away: it keeps the last durable
 * event id it saw and the epoch, and reconnects to another node with both. Records every durable event it receives
 * across all its connections, in arrival order, so a test can check every id.
 */
public final class ResumingClient implements AutoCloseable {
    private final String token;
    private final List<JsonNode> events = new ArrayList<>();
    private WsClient current;
    private String epoch;
    private long lastEventId;
    private int resumes;

    private ResumingClient(String token) {
        this.token = token;
    }

    /** Connects to {@code port} and authenticates without a position: a fresh page. */
    public static ResumingClient connect(int port, String token) {
        ResumingClient client = new ResumingClient(token);
        client.current = WsClient.connect(uri(port), Map.of());
        client.current.send("type", "auth", "token", token);
        client.epoch = client.current.await("authenticated").path("data").path("epoch").asText();
        return client;
    }

    /**
     * Waits until the node closes or drops this connection (the frames it sent before are kept), then reconnects
     * to {@code port} with {@code last_event_id} and {@code epoch}; fails unless the node says it recovered.
     *
     * @return the close code the old connection ended with (1006 when the node died without a close frame)
     */
    public int failOverTo(int port) {
        int code = current.awaitClose();
        record(current.drain());
        current.abort();
        current = WsClient.connect(uri(port), Map.of());
        current.send("type", "auth", "token", token, "last_event_id", lastEventId, "epoch", epoch);
        JsonNode authenticated = current.await("authenticated").path("data");
        if (!authenticated.path("recovered").asBoolean()) {
            fail("resume after " + lastEventId + " refused: " + authenticated + " " + current.await("resync_required"));
        }
        assertEquals(epoch, authenticated.path("epoch").asText(), "the same history on every node");
        resumes++;
        return code;
    }

    /** Reads from the current connection until it has seen the event with id {@code id} (or a later one). */
    public void awaitEventId(long id) {
        while (lastEventId < id) {
            JsonNode frame = current.next();
            record(List.of(frame));
            if (current.isClosed() && lastEventId < id) {
                record(current.drain());
                if (lastEventId < id) {
                    fail("connection closed at id " + lastEventId + " while waiting for " + id);
                }
            }
        }
    }

    private void record(List<JsonNode> frames) {
        for (JsonNode frame : frames) {
            if (frame.hasNonNull("id")) {
                events.add(frame);
                lastEventId = Math.max(lastEventId, frame.get("id").asLong());
            }
        }
    }

    /**
     * Asserts the events received across every connection are exactly ids {@code first..last}, each once, in
     * increasing order: nothing lost at a failover, nothing replayed twice at its seam.
     */
    public void assertEveryIdOnceInOrder(long first, long last) {
        if (!current.isClosed()) {
            record(current.sync()); // anything still queued for this connection, a late duplicate included
        }
        List<Long> ids = ids();
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i) != first + i) {
                fail("expected id " + (first + i) + " at position " + i + " but got " + ids.get(i)
                        + " (around: " + ids.subList(Math.max(0, i - 3), Math.min(ids.size(), i + 4)) + ")");
            }
        }
        assertEquals(last - first + 1, ids.size(), "every id from " + first + " to " + last + " once");
    }

    /** The ids of the durable events received so far, in arrival order. */
    public List<Long> ids() {
        return events.stream().map(f -> f.get("id").asLong()).toList();
    }

    /** The durable events received so far, in arrival order. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** How many times this client resumed on another connection. */
    public int resumes() {
        return resumes;
    }

    @Override
    public void close() {
        current.close();
    }

    private static URI uri(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }
}
