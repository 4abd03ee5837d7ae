package dev.switchboard.resume;

import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ResumingClient;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The web app keeps calling the notifier while no node runs at all: the events wait in the table, unnumbered, and
 * the agents that come back to a node started later get every one of them by resume, once and in order.
 */
class EveryNodeDownTest {
    @Test
    void eventsNotifiedWhileEveryNodeIsDownReachAgentsThatResumeOnANodeStartedLater() {
        DatabaseUrl url = TestDatabases.createDatabase();
        List<ResumingClient> agents = new ArrayList<>();
        TestServer a = TestServer.start(url, Map.of("NODE_ID", "a"));
        TestServer b = TestServer.start(url, Map.of("NODE_ID", "b"));
        try {
            agents.add(ResumingClient.connect(a.port(), a.agentToken(71)));
            agents.add(ResumingClient.connect(b.port(), a.agentToken(72)));
            SqlEvents.exec(a, "SELECT realtime.notify_new_message(710, '{\"n\":0}')");
            for (ResumingClient agent : agents) {
                agent.awaitEventId(1);
            }
            a.close();
            b.close();

            List<String> whileDown = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                whileDown.add("SELECT realtime.notify_new_message(" + (710 + i % 2) + ", '{\"n\":" + i + "}')");
            }
            SqlEvents.exec(a, whileDown.toArray(String[]::new));

            try (TestServer c = TestServer.start(url, Map.of("NODE_ID", "c"))) {
                for (ResumingClient agent : agents) {
                    assertEquals(1001, agent.failOverTo(c.port()), "the nodes went away cleanly");
                    agent.awaitEventId(21);
                    agent.assertEveryIdOnceInOrder(1, 21);
                    List<Integer> numbers = agent.events().stream()
                            .map(e -> e.path("data").path("message").path("n").asInt()).toList();
                    assertEquals(java.util.stream.IntStream.rangeClosed(0, 20).boxed().toList(), numbers,
                            "in the order they were committed");
                }
            }
        } finally {
            agents.forEach(ResumingClient::close);
            a.close();
            b.close();
        }
    }
}
