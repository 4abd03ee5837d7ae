package dev.switchboard.ws;

import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.protocol.EncodedFrame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The bounded send queue of one connection, and its one serial writer.
 *
 * <p>{@link #offer} only queues: the socket writes run on the {@code writer} executor, one at a time per
 * connection, with asynchronous sends, so neither the thread that routes an event to thousands of connections nor
 * a thread holding any lock of ours ever touches a socket. That matters beyond speed: a write to a reset
 * connection makes Grizzly close it on the writing thread and run our close handling there, which takes other
 * components' locks.
 *
 * <p>A burst (the node catching up after a database outage, a bulk import) can queue thousands of frames in a
 * millisecond even for clients that read fast, so falling behind briefly is not a fault: a client is closed
 * (1013) only when its queue stays above a soft limit (in frames or in bytes) for longer than the lag allowed, or
 * at once when it reaches a hard limit (in frames or in bytes), which bounds the heap whatever the events weigh.
 *
 * <p>Frames arrive encoded ({@link EncodedFrame}), usually the same instance queued for every recipient of an
 * event. When several wait, the writer sends them together, up to {@link #BATCH_BYTES}, in one socket write: a
 * connection that fell behind catches up with a few large writes instead of one system call per frame.
 *
 * <p>A close can be queued behind the frames already waiting ({@link #closeAfterFlush}), so an {@code error}
 * event reaches the client before the close that follows it; {@link #closeNow} does not wait for them.
 */
public final class OutboundQueue {

    /** Where frames go: the Tyrus session in production. Called only on the writer executor. */
    public interface Transport {
        /**
         * Starts an asynchronous write of {@code frames}, in order and ideally as one socket write, and calls
         * {@code done} once, with {@code null} or the failure, when it ends.
         */
        void send(List<EncodedFrame> frames, Consumer<Throwable> done);

        /** Sends a WebSocket ping; the peer's pong proves it alive. */
        default void ping() {
        }

        /** Sends a close frame and closes the connection. */
        void close(int code, String reason);

        /** The peer's IP address for log lines, or null when unknown (fake transports in tests). */
        default String remoteAddress() {
            return null;
        }
    }

    /** Called once when the queue overflows; the owner closes the connection. */
    public interface OverflowListener {
        void overflowed(int queuedFrames, long queuedBytes);
    }

    /**
     * How far a connection may fall behind. Bytes are counted as a frame's {@code String.length()}: its size on
     * the wire for the ASCII JSON frames mostly are, and about its size on the heap.
     *
     * @param softFrames frames a client may be behind indefinitely
     * @param hardFrames frames that close the client at once
     * @param softBytes  bytes a client may be behind indefinitely
     * @param hardBytes  bytes that close the client at once
     * @param lagNanos   how long a client may stay above a soft limit
     */
    public record Limits(int softFrames, int hardFrames, long softBytes, long hardBytes, long lagNanos) {
        public Limits {
            hardFrames = Math.max(softFrames, hardFrames);
            hardBytes = Math.max(softBytes, hardBytes);
        }
    }

    /**
     * The most a batch of frames written together holds, in wire bytes (a single larger frame goes alone): large
     * enough that a backlog costs few system calls, small enough that the copy that joins them stays cheap.
     */
    static final int BATCH_BYTES = 64 * 1024;

    /** For queues built without a node around them (unit tests). */
    private static final NodeMetrics UNMETERED = NodeMetrics.detached();

    private final NodeMetrics metrics;
    private final Transport transport;
    private final Executor writer;
    private final Limits limits;
    private final LongSupplier nanoTime;
    private final OverflowListener onOverflow;
    /** {@link EncodedFrame}s, and at most one {@link Close}, last. */
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private long pendingBytes;
    /** A pump is scheduled or running, or a send is in flight: whoever clears this restarts nothing else. */
    private boolean inFlight;
    private boolean closed;
    /** {@link #nanoTime} when the queue last rose above a soft limit; 0 while below them. */
    private long laggingSince;

    /**
     * @param writer     runs the writes, one at a time for this queue; shared by every connection
     * @param nanoTime   the monotonic clock
     * @param onOverflow told once when the client is given up on
     */
    OutboundQueue(Transport transport, Executor writer, Limits limits, LongSupplier nanoTime,
                  OverflowListener onOverflow) {
        this(transport, writer, limits, nanoTime, onOverflow, UNMETERED);
    }

    /** The same, counting frames sent and queue depths in {@code metrics}. */
    public OutboundQueue(Transport transport, Executor writer, Limits limits, LongSupplier nanoTime,
                  OverflowListener onOverflow, NodeMetrics metrics) {
        this.metrics = metrics;
        this.transport = transport;
        this.writer = writer;
        this.limits = limits;
        this.nanoTime = nanoTime;
        this.onOverflow = onOverflow;
    }

    /** Queues a frame; dropped silently once the queue is closed (the connection is going away). */
    public void offer(String frame) {
        offer(EncodedFrame.of(frame));
    }

    /** Queues an encoded frame, possibly shared with other queues; dropped silently once the queue is closed. */
    public void offer(EncodedFrame frame) {
        int overflowFrames;
        long overflowBytes;
        int depth;
        boolean startPump;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (pending.size() >= limits.hardFrames() || pendingBytes + frame.length() > limits.hardBytes()
                    || lagTooLong()) {
                closed = true;
                overflowFrames = pending.size();
                overflowBytes = pendingBytes;
                depth = 0;
                startPump = false;
                clear();
            } else {
                pending.addLast(frame);
                pendingBytes += frame.length();
                depth = pending.size();
                overflowFrames = -1;
                overflowBytes = 0;
                startPump = !inFlight;
                inFlight = true;
            }
        }
        if (overflowFrames >= 0) {
            onOverflow.overflowed(overflowFrames, overflowBytes);
            return;
        }
        metrics.queued(depth);
        if (startPump) {
            writer.execute(this::pump);
        }
    }

    /** Sends the close after every frame already queued; later frames are dropped. */
    public void closeAfterFlush(int code, String reason) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending.addLast(new Close(code, reason));
            if (inFlight) {
                return;
            }
            inFlight = true;
        }
        writer.execute(this::pump);
    }

    /**
     * Drops what is queued and closes on the writer executor without waiting for the send in flight: a peer that
     * stopped reading (or a half-open one) may never finish it.
     */
    public void closeNow(int code, String reason) {
        discard();
        writer.execute(() -> transport.close(code, reason));
    }

    /** Sends a WebSocket ping on the writer executor, beside the frames (control frames may interleave). */
    public void ping() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        writer.execute(transport::ping);
    }

    /** The connection is gone: forget what is queued. */
    public void discard() {
        synchronized (this) {
            closed = true;
            clear();
        }
    }

    /** Frames waiting (for tests and metrics). */
    synchronized int size() {
        return pending.size();
    }

    /** Bytes waiting (for tests and metrics). */
    synchronized long bytes() {
        return pendingBytes;
    }

    /** Runs on the writer executor only. */
    private void pump() {
        // A send may complete inside transport.send() on this same thread. Handling that completion by calling
        // pump() again would recurse once per batch; instead the loop below continues, and only a completion that
        // arrives later, on another thread, schedules the pump again.
        while (true) {
            List<EncodedFrame> batch;
            Close close = null;
            synchronized (this) {
                batch = takeBatch();
                if (pending.size() <= limits.softFrames() && pendingBytes <= limits.softBytes()) {
                    laggingSince = 0;
                }
                if (batch.isEmpty()) {
                    close = (Close) pending.pollFirst();
                    clear();
                    inFlight = false;
                    if (close == null) {
                        return;
                    }
                }
            }
            if (close != null) {
                transport.close(close.code, close.reason);
                return;
            }
            SendState state = new SendState();
            for (int i = 0; i < batch.size(); i++) {
                metrics.frameSent();
            }
            transport.send(batch, failure -> completed(state, failure));
            synchronized (state) {
                state.returned = true;
                if (!state.completed) {
                    return;
                }
                if (state.failure != null) {
                    failed();
                    return;
                }
            }
        }
    }

    /**
     * Called under the lock: takes the frames at the head of the queue, up to {@link #BATCH_BYTES} (at least one),
     * stopping before a close; empty when the head is a close or nothing waits.
     */
    private List<EncodedFrame> takeBatch() {
        if (!(pending.peekFirst() instanceof EncodedFrame first)) {
            return List.of();
        }
        pending.pollFirst();
        pendingBytes -= first.length();
        if (!(pending.peekFirst() instanceof EncodedFrame second)
                || first.wireSize() + second.wireSize() > BATCH_BYTES) {
            return List.of(first);
        }
        List<EncodedFrame> batch = new ArrayList<>();
        batch.add(first);
        int bytes = first.wireSize();
        while (pending.peekFirst() instanceof EncodedFrame next && bytes + next.wireSize() <= BATCH_BYTES) {
            pending.pollFirst();
            pendingBytes -= next.length();
            bytes += next.wireSize();
            batch.add(next);
        }
        return batch;
    }

    /** Called under the lock with a frame about to be added. */
    private boolean lagTooLong() {
        if (pending.size() < limits.softFrames() && pendingBytes < limits.softBytes()) {
            return false;
        }
        long now = nanoTime.getAsLong();
        if (laggingSince == 0) {
            laggingSince = now == 0 ? 1 : now;
            return false;
        }
        return now - laggingSince > limits.lagNanos();
    }

    private void completed(SendState state, Throwable failure) {
        synchronized (state) {
            state.completed = true;
            state.failure = failure;
            if (!state.returned) {
                return;
            }
        }
        if (failure != null) {
            failed();
        } else {
            // Possibly on a Grizzly thread, and possibly inside a lock of Tyrus's: only hand the pump back.
            writer.execute(this::pump);
        }
    }

    private void failed() {
        // The transport has failed and Tyrus will report the close; nothing queued can be delivered any more.
        synchronized (this) {
            closed = true;
            clear();
            inFlight = false;
        }
    }

    /** Called under the lock. */
    private void clear() {
        pending.clear();
        pendingBytes = 0;
    }

    private static final class SendState {
        boolean returned;
        boolean completed;
        Throwable failure;
    }

    private record Close(int code, String reason) {
    }
}
