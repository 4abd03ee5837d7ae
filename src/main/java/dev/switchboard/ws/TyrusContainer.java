package dev.switchboard.ws;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;

/**
 * A Tyrus server container without a network listener of its own. Tyrus's stock Grizzly container creates its
 * listener on 0.0.0.0 whatever host it is given; this one only owns the WebSocket engine, and
 * {@link dev.switchboard.http.WebServer} plugs it into a Grizzly listener bound to the configured host.
 */
public final class TyrusContainer extends TyrusServerContainer {
    /**
     * How long a close the server started waits for the client's close frame before closing the socket: a client
     * that reads answers within a round trip; one that stopped reading gets what is in flight meanwhile.
     */
    static final java.time.Duration CLOSE_LINGER = java.time.Duration.ofSeconds(3);

    private final TyrusWebSocketEngine engine;
    private final WebSocketEngine guardedEngine;
    private final HandshakeGuard handshakeGuard;
    private final UpgradedReads upgradedReads = new UpgradedReads();
    /** Runs the linger timeouts of closing connections: one short task per close, none per open connection. */
    private final java.util.concurrent.ScheduledThreadPoolExecutor closeTimers;

    /**
     * @param maxFrameBytes    largest client frame or reassembled message; larger ones are closed with 1009
     * @param maxConnections   connections allowed on this node: open WebSockets, and those still upgrading or
     *                         waiting for request headers; upgrades beyond it are refused with HTTP 503
     * @param handshakeTimeout how long a connection may take to send its request headers
     * @param metrics          counts the upgrades the handshake guard refuses
     */
    public TyrusContainer(int maxFrameBytes, int maxConnections, java.time.Duration handshakeTimeout,
                          dev.switchboard.metrics.NodeMetrics metrics) {
        super((java.util.Set<Class<?>>) null);
        // FrameSizeGuard keeps every frame within maxFrameBytes, but Tyrus's buffer holds an unfinished frame plus
        // a whole socket read, so it needs headroom beyond one frame or legitimate large frames would overflow it.
        this.engine = TyrusWebSocketEngine.builder(this)
                .incomingBufferSize(maxFrameBytes + 4 * 1024 * 1024)
                .build();
        this.closeTimers = new java.util.concurrent.ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "switchboard-close-linger");
            thread.setDaemon(true);
            return thread;
        });
        closeTimers.setRemoveOnCancelPolicy(true);
        this.guardedEngine = new FrameSizeGuard(engine, maxFrameBytes,
                new dev.switchboard.time.ExecutorScheduler(closeTimers), CLOSE_LINGER);
        // Switchboard runs its own heartbeat and idle timeout over all connections; Tyrus's per-session idle timer
        // would otherwise be rescheduled on every frame sent or received. Only a negative value turns it off.
        setDefaultMaxSessionIdleTimeout(-1);
        // The connection limit is enforced at the handshake (HTTP 503) rather than by Tyrus's session limit, which
        // upgrades first and then closes with 1013.
        this.handshakeGuard = new HandshakeGuard(maxConnections, handshakeTimeout, metrics);
    }

    /**
     * The add-on that times handshakes, validates {@code Sec-WebSocket-Key} and enforces the connection limit; the
     * listener registers it before Tyrus's own add-on.
     */
    public HandshakeGuard handshakeGuard() {
        return handshakeGuard;
    }

    /**
     * The add-on that takes upgraded connections off the HTTP codec (see {@link UpgradedReads}); the listener
     * registers it beside Tyrus's own add-on.
     */
    public UpgradedReads upgradedReads() {
        return upgradedReads;
    }

    @Override
    public void stop() {
        super.stop();
        handshakeGuard.close();
        closeTimers.shutdownNow();
    }

    @Override
    public void register(Class<?> endpointClass) throws DeploymentException {
        engine.register(endpointClass, "");
    }

    @Override
    public void register(ServerEndpointConfig serverEndpointConfig) throws DeploymentException {
        engine.register(serverEndpointConfig, "");
    }

    @Override
    public java.util.Map<String, Object> getProperties() {
        return java.util.Map.of();
    }

    @Override
    public WebSocketEngine getWebSocketEngine() {
        return guardedEngine;
    }
}
