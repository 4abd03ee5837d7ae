package dev.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /health}, {@code /health/ready} and {@code /health/live} on a real node, before and while it drains. */
class HealthEndpointsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void healthReadyAndLiveAre200WithTheBuildVersion() throws Exception {
        try (TestServer server = TestServer.start()) {
            for (String path : new String[] {"/health", "/health/ready", "/health/live"}) {
                HttpResponse<String> response = get(server, path);
                assertEquals(200, response.statusCode(), path + ": " + response.body());
                JsonNode body = MAPPER.readTree(response.body());
                assertEquals("ok", body.path("status").asText(), path);
                assertTrue(body.path("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), path + ": " + body);
            }
        }
    }

    @Test
    void readyTurns503WhenTheNodeDrainsWhileHealthAndLiveStay200() throws Exception {
        try (TestServer server = TestServer.start()) {
            server.node().drain();
            HttpResponse<String> ready = get(server, "/health/ready");
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(MAPPER.readTree(ready.body()).path("draining").asBoolean());
            assertEquals(200, get(server, "/health/live").statusCode());
            assertEquals(200, get(server, "/health").statusCode(), "the database and listener are still fine");
        }
    }

    @Test
    void liveIsFalseOnlyOnceATickerFallsSilentForTheStallTime() {
        long[] now = {1_000};
        Liveness liveness = new Liveness(() -> now[0]);
        now[0] += Liveness.STALL_NANOS - 1;
        assertTrue(liveness.alive());
        liveness.timersTicked();
        now[0] += 2;
        assertFalse(liveness.alive(), "the writers have not ticked for the stall time");
        liveness.writersTicked();
        assertTrue(liveness.alive());
    }

    private static HttpResponse<String> get(TestServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
