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
 * {@code GET /health}: 200 when the database and the LISTEN connection are fine, 503 otherwise, with a small
 * JSON body for humans and load balancers alike.
 */
public final class HealthHandler extends HttpHandler {
    private final HealthProbe probe;
    private final ObjectMapper mapper;
    private final String nodeId;
    private final IntSupplier connections;
    private final Instant startedAt = Instant.now();

    public HealthHandler(HealthProbe probe, ObjectMapper mapper, String nodeId, IntSupplier connections) {
        this.probe = probe;
        this.mapper = mapper;
        this.nodeId = nodeId;
        this.connections = connections;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        if (request.getMethod() != Method.GET && request.getMethod() != Method.HEAD) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.setHeader("Allow", "GET, HEAD");
            return;
        }
        boolean healthy = probe.healthy();
        ObjectNode body = mapper.createObjectNode();
        body.put("status", healthy ? "ok" : "unavailable");
        body.put("node_id", nodeId);
        body.put("database", probe.databaseUp() ? "up" : "down");
        body.put("listener", probe.listenerUp() ? "up" : "down");
        body.put("connections", connections.getAsInt());
        body.put("uptime_seconds", Duration.between(startedAt, Instant.now()).toSeconds());
        byte[] bytes = mapper.writeValueAsBytes(body);
        response.setStatus(healthy ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        if (request.getMethod() == Method.GET) {
            response.getOutputStream().write(bytes);
        }
    }
}
