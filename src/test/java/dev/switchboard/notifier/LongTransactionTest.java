package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transaction that wrote an event and stays open delays nobody else's events: the others are delivered while it
 * is still open, and its own event follows once it commits, with a later id.
 *
 * <p>The held transaction also runs {@code SET CONSTRAINTS ALL IMMEDIATE}, which fires the commit-time trigger at
 * once: under the previous design that took the global ordering lock for the rest of the transaction and stalled
 * every writer, so this test would hang there. The hold lasts exactly as long as the others take to be delivered,
 * not a fixed time: nothing in the sequencer waits for or depends on the age of an open transaction (it looks the
 * transaction up by id in its snapshot's in-progress list). {@link LongTransactionIT} holds one open for a minute
 * of the sequencer's batches and idle polls.
 */
class LongTransactionTest {
    private static final int OTHERS = 50;

    @Test
    void openTransactionDelaysNobodyElsesEvents() throws Exception {
        try (TestServer server = TestServer.start(); WsClient agent = server.agent(1);
             Connection held = server.sql(); Connection others = server.sql()) {
            held.setAutoCommit(false);
            long heldKey = TransactionalDeliveryTest.notifyMessage(held, 500, "held");
            try (Statement s = held.createStatement()) {
                s.execute("SET CONSTRAINTS ALL IMMEDIATE");
            }

            for (int i = 0; i < OTHERS; i++) {
                TransactionalDeliveryTest.notifyMessage(others, 501 + i % 3, "other " + i);
            }
            long previousId = 0;
            for (int i = 0; i < OTHERS; i++) {
                JsonNode event = agent.await("new_message");
                assertEquals("other " + i, TransactionalDeliveryTest.content(event));
                assertTrue(event.get("id").asLong() > previousId);
                previousId = event.get("id").asLong();
            }
            assertEquals(List.of(), TransactionalDeliveryTest.events(agent.sync()), "the held event waits for COMMIT");

            held.commit();
            JsonNode late = agent.await("new_message");
            assertEquals("held", TransactionalDeliveryTest.content(late));
            assertTrue(late.get("id").asLong() > previousId, "written first, committed last: the last id");
            assertTrue(heldKey > 0);
            assertEquals(List.of(), TransactionalDeliveryTest.events(agent.sync()));
        }
    }
}
