package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.routing.Recipient;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@link Recipient} that keeps what it is sent, and notes every send made while one of the watched locks is held
 * (a component delivering under its own lock).
 */
public final class RecordingRecipient implements Recipient {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String connectionId;
    private final long userId;
    private final boolean staff;
    private final List<String> frames = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private volatile List<Object> watchedLocks = List.of();

    public RecordingRecipient(String connectionId, long userId, boolean staff) {
        this.connectionId = connectionId;
        this.userId = userId;
        this.staff = staff;
    }

    /** An agent's connection. */
    public static RecordingRecipient agent(String connectionId, long userId) {
        return new RecordingRecipient(connectionId, userId, true);
    }

    /** A contact's connection. */
    public static RecordingRecipient contact(String connectionId, long userId) {
        return new RecordingRecipient(connectionId, userId, false);
    }

    /** Notes any send made while one of these monitors is held by the sending thread. */
    public RecordingRecipient watchLocks(Object... locks) {
        this.watchedLocks = List.of(locks);
        return this;
    }

    @Override
    public String connectionId() {
        return connectionId;
    }

    @Override
    public long userId() {
        return userId;
    }

    @Override
    public boolean isStaff() {
        return staff;
    }

    @Override
    public void send(String frame) {
        for (Object lock : watchedLocks) {
            if (Thread.holdsLock(lock)) {
                violations.add(frame + " sent holding " + lock.getClass().getSimpleName());
            }
        }
        frames.add(frame);
    }

    /** Every frame received, parsed, in order. */
    public List<JsonNode> frames() {
        synchronized (frames) {
            return frames.stream().map(RecordingRecipient::parse).collect(Collectors.toList());
        }
    }

    /** Frames of one event name. */
    public List<JsonNode> events(String event) {
        return frames().stream().filter(f -> event.equals(f.path("event").asText())).collect(Collectors.toList());
    }

    /** Sends made under a watched lock; empty when the component behaved. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    @Override
    public String toString() {
        return connectionId;
    }

    private static JsonNode parse(String frame) {
        try {
            return MAPPER.readTree(frame);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
