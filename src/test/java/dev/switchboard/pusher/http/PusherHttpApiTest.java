package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.pusher.PusherPipeline;
import dev.switchboard.pusher.RecordingDirectory.Published;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raw signed requests against the HTTP API: what it accepts is stored and published; every refusal gets Reverb's
 * status, and nothing of a refused request is ever published.
 */
class PusherHttpApiTest {
    private static final PusherApp APP = PusherPipeline.APP;
    private static ApiServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        server = new ApiServer();
    }

    @AfterAll
    static void stop() {
        // Grizzly's threads also carry every WebSocket: none of them may wait for the database.
        assertTrue(!server.jdbcThreads.isEmpty(), "the API used the database");
        assertTrue(server.jdbcThreads.stream().allMatch(t -> t.startsWith("switchboard-pusher-api-")),
                "JDBC ran on " + server.jdbcThreads);
        server.close();
    }

    @Test
    void anAcceptedEventIsAnsweredWithAnEmptyObjectAndPublishedWithItsDataAsSent() throws Exception {
        String body = "{\"name\":\"order-shipped\",\"channels\":[\"orders\",\"private-orders.7\"],"
                + "\"data\":\"{\\\"id\\\": 7,  \\\"spacing\\\":\\\"kept\\\"}\",\"socket_id\":\"123.456\"}";
        HttpResponse<String> response = send("POST", "/apps/" + APP.id() + "/events", Map.of(), body, APP,
                Instant.now());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{}", response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertEquals(new Published(APP, List.of("orders", "private-orders.7"), "order-shipped",
                "{\"id\": 7,  \"spacing\":\"kept\"}", Optional.of("123.456")), server.directory.next());
    }

    /** PHP's curl asks {@code Expect: 100-continue} before a body over 1 KiB, as the PHP SDK's requests do. */
    @Test
    void aRequestExpectingContinueIsServed() throws Exception {
        String data = "x".repeat(4000);
        String body = "{\"name\":\"large\",\"channel\":\"orders\",\"data\":\"" + data + "\"}";
        String query = signedQuery("POST", eventsPath(), Map.of(), body, APP, Instant.now());
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port + eventsPath() + "?" + query))
                .expectContinue(true).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(data, server.directory.next().data());
    }

    @Test
    void aBatchIsStoredInOneTransactionAndPublishedInOrder() throws Exception {
        String body = "{\"batch\":[{\"channel\":\"a\",\"name\":\"one\",\"data\":\"1\"},"
                + "{\"channel\":\"b\",\"name\":\"two\",\"data\":\"2\"}]}";
        HttpResponse<String> response = send("POST", "/apps/" + APP.id() + "/batch_events", Map.of(), body, APP,
                Instant.now());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{\"batch\":{}}", response.body());
        assertEquals("one", server.directory.next().event());
        assertEquals("two", server.directory.next().event());
    }

    @Test
    void channelQueriesGiveUserCountsForPresenceChannelsOnly() throws Exception {
        server.directory.occupy("stats-orders", 2, List.of()).occupy("presence-stats", 3, List.of("1", "2"));
        HttpResponse<String> all = send("GET", "/apps/" + APP.id() + "/channels",
                Map.of("info", "user_count"), "", APP, Instant.now());
        assertEquals(200, all.statusCode(), all.body());
        assertEquals(new ObjectMapper().readTree("{\"channels\":{\"stats-orders\":{},"
                + "\"presence-stats\":{\"user_count\":2}}}"), new ObjectMapper().readTree(all.body()));
        HttpResponse<String> users = send("GET", "/apps/" + APP.id() + "/channels/stats-orders/users", Map.of(),
                "", APP, Instant.now());
        assertEquals(400, users.statusCode(), "users exist on presence channels only");
        HttpResponse<String> empty = send("GET", "/apps/" + APP.id() + "/channels/nobody-here", Map.of(), "", APP,
                Instant.now());
        assertEquals("{\"occupied\":false}", empty.body());
    }

    @Test
    void aBadSignatureIsRefusedWith401() throws Exception {
        PusherApp forger = new PusherApp(APP.id(), APP.key(), "guessed-secret");
        assertRefused(401, "Authentication signature invalid.", send("POST", eventsPath(), Map.of(),
                event("forged"), forger, Instant.now()));
    }

    @Test
    void aTimestampMoreThanTenMinutesOldIsRefusedWith401() throws Exception {
        HttpResponse<String> response = send("POST", eventsPath(), Map.of(), event("replayed"), APP,
                Instant.now().minusSeconds(601));
        assertRefused(401, null, response);
        assertTrue(response.body().startsWith("Timestamp expired"), response.body());
    }

    @Test
    void aBodyOtherThanTheSignedMd5IsRefusedWith401() throws Exception {
        String signed = event("signed");
        String query = signedQuery("POST", eventsPath(), Map.of(), signed, APP, Instant.now());
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port + eventsPath() + "?" + query))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event("swapped"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertRefused(401, "body_md5 does not match the request body.", response);
    }

    @Test
    void anUnknownAppIsRefusedWith404() throws Exception {
        PusherApp unknown = new PusherApp("no-such-app", APP.key(), APP.secret());
        assertRefused(404, "No matching application for ID [no-such-app].",
                send("POST", "/apps/no-such-app/events", Map.of(), event("lost"), unknown, Instant.now()));
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413() throws Exception {
        String big = "{\"name\":\"big\",\"channel\":\"orders\",\"data\":\"" + "x".repeat(ApiServer.MAX_BODY_BYTES)
                + "\"}";
        assertRefused(413, "Payload too large.", send("POST", eventsPath(), Map.of(), big, APP, Instant.now()));
    }

    @Test
    void dataOverTheDatabasesPayloadCapIsRefusedWith413() throws Exception {
        String big = "{\"name\":\"big\",\"channel\":\"orders\",\"data\":\"" + "x".repeat(300_000) + "\"}";
        assertRefused(413, "Payload too large.", send("POST", eventsPath(), Map.of(), big, APP, Instant.now()));
    }

    @Test
    void moreThanAHundredChannelsAreRefusedWith422() throws Exception {
        String channels = java.util.stream.IntStream.range(0, 101).mapToObj(i -> "\"c" + i + "\"")
                .collect(Collectors.joining(","));
        HttpResponse<String> response = send("POST", eventsPath(), Map.of(),
                "{\"name\":\"wide\",\"channels\":[" + channels + "],\"data\":\"{}\"}", APP, Instant.now());
        assertRefused(422, null, response);
        assertTrue(new ObjectMapper().readTree(response.body()).has("channels"), response.body());
    }

    @Test
    void anInvalidChannelNameOrMissingFieldIsRefusedWith422() throws Exception {
        HttpResponse<String> badName = send("POST", eventsPath(), Map.of(),
                "{\"name\":\"e\",\"channel\":\"has space\",\"data\":\"{}\"}", APP, Instant.now());
        assertRefused(422, null, badName);
        assertTrue(badName.body().contains("channel name must be"), badName.body());
        assertRefused(422, null, send("POST", eventsPath(), Map.of(), "{\"channel\":\"orders\",\"data\":\"{}\"}",
                APP, Instant.now()));
        assertRefused(422, null, send("POST", eventsPath(), Map.of(),
                "{\"name\":\"e\",\"channel\":\"orders\",\"data\":{\"not\":\"a string\"}}", APP, Instant.now()));
        assertRefused(422, null, send("POST", eventsPath(), Map.of(), "not json", APP, Instant.now()));
    }

    @Test
    void anUnknownEndpointIs404AndAWrongMethod405() throws Exception {
        assertEquals(404, send("GET", "/apps/" + APP.id() + "/nothing", Map.of(), "", APP, Instant.now())
                .statusCode());
        assertEquals(405, send("GET", eventsPath(), Map.of(), "", APP, Instant.now()).statusCode());
    }

    /** Every refusal above is followed by this marker, which must be the next thing published. */
    private void assertRefused(int status, String message, HttpResponse<String> response) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        if (message != null) {
            assertEquals(message, response.body());
        }
        HttpResponse<String> marker = send("POST", eventsPath(), Map.of(), event("marker"), APP, Instant.now());
        assertEquals(200, marker.statusCode(), marker.body());
        assertEquals("marker", server.directory.next().event(), "the refused request published nothing");
    }

    private static String eventsPath() {
        return "/apps/" + APP.id() + "/events";
    }

    private static String event(String name) {
        return "{\"name\":\"" + name + "\",\"channel\":\"orders\",\"data\":\"{}\"}";
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> params, String body,
                                      PusherApp signer, Instant at) throws Exception {
        String query = signedQuery(method, path, params, body, signer, at);
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port + path + "?" + query));
        if (body.isEmpty()) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The query string as the server SDKs build it: sorted parameters, then the signature. */
    static String signedQuery(String method, String path, Map<String, String> params, String body, PusherApp signer,
                              Instant at) {
        Map<String, String> query = new TreeMap<>(params);
        query.put("auth_key", signer.key());
        query.put("auth_timestamp", Long.toString(at.getEpochSecond()));
        query.put("auth_version", "1.0");
        if (!body.isEmpty()) {
            query.put("body_md5", SignedRequest.md5Hex(body.getBytes(StandardCharsets.UTF_8)));
        }
        String sorted = query.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
        return sorted + "&auth_signature=" + signer.sign(method + "\n" + path + "\n" + sorted);
    }
}
