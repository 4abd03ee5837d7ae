package dev.switchboard.http;

import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.ws.OriginCheckAddOn;
import dev.switchboard.ws.OriginPolicy;
import dev.switchboard.ws.TyrusContainer;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.ServerConfiguration;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransportBuilder;
import org.glassfish.grizzly.strategies.WorkerThreadIOStrategy;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.glassfish.grizzly.utils.IdleTimeoutFilter;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node's one listener: WebSocket at {@code /ws} and HTTP (health, client library, demo pages) on the same
 * port, bound to exactly the configured host.
 */
public final class WebServer {
    private final HttpServer server;
    private final NetworkListener listener;
    private final TyrusContainer container;

    private WebServer(HttpServer server, NetworkListener listener, TyrusContainer container) {
        this.server = server;
        this.listener = listener;
        this.container = container;
    }

    /**
     * Builds (but does not start) the server.
     *
     * @param host      interface to bind, as configured; never widened
     * @param port      TCP port, 0 for any free one
     * @param container the Tyrus engine serving {@code /ws}
     * @param origins   which origins may open WebSockets
     * @param handlers  HTTP handlers by mapping, e.g. {@code "/health"}; one handler object may be listed under
     *                  several mappings
     */
    public static WebServer create(String host, int port, TyrusContainer container, OriginPolicy origins,
                                   Map<String, HttpHandler> handlers, NodeMetrics metrics) {
        HttpServer server = new HttpServer();
        NetworkListener listener = new NetworkListener("switchboard", host, port);

        // Work (message handling, HTTP handlers) runs on worker threads; the selector threads only do I/O.
        int cores = Runtime.getRuntime().availableProcessors();
        TCPNIOTransport transport = TCPNIOTransportBuilder.newInstance()
                .setIOStrategy(WorkerThreadIOStrategy.getInstance())
                .setSelectorThreadPoolConfig(ThreadPoolConfig.defaultConfig()
                        .setPoolName("switchboard-selector").setCorePoolSize(cores).setMaxPoolSize(cores))
                .setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig()
                        .setPoolName("switchboard-worker")
                        .setCorePoolSize(Math.max(4, cores * 2)).setMaxPoolSize(Math.max(8, cores * 4)))
                .setReuseAddress(true)
                .setTcpNoDelay(true)
                .build();
        listener.setTransport(transport);
        // WebSocket connections live for hours; their liveness is the heartbeat's job, not an HTTP idle timeout.
        // Idle kept-alive HTTP connections are closed by the handshake guard after HANDSHAKE_TIMEOUT instead.
        listener.getKeepAlive().setIdleTimeoutInSeconds(-1);
        // Order matters: each add-on inserts itself just before the HTTP handler filter, so the origin check and
        // the handshake guard, registered first, end up ahead of Tyrus.
        listener.registerAddOn(new OriginCheckAddOn(origins, metrics));
        listener.registerAddOn(container.handshakeGuard());
        listener.registerAddOn(new WebSocketAddOn(container, "/"));
        // Upgraded connections' reads skip the HTTP codec, which would otherwise keep each one's upgrade request.
        listener.registerAddOn(container.upgradedReads());
        listener.registerAddOn(WebServer::withoutIdleTimeoutFilter);
        server.addListener(listener);

        ServerConfiguration config = server.getServerConfiguration();
        config.setJmxEnabled(false);
        config.setHttpServerName("Switchboard");
        config.setHttpServerVersion("");
        config.setDefaultErrorPageGenerator((request, status, reasonPhrase, description, exception) ->
                status + " " + reasonPhrase + "\n");
        for (Map.Entry<String, HttpHandler> entry : new LinkedHashMap<>(handlers).entrySet()) {
            // A fresh wrapper per mapping: Grizzly keeps one mapping per handler object, so the same handler
            // mounted twice would silently lose its first path.
            config.addHttpHandler(new PlainHttpHandler(entry.getValue()), entry.getKey());
        }
        return new WebServer(server, listener, container);
    }

    /**
     * Removes Grizzly's idle-timeout filter, which the listener adds whatever the timeout: with the timeout off (see
     * above) it only costs, a map entry per connection that a Grizzly thread walks every second and timestamps
     * updated on every read and write.
     */
    static void withoutIdleTimeoutFilter(NetworkListener listener, FilterChainBuilder builder) {
        int index = builder.indexOfType(IdleTimeoutFilter.class);
        if (index >= 0 && listener.getKeepAlive().getIdleTimeoutInSeconds() < 0) {
            builder.remove(index);
        }
    }

    /** Binds and starts serving; returns the bound port. */
    public int start() throws IOException {
        server.start();
        try {
            container.start("/", listener.getPort());
        } catch (jakarta.websocket.DeploymentException e) {
            server.shutdownNow();
            throw new IOException("WebSocket deployment failed: " + e.getMessage(), e);
        }
        return listener.getPort();
    }

    /** The bound port (after {@link #start}). */
    public int port() {
        return listener.getPort();
    }

    /** Closes the listening socket so no new connection is accepted; open ones keep working. */
    public void stopAccepting() {
        listener.getTransport().unbindAll();
    }

    /** Stops everything, open connections included. */
    public void stop() {
        container.stop();
        server.shutdownNow();
    }
}
