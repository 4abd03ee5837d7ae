package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transaction that wrote an event and stays open for a whole minute, as a stuck request in the app would, delays
 * nobody else's events at any point of that minute: every other commit is delivered (each one awaited before the
 * next is written) while it stays open, and its own event follows once it commits, with the last id.
 *
 * <p>{@link LongTransactionTest} pins the same guarantee in the unit run, with a hold as long as its writes take and
 * with the commit-time trigger fired early; this one keeps an ordinary transaction open across a minute of the
 * sequencer's batches and idle polls, which is what an operator's "does a forgotten transaction stall the helpdesk"
 * means. A sequencer that waited for older transactions before numbering newer ones would fail it at the first
 * await. An integration test because it takes that minute.
 */
class LongTransactionIT {
    private static final Duration HOLD = Duration.ofSeconds(60);

    @Test
    void transactionOpenForAMinuteDelaysNobodyElsesEvents() throws Exception {
        try (TestServer server = TestServer.start(); WsClient agent = server.agent(1);
             Connection held = server.sql(); Connection others = server.sql()) {
            held.setAutoCommit(false);
            TransactionalDeliveryTest.notifyMessage(held, 600, "held");
            long heldSince = System.nanoTime();

            long previousId = 0;
            int delivered = 0;
            while (System.nanoTime() - heldSince < HOLD.toNanos()) {
                String content = "other " + delivered;
                TransactionalDeliveryTest.notifyMessage(others, 601 + delivered % 3, content);
                JsonNode event = agent.await("new_message");
                assertEquals(content, TransactionalDeliveryTest.content(event));
                assertTrue(event.get("id").asLong() > previousId);
                previousId = event.get("id").asLong();
                delivered++;
            }
            assertTrue(delivered > 0);
            assertEquals(List.of(), TransactionalDeliveryTest.events(agent.sync()), "the held event waits for COMMIT");

            held.commit();
            JsonNode late = agent.await("new_message");
            assertEquals("held", TransactionalDeliveryTest.content(late));
            assertTrue(late.get("id").asLong() > previousId, "written first, committed last: the last id");
            assertEquals(List.of(), TransactionalDeliveryTest.events(agent.sync()));
        }
    }
}
