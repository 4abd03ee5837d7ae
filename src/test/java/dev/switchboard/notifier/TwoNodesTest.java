package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Nodes share nothing but the database: each reads the event table itself, so a client gets every committed
 * event whichever node it is on, with the same id everywhere (what lets a client move between nodes).
 */
class TwoNodesTest {
    @Test
    void clientsOnDifferentNodesReceiveTheSameEventsWithTheSameIds() {
        DatabaseUrl database = TestDatabases.createDatabase();
        try (TestServer nodeA = TestServer.start(database, Map.of("NODE_ID", "node-a"));
             TestServer nodeB = TestServer.start(database, Map.of("NODE_ID", "node-b"));
             WsClient onA = nodeA.contact(1001, 7L);
             WsClient onB = nodeB.agent(1)) {
            onA.subscribe(7);
            SqlEvents.exec(nodeA, "SELECT realtime.notify_new_message(7, '{\"content\":\"one\"}')",
                    "SELECT realtime.notify_new_message(7, '{\"content\":\"two\"}')");
            for (String content : new String[] {"one", "two"}) {
                JsonNode a = onA.await("new_message");
                JsonNode b = onB.await("new_message");
                assertEquals(content, a.path("data").path("message").path("content").asText());
                assertEquals(content, b.path("data").path("message").path("content").asText());
                assertEquals(a.get("id").asLong(), b.get("id").asLong(), "one id for one event, on every node");
            }
        }
    }
}
