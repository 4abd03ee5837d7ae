package dev.switchboard.ws;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The bounded send queue of one connection. Frames are written one at a time with asynchronous sends, so a slow
 * client never blocks the thread that routes an event to thousands of others.
 *
 * <p>A burst (the node catching up after a database outage, a bulk import) can queue thousands of frames in a
 * millisecond even for clients that read fast, so falling behind briefly is not a fault: a client is closed
 * (1013) only when its queue stays above {@code softLimit} for longer than {@code lagNanos}, or at once when it
 * reaches {@code hardLimit}, which bounds the heap.
 *
 * <p>A close can be queued behind the frames already waiting ({@link #closeAfterFlush}), so an {@code error}
 * event reaches the client before the close that follows it.
 */
final class OutboundQueue {

    /** Where frames go: the Tyrus session in production. */
    interface Transport {
        /** Starts an asynchronous send and calls {@code done} with {@code null} or the failure when it ends. */
        void send(String frame, Consumer<Throwable> done);

        /** Sends a close frame and closes the connection, never on the calling thread. */
        void close(int code, String reason);
    }

    /** Called once when the queue overflows; the owner closes the connection. */
    interface OverflowListener {
        void overflowed(int queued);
    }

    private final Transport transport;
    private final int softLimit;
    private final int hardLimit;
    private final long lagNanos;
    private final LongSupplier nanoTime;
    private final OverflowListener onOverflow;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private boolean inFlight;
    private boolean closed;
    /** {@link #nanoTime} when the queue last rose above the soft limit; 0 while below it. */
    private long laggingSince;

    /**
     * @param softLimit  frames a client may be behind indefinitely
     * @param hardLimit  frames that close the client at once
     * @param lagNanos   how long a client may stay above the soft limit
     * @param nanoTime   the clock ({@link System#nanoTime} in production)
     * @param onOverflow told once when the client is given up on
     */
    OutboundQueue(Transport transport, int softLimit, int hardLimit, long lagNanos, LongSupplier nanoTime,
                  OverflowListener onOverflow) {
        this.transport = transport;
        this.softLimit = softLimit;
        this.hardLimit = Math.max(softLimit, hardLimit);
        this.lagNanos = lagNanos;
        this.nanoTime = nanoTime;
        this.onOverflow = onOverflow;
    }

    /** Queues a frame; dropped silently once the queue is closed (the connection is going away). */
    void offer(String frame) {
        int overflowAt;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (pending.size() >= hardLimit || lagTooLong()) {
                closed = true;
                overflowAt = pending.size();
                pending.clear();
            } else {
                pending.addLast(frame);
                if (inFlight) {
                    return;
                }
                inFlight = true;
                overflowAt = -1;
            }
        }
        if (overflowAt >= 0) {
            onOverflow.overflowed(overflowAt);
            return;
        }
        pump();
    }

    /** Sends the close after every frame already queued; later frames are dropped. */
    void closeAfterFlush(int code, String reason) {
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
        pump();
    }

    /** The connection is gone: forget what is queued. */
    void discard() {
        synchronized (this) {
            closed = true;
            pending.clear();
        }
    }

    /** Frames waiting (for tests and metrics). */
    synchronized int size() {
        return pending.size();
    }

    private void pump() {
        // A send may complete inside transport.send() on this same thread. Handling that completion by calling
        // pump() again would recurse once per queued frame; instead the loop below continues, and only a
        // completion that arrives later, on another thread, restarts the pump.
        while (true) {
            Object next;
            synchronized (this) {
                next = pending.pollFirst();
                if (pending.size() <= softLimit) {
                    laggingSince = 0;
                }
                if (next == null) {
                    inFlight = false;
                    return;
                }
            }
            if (next instanceof Close) {
                Close close = (Close) next;
                synchronized (this) {
                    pending.clear();
                    inFlight = false;
                }
                transport.close(close.code, close.reason);
                return;
            }
            SendState state = new SendState();
            transport.send((String) next, failure -> completed(state, failure));
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

    /** Called under the lock with a frame about to be added. */
    private boolean lagTooLong() {
        if (pending.size() < softLimit) {
            return false;
        }
        long now = nanoTime.getAsLong();
        if (laggingSince == 0) {
            laggingSince = now == 0 ? 1 : now;
            return false;
        }
        return now - laggingSince > lagNanos;
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
            pump();
        }
    }

    private void failed() {
        // The transport has failed and Tyrus will report the close; nothing queued can be delivered any more.
        discard();
        synchronized (this) {
            inFlight = false;
        }
    }

    private static final class SendState {
        boolean returned;
        boolean completed;
        Throwable failure;
    }

    private record Close(int code, String reason) {
    }
}
