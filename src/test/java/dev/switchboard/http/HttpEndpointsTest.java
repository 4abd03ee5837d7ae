package dev.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plain HTTP side of a node: health, the client library, the root page. */
class HttpEndpointsTest {
    /** Java's default client offers an h2c upgrade on every plain-HTTP request, as some monitors do. */
    private static final HttpClient H2C_OFFERING = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    private static final HttpClient HTTP11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthIsJsonAnd200WhenDatabaseAndListenerAreUp() throws Exception {
        for (HttpClient client : new HttpClient[] {HTTP11, H2C_OFFERING}) {
            HttpResponse<String> response = get(client, "/health");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                    response.headers().toString());
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertEquals("ok", body.get("status").asText());
            assertEquals("up", body.get("database").asText());
            assertEquals("up", body.get("listener").asText());
            assertEquals("test", body.get("node_id").asText());
        }
    }

    @Test
    void clientLibraryIsServedAsUtf8JavaScriptEvenToClientsOfferingAnUpgrade() throws Exception {
        for (String path : new String[] {"/assets/js/websocket-client.js", "/assets/js/websocket-client.mjs"}) {
            for (HttpClient client : new HttpClient[] {HTTP11, H2C_OFFERING}) {
                HttpResponse<String> response = get(client, path);
                assertEquals(200, response.statusCode(), path);
                assertEquals("text/javascript;charset=utf-8",
                        response.headers().firstValue("Content-Type").orElse("(none)").replace(" ", ""), path);
                assertTrue(response.body().contains("SwitchboardClient"), path);
            }
        }
    }

    @Test
    void unknownPathsAre404WithoutServerDetails() throws Exception {
        HttpResponse<String> response = get(HTTP11, "/nothing-here");
        assertEquals(404, response.statusCode());
        assertTrue(!response.body().toLowerCase().contains("grizzly"), response.body());
    }

    @Test
    void healthRefusesOtherMethods() throws Exception {
        HttpResponse<String> response = HTTP11.send(HttpRequest.newBuilder(uri("/health"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, response.statusCode());
    }

    private static HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}
