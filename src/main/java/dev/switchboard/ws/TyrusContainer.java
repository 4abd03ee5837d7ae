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
    private final TyrusWebSocketEngine engine;

    /**
     * @param maxFrameBytes  largest client frame; Tyrus buffers no more than this (plus the frame header)
     * @param maxConnections open WebSocket sessions allowed on this node
     */
    public TyrusContainer(int maxFrameBytes, int maxConnections) {
        super((java.util.Set<Class<?>>) null);
        // 14 bytes: the largest possible frame header (2 + 8 length + 4 mask).
        this.engine = TyrusWebSocketEngine.builder(this)
                .incomingBufferSize(maxFrameBytes + 14)
                .maxSessionsPerApp(maxConnections)
                .build();
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
        return engine;
    }
}
