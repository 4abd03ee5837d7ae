package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.RawWebSocket;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A client that stops reading must not make the server buffer without bound nor hold up anyone else: it is
 * closed with 1013 (at the latest when 16 x SEND_QUEUE_LIMIT frames wait for it), and the other clients keep
 * being served. A client that reads, however, survives any burst.
 */
class SlowConsumerTest {
    private static final int BATCH = 8;
    /** About 19 MB: far more than the socket buffers of the stalled connection can hide. */
    private static final int MAX_EVENTS = 600;
    /** Big enough that a few hundred events overflow every socket buffer between the server and the client. */
    private static final String PAD = "x".repeat(32 * 1024);

    private static void awaitValue(IntSupplier value, int expected, String what) {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        while (value.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                fail(what + ": expected " + expected + ", still " + value.getAsInt());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** What a node catching up after a database outage does: thousands of events queued in an instant. */
    @Test
    void aReadingClientSurvivesABurstFarLargerThanTheSendQueueLimit() {
        int events = 5_000;
        String pad = "y".repeat(2048);
        try (TestServer server = TestServer.start(); WsClient agent = server.agent(1)) {
            String[] statements = new String[events];
            for (int i = 0; i < events; i++) {
                statements[i] = "SELECT realtime.notify_new_conversation('{\"n\":" + i + ",\"pad\":\"" + pad + "\"}')";
            }
            SqlEvents.inTransaction(server, true, statements);
            for (int i = 0; i < events; i++) {
                JsonNode frame = agent.await("new_conversation");
                assertEquals(i, frame.path("data").path("conversation").path("n").asInt(), "in order");
            }
            agent.sync();
            assertEquals(1, server.node().openSessions(), "still connected");
        }
    }

    @Test
    void clientThatStopsReadingIsClosedWith1013AndOthersKeepBeingServed() {
        try (TestServer server = TestServer.start(Map.of("SEND_QUEUE_LIMIT", "16"));
             WsClient healthy = server.agent(1);
             RawWebSocket stalled = RawWebSocket.open(server.port(), Map.of(), 4096)) {
            assertEquals(101, stalled.status());
            // Authenticates as an agent, then never reads another byte.
            stalled.sendText("{\"type\":\"auth\",\"token\":\"" + server.agentToken(2) + "\"}");
            awaitValue(() -> server.node().authenticatedConnections(), 2, "authenticated connections");

            // Batches smaller than the queue limit, each read by the healthy agent before the next: it never
            // falls behind, while the stalled one accumulates everything until its socket and queue are full.
            int sent = 0;
            while (server.node().openSessions() > 1 && sent < MAX_EVENTS) {
                List<String> statements = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    sent++;
                    statements.add("SELECT realtime.notify_new_conversation('{\"n\":" + sent + ",\"pad\":\""
                            + PAD + "\"}')");
                }
                SqlEvents.inTransaction(server, true, statements.toArray(String[]::new));
                for (int n = sent - BATCH + 1; n <= sent; n++) {
                    JsonNode frame = healthy.await("new_conversation");
                    assertEquals(n, frame.path("data").path("conversation").path("n").asInt(), "in order");
                }
            }

            // The stalled connection is dropped by the server.
            awaitValue(() -> server.node().openSessions(), 1, "open sessions after the slow client is cut");
            assertEquals(1, server.node().authenticatedConnections());
            // Reading again drains what was stuck in the socket buffers; the close frame follows it.
            assertEquals(1013, stalled.readUntilClose(), "close code (try again later) after " + sent + " events");

            // And the server goes on serving.
            healthy.sync();
            SqlEvents.exec(server, "SELECT realtime.notify_new_conversation('{\"n\":\"after\"}')");
            assertEquals("after", healthy.await("new_conversation").path("data").path("conversation").path("n")
                    .asText());
            try (WsClient newcomer = server.agent(3)) {
                newcomer.sync();
            }
        }
    }
}
