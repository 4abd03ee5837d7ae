package dev.switchboard.ws;

import dev.switchboard.protocol.EncodedFrame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * A transport that completes every send at once and records it, with the thread that wrote it and whether that
 * thread held any watched lock. A close is reported back to the session, as Tyrus does, on the closing thread.
 */
final class RecordingTransport implements OutboundQueue.Transport {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One socket write. */
    record Write(String frame, String thread, List<String> locksHeld) {
    }

    private final List<Object> watchedLocks;
    private final List<Write> writes = Collections.synchronizedList(new ArrayList<>());
    private volatile int closeCode = -1;
    private volatile int pings;
    private volatile ClientSession session;

    RecordingTransport(Object... watchedLocks) {
        this.watchedLocks = List.of(watchedLocks);
    }

    void attach(ClientSession session) {
        this.session = session;
    }

    @Override
    public void send(List<EncodedFrame> frames, Consumer<Throwable> done) {
        for (EncodedFrame frame : frames) {
            writes.add(new Write(frame.text(), Thread.currentThread().getName(), locksHeld()));
        }
        done.accept(null);
    }

    @Override
    public void ping() {
        pings++;
    }

    @Override
    public void close(int code, String reason) {
        writes.add(new Write("close " + code, Thread.currentThread().getName(), locksHeld()));
        closeCode = code;
        session.closed(code, reason);
    }

    /** Every frame written so far, parsed. */
    List<JsonNode> frames() {
        List<JsonNode> parsed = new ArrayList<>();
        synchronized (writes) {
            for (Write write : writes) {
                if (!write.frame().startsWith("close ")) {
                    parsed.add(parse(write.frame()));
                }
            }
        }
        return parsed;
    }

    List<Write> writes() {
        synchronized (writes) {
            return List.copyOf(writes);
        }
    }

    /** The close code written, or -1. */
    int closeCode() {
        return closeCode;
    }

    int pings() {
        return pings;
    }

    private List<String> locksHeld() {
        List<String> held = new ArrayList<>();
        for (Object lock : watchedLocks) {
            if (Thread.holdsLock(lock)) {
                held.add(lock.getClass().getSimpleName());
            }
        }
        return held;
    }

    private static JsonNode parse(String frame) {
        try {
            return MAPPER.readTree(frame);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
