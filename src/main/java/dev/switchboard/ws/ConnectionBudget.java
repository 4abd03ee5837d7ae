package dev.switchboard.ws;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's {@code MAX_CONNECTIONS}, counted over every connection that holds a client's place: open WebSockets,
 * upgrades under way, and connections still waiting for their request headers (whose intent is unknown, so a
 * client trickling half a {@code GET /ws} holds a place like any other). A connection serving a plain HTTP request
 * holds none, so {@code /health} answers even on a full node.
 *
 * <p>Thread-safe. Each connection moves through {@link Phase}s and reports every move exactly once.
 */
final class ConnectionBudget {
    /** Where a connection stands, and so what it holds. */
    enum Phase {
        /** Accepted, nothing counted yet. */
        NEW(false, false),
        /** Waiting for request headers: just accepted, or idle after a response. */
        AWAITING_HEADERS(true, true),
        /** A WebSocket upgrade request is being answered. */
        UPGRADING(true, false),
        /** An open WebSocket. */
        OPEN(true, false),
        /** A plain HTTP request is being served. */
        SERVING_HTTP(false, false),
        CLOSED(false, false);

        final boolean holdsPlace;
        final boolean awaitsHeaders;

        Phase(boolean holdsPlace, boolean awaitsHeaders) {
            this.holdsPlace = holdsPlace;
            this.awaitsHeaders = awaitsHeaders;
        }
    }

    private final int max;
    /** Connections holding a place: awaiting headers, upgrading or open. */
    private final AtomicInteger held = new AtomicInteger();
    /** Of those, the ones waiting for request headers. */
    private final AtomicInteger awaiting = new AtomicInteger();

    ConnectionBudget(int max) {
        this.max = max;
    }

    /** Records a connection's move from one phase to another. */
    void move(Phase from, Phase to) {
        if (from.holdsPlace != to.holdsPlace) {
            held.addAndGet(to.holdsPlace ? 1 : -1);
        }
        if (from.awaitsHeaders != to.awaitsHeaders) {
            awaiting.addAndGet(to.awaitsHeaders ? 1 : -1);
        }
    }

    /**
     * Whether one more connection may wait for headers. At most {@code max} may wait at once, so the sockets that
     * silent clients hold stay bounded too; any more are closed when accepted.
     */
    boolean roomToAwait() {
        return awaiting.get() < max;
    }

    /** Whether an upgrade, whose own place is already counted, keeps the node within {@code max}. */
    boolean admitsUpgrade() {
        return held.get() <= max;
    }

    /** Connections holding a place now. */
    int held() {
        return held.get();
    }

    int max() {
        return max;
    }
}
