package dev.switchboard.ws;

import dev.switchboard.logging.EventLog;
import dev.switchboard.logging.RemoteAddress;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.ws.ConnectionBudget.Phase;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.GenericCloseListener;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.attributes.AttributeBuilder;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.HttpStatus;

import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What a connection must get right before it is a WebSocket, checked ahead of Tyrus:
 * <ul>
 *   <li>its request headers arrive complete within {@code HANDSHAKE_TIMEOUT} of the connection opening (or of
 *       its previous response): a client trickling half a request is closed instead of being held forever;
 *   <li>its {@code Sec-WebSocket-Key} is the base64 of 16 bytes (RFC 6455 section 4.1), else HTTP 400;
 *   <li>the node has room: connections waiting for headers, upgrading or open are counted against
 *       {@code MAX_CONNECTIONS} ({@link ConnectionBudget}), and an upgrade over it gets HTTP 503.
 * </ul>
 * Must be registered before Tyrus's {@code WebSocketAddOn} so that it sits ahead of it in the chain.
 */
public final class HandshakeGuard implements AddOn, AutoCloseable {
    private static final EventLog events = EventLog.of(HandshakeGuard.class);

    private final Attribute<Tracked> tracked = AttributeBuilder.DEFAULT_ATTRIBUTE_BUILDER
            .createAttribute(HandshakeGuard.class.getName() + ".tracked");
    private final ConnectionBudget budget;
    private final long timeoutNanos;
    private final NodeMetrics metrics;
    private final ScheduledExecutorService timer;

