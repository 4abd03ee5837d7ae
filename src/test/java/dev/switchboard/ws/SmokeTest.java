package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void committedMessageReachesSubscribedAgent() throws Exception {
        try (TestServer server = TestServer.start(); WsClient agent = server.agent(1)) {
            agent.subscribe(456);
            try (Connection c = server.sql(); Statement s = c.createStatement()) {
                s.execute("SELECT realtime.notify_new_message(456, '{\"id\":1,\"content\":\"oi\"}')");
            }
            JsonNode frame = agent.await("new_message");
            assertEquals(456, frame.path("data").path("conversation_id").asLong());
            assertEquals("oi", frame.path("data").path("message").path("content").asText());
            assertEquals(1, frame.path("id").asLong());
        }
    }

    @Test
    void oversizedFrameClosesWith1009() {
        try (TestServer server = TestServer.start(); WsClient client = server.connect()) {
            client.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            assertEquals(1009, client.awaitClose());
        }
    }

    @Test
    void hugeFrameClosesWith1009() {
        try (TestServer server = TestServer.start(); WsClient client = server.connect()) {
            try {
                client.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(3_000_000) + "\"}");
            } catch (RuntimeException expected) {
                // the server may close while the frame is still being written
            }
            assertEquals(1009, client.awaitClose());
        }
    }
}
