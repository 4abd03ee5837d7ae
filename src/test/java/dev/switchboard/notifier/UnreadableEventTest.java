package dev.switchboard.notifier;

import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One stored event the node cannot read is logged and skipped; the events after it are still delivered. */
class UnreadableEventTest {

    @Test
    void aRowWithAnUnknownAudienceIsSkippedAndTheNextEventStillArrives() {
        try (TestServer server = TestServer.start(); WsClient agent = server.agent(1)) {
            // Only a hand-altered table can hold such a row; the migration's constraint refuses it.
            SqlEvents.exec(server, "ALTER TABLE realtime.events DROP CONSTRAINT events_audience",
                    "ALTER TABLE realtime.events DROP CONSTRAINT events_target",
                    "SELECT realtime.enqueue_event('mystery', 'everyone', NULL, NULL, '{}'::jsonb)",
                    "SELECT realtime.notify_new_conversation('{\"n\":\"after\"}')");
            assertEquals("after", agent.await("new_conversation").path("data").path("conversation").path("n")
                    .asText());
            long last = SqlEvents.queryLong(server, "SELECT max(id) FROM realtime.events");
            assertTrue(last >= 2, "both rows were committed");
            assertTrue(server.node().authenticatedConnections() == 1);
        }
    }
}