    /**
     * @param maxConnections connections that may hold a place at once (see {@link ConnectionBudget})
     * @param timeout        how long a connection may take to send its request headers
     * @param metrics        counts the refusals
     */
    public HandshakeGuard(int maxConnections, Duration timeout, NodeMetrics metrics) {
        this.metrics = metrics;
        this.budget = new ConnectionBudget(maxConnections);
        this.timeoutNanos = timeout.toNanos();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "switchboard-handshake-timer");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
    }

    @Override
    public void setup(NetworkListener networkListener, FilterChainBuilder builder) {
        int index = builder.indexOfType(HttpServerFilter.class);
        if (index < 0) {
            throw new IllegalStateException("no HttpServerFilter in the chain");
        }
        builder.add(index, new GuardFilter());
    }

    /** Stops the deadline timer; open connections are the listener's to close. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /**
     * Whether {@code key} is a valid {@code Sec-WebSocket-Key}: the base64 encoding (24 characters, padded) of 16
     * bytes.
     */
    static boolean isValidKey(String key) {
        if (key == null) {
            return false;
        }
        String trimmed = key.trim();
        if (trimmed.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(trimmed).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** One connection's phase. Only moves under its own monitor; the deadline in force is the latest generation. */
    private static final class Tracked {
        final Connection<?> connection;
        Phase phase = Phase.NEW;
        long generation;

        Tracked(Connection<?> connection) {
            this.connection = connection;
        }
    }

    private enum Verdict { PASS, BAD_KEY, FULL }

    private final class GuardFilter extends BaseFilter {
        @Override
        public NextAction handleAccept(FilterChainContext ctx) throws java.io.IOException {
            Connection<?> connection = ctx.getConnection();
            Tracked t = new Tracked(connection);
            tracked.set(connection, t);
            connection.addCloseListener((GenericCloseListener) (closeable, type) -> closed(t));
            awaitHeaders(t);
            return ctx.getInvokeAction();
        }

        @Override
        public NextAction handleRead(FilterChainContext ctx) throws java.io.IOException {
            Object message = ctx.getMessage();
            Tracked t = tracked.get(ctx.getConnection());
            if (t == null || !(message instanceof HttpContent)) {
                return ctx.getInvokeAction();
            }
            HttpHeader header = ((HttpContent) message).getHttpHeader();
            if (!header.isRequest()) {
                return ctx.getInvokeAction();
            }
            HttpRequestPacket request = (HttpRequestPacket) header;
            boolean upgrade = "websocket".equalsIgnoreCase(request.getUpgrade());
            Verdict verdict;
            synchronized (t) {
                if (t.phase != Phase.AWAITING_HEADERS) {
                    // The rest of a request already seen, or an open WebSocket's frames.
                    return ctx.getInvokeAction();
                }
                // The client has sent its part in time; how long the node takes to answer is not its deadline.
                t.generation++;
                if (!upgrade) {
                    moveTo(t, Phase.SERVING_HTTP);
                    return ctx.getInvokeAction();
                }
                moveTo(t, Phase.UPGRADING);
                verdict = !isValidKey(request.getHeader("Sec-WebSocket-Key")) ? Verdict.BAD_KEY
                        : !budget.admitsUpgrade() ? Verdict.FULL
                        : Verdict.PASS;
            }
            switch (verdict) {
                case BAD_KEY:
                    metrics.refused(NodeMetrics.Refusal.BAD_KEY);
                    events.infoThrottled("connection_refused", "bad_key",
                            "status", HttpStatus.BAD_REQUEST_400.getStatusCode(),
                            "remote", RemoteAddress.of(ctx.getConnection().getPeerAddress()),
                            "forwarded_for", request.getHeader("X-Forwarded-For"));
                    return HttpRefusal.refuse(ctx, request, HttpStatus.BAD_REQUEST_400,
                            "Sec-WebSocket-Key must be the base64 of 16 bytes");
                case FULL:
                    metrics.refused(NodeMetrics.Refusal.MAX_CONNECTIONS);
                    warnFull(ctx.getConnection());
                    return HttpRefusal.refuse(ctx, request, HttpStatus.SERVICE_UNAVAILABLE_503,
                            "this node is at MAX_CONNECTIONS; try again later or another node");
                default:
                    return ctx.getInvokeAction();
            }
        }

        @Override
        public NextAction handleWrite(FilterChainContext ctx) throws java.io.IOException {
            Object message = ctx.getMessage();
            Tracked t = tracked.get(ctx.getConnection());
            HttpHeader header = message instanceof HttpContent ? ((HttpContent) message).getHttpHeader()
                    : message instanceof HttpHeader ? (HttpHeader) message : null;
            if (t == null || !(header instanceof HttpResponsePacket)) {
                return ctx.getInvokeAction();
            }
            HttpResponsePacket response = (HttpResponsePacket) header;
            boolean switching = response.getStatus() == HttpStatus.SWITCHING_PROTOCOLS_101.getStatusCode();
            // A refusal or other response that ends the connection needs no new deadline.
            boolean finished = message instanceof HttpContent && ((HttpContent) message).isLast()
                    && !"close".equalsIgnoreCase(response.getHeader("Connection"));
            boolean awaitNext = false;
            synchronized (t) {
                if (switching && t.phase == Phase.UPGRADING) {
                    moveTo(t, Phase.OPEN);
                } else if (!switching && finished
                        && (t.phase == Phase.SERVING_HTTP || t.phase == Phase.UPGRADING)) {
                    // A kept-alive connection waits for its next request under the same deadline as a new one.
                    awaitNext = true;
                }
            }
            if (awaitNext) {
                awaitHeaders(t);
            }
            return ctx.getInvokeAction();
        }
    }

    /** Starts (or restarts) the wait for request headers, or closes the connection if too many already wait. */
    private void awaitHeaders(Tracked t) {
        boolean refuse = false;
        long generation;
        synchronized (t) {
            if (t.phase == Phase.CLOSED) {
                return;
            }
            if (!budget.roomToAwait()) {
                refuse = true;
            } else {
                moveTo(t, Phase.AWAITING_HEADERS);
            }
            generation = ++t.generation;
        }
        if (refuse) {
            warnFull(t.connection);
            t.connection.closeSilently();
            return;
        }
        try {
            timer.schedule(() -> expire(t, generation), timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The node is stopping: nothing new is waited for.
            t.connection.closeSilently();
        }
    }

    private void expire(Tracked t, long generation) {
        synchronized (t) {
            if (t.generation != generation || t.phase != Phase.AWAITING_HEADERS) {
                return;
            }
        }
        // Generation 1 is the wait that began when the connection opened: it never sent a complete request. A later
        // one is a kept-alive HTTP connection going idle, which browsers do all day and is not worth a line.
        if (generation == 1) {
            metrics.refused(NodeMetrics.Refusal.HANDSHAKE_TIMEOUT);
            events.infoThrottled("connection_refused", "handshake_timeout",
                    "remote", RemoteAddress.of(t.connection.getPeerAddress()));
        }
        t.connection.closeSilently();
    }

    private void closed(Tracked t) {
        synchronized (t) {
            moveTo(t, Phase.CLOSED);
            t.generation++;
        }
    }

    /** Called holding {@code t}'s monitor; the budget only counts, it never calls out. */
    private void moveTo(Tracked t, Phase next) {
        budget.move(t.phase, next);
        t.phase = next;
    }

    private void warnFull(Connection<?> connection) {
        events.warnThrottled("connection_refused", "max_connections", "max", budget.max(),
                "remote", RemoteAddress.of(connection.getPeerAddress()));
    }
}
