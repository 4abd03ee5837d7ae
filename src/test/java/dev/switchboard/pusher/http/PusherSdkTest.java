package dev.switchboard.pusher.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.pusher.PusherPipeline;
import dev.switchboard.pusher.RecordingDirectory.Published;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official {@code pusher} npm server SDK (src/test/pusher-sdk, installed by the build with {@code npm ci})
 * against the HTTP API: trigger, triggerBatch, channel queries, users and terminate, each checked on both sides.
 */
class PusherSdkTest {
    private static final Path PROJECT = Path.of("src/test/pusher-sdk");
    private static final PusherApp APP = PusherPipeline.APP;

    @Test
    void theServerSdkTriggersQueriesAndTerminatesThroughTheApi() throws Exception {
        assertTrue(Files.isDirectory(PROJECT.resolve("node_modules/pusher")),
                "run `npm ci` in src/test/pusher-sdk (the Maven build does it)");
        try (ApiServer server = new ApiServer()) {
            server.directory.occupy("presence-room", 3, List.of("1", "2"));
            JsonNode out = drive(server.port);

            assertEquals(reply("{}"), out.get("trigger"));
            assertEquals(new Published(APP, List.of("orders"), "order-shipped", "{\"id\":7,\"note\":\"fragile\"}",
                    Optional.empty()), server.directory.next());

            assertEquals(reply("{}"), out.get("triggerMany"));
            assertEquals(new Published(APP, List.of("orders", "private-audit"), "App\\Events\\Audit", "plain text",
                    Optional.of("123.456")), server.directory.next());

            assertEquals(reply("{\"channels\":{\"presence-room\":{\"subscription_count\":3,\"user_count\":2}}}"),
                    out.get("triggerInfo"));
            assertEquals("hello", server.directory.next().event());

            assertEquals(reply("{\"batch\":{}}"), out.get("batch"));
            Published first = server.directory.next();
            assertEquals(List.of("batch-1"), first.channels());
            assertEquals("{\"n\":1}", first.data());
            assertEquals("two", server.directory.next().data());

            assertEquals(reply("{\"channels\":{\"presence-room\":{\"user_count\":2}}}"), out.get("channels"));
            assertEquals(reply("{\"occupied\":true,\"subscription_count\":3,\"user_count\":2}"), out.get("channel"));
            assertEquals(reply("{\"users\":[{\"id\":\"1\"},{\"id\":\"2\"}]}"), out.get("users"));
            assertEquals(reply("{}"), out.get("terminate"));
            assertEquals("42", server.directory.nextTerminated());
            server.directory.assertNothingPublished();
        }
    }

    private static JsonNode reply(String body) throws IOException {
        return new ObjectMapper().createObjectNode().put("status", 200).set("body", new ObjectMapper().readTree(body));
    }

    private static JsonNode drive(int port) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("node", "drive.js").directory(PROJECT.toFile());
        builder.environment().put("PUSHER_APP_ID", APP.id());
        builder.environment().put("PUSHER_APP_KEY", APP.key());
        builder.environment().put("PUSHER_APP_SECRET", APP.secret());
        builder.environment().put("PUSHER_PORT", Integer.toString(port));
        builder.redirectErrorStream(true);
        Process node = builder.start();
        byte[] output = node.getInputStream().readAllBytes();
        assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node drive.js did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, node.exitValue(), text);
        return new ObjectMapper().readTree(text);
    }
}
