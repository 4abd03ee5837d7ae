package dev.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntSupplier;

/**
 * {@code GET /health} and its two views for orchestrators, each 200 or 503 with a small JSON body:
 * <ul>
 *   <li>{@code /health}: the database and the LISTEN connection are fine (the probe load balancers use);</li>
 *   <li>{@code /health/ready}: the same, and the node is not draining for a shutdown;</li>
 *   <li>{@code /health/live}: the node's timer and writer threads still tick; 503 only when it is wedged.</li>
 * </ul>
 */
public final class HealthHandler extends HttpHandler {
    /** Which view this handler serves. */
    public enum Check {
        HEALTH, READY, LIVE
    }

    private final Check check;
    private final HealthProbe probe;
    private final Liveness liveness;
    private final ObjectMapper mapper;
    private final String nodeId;
    private final IntSupplier connections;
    private final Instant startedAt;
    /** Pusher connections and channels on this node, or null when the Pusher protocol is off. */
    private final IntSupplier pusherConnections;
    private final IntSupplier pusherChannels;

    /**
     * @param startedAt when the node started, for {@code uptime_seconds}
     */
    public HealthHandler(Check check, HealthProbe probe, Liveness liveness, ObjectMapper mapper, String nodeId,
                         IntSupplier connections, Instant startedAt) {
        this(check, probe, liveness, mapper, nodeId, connections, startedAt, null, null);
    }

    /**
     * The same, also reporting {@code pusher_connections} and {@code pusher_channels}.
     *
     * @param pusherConnections open Pusher connections, or null when the Pusher protocol is off
     * @param pusherChannels    occupied Pusher channels, or null when the Pusher protocol is off
     */
    public HealthHandler(Check check, HealthProbe probe, Liveness liveness, ObjectMapper mapper, String nodeId,
                         IntSupplier connections, Instant startedAt, IntSupplier pusherConnections,
                         IntSupplier pusherChannels) {
        this.pusherConnections = pusherConnections;
        this.pusherChannels = pusherChannels;
        this.check = check;
        this.probe = probe;
        this.liveness = liveness;
        this.mapper = mapper;
        this.nodeId = nodeId;
        this.connections = connections;
        this.startedAt = startedAt;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        if (request.getMethod() != Method.GET && request.getMethod() != Method.HEAD) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.setHeader("Allow", "GET, HEAD");
            return;
        }
        boolean ok = switch (check) {
            case HEALTH -> probe.healthy();
            case READY -> probe.ready();
            case LIVE -> liveness.alive();
        };
        ObjectNode body = mapper.createObjectNode();
        body.put("status", ok ? "ok" : "unavailable");
        body.put("node_id", nodeId);
        body.put("version", BuildVersion.current());
        if (check != Check.LIVE) {
            body.put("database", probe.databaseUp() ? "up" : "down");
            body.put("listener", probe.listenerUp() ? "up" : "down");
            body.put("draining", probe.draining());
        }
        body.put("connections", connections.getAsInt());
        if (pusherConnections != null && pusherChannels != null) {
            body.put("pusher_connections", pusherConnections.getAsInt());
            body.put("pusher_channels", pusherChannels.getAsInt());
        }
        body.put("uptime_seconds", Duration.between(startedAt, Instant.now()).toSeconds());
        byte[] bytes = mapper.writeValueAsBytes(body);
        response.setStatus(ok ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        if (request.getMethod() == Method.GET) {
            response.getOutputStream().write(bytes);
        }
    }
}
