package dev.switchboard.resume;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.notifier.EventLedger;
import dev.switchboard.testing.ResumingClient;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes go away while the web app commits events continuously (four writers, one conversation each), and the
 * agents connected to them reconnect to another node with {@code last_event_id} and {@code epoch}, as the client
 * library does: each agent receives every event id of its inbox exactly once, in increasing order, across all its
 * connections, and each conversation's events in the order they were committed. The nodes are the packaged jar in
 * their own processes, so a SIGKILL is a real one.
 */
class FailoverResumeIT {
    private static final int WRITERS = 4;
    private static final int AGENTS_PER_NODE = 10;
    /** Events committed between two steps: enough that some are in flight at every fault. */
    private static final int BETWEEN_STEPS = 150;
    /**
     * Writers pause this long after each commit: a steady flow, as an app's, rather than a flood that outruns
     * {@code MAX_RESUME_EVENTS} while a node dies or restarts on a slow machine (which the server rightly answers
     * with {@code resync_required}, not what these tests are about).
     */
    private static final long PAUSE_MILLIS = 20;

    @Test
    void agentsOfANodeKilledWhileEventsFlowResumeOnAnotherNodeWithEveryIdOnceInOrder() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        String database = TestDatabases.databaseName(url);
        List<ResumingClient> agents = new ArrayList<>();
        try (ServerProcess doomed = ServerProcess.start(url, Map.of("NODE_ID", "doomed"));
             TestServer survivor = TestServer.start(url, Map.of("NODE_ID", "survivor"))) {
            for (int i = 0; i < AGENTS_PER_NODE; i++) {
                agents.add(ResumingClient.connect(doomed.port(), survivor.agentToken(100 + i)));
            }
            List<List<String>> committed;
            try (EventLedger.Writers writers = new EventLedger.Writers(database, WRITERS, 7000, PAUSE_MILLIS)) {
                writers.awaitMore(BETWEEN_STEPS);
                doomed.kill();
                writers.awaitMore(BETWEEN_STEPS);
                long started = System.nanoTime();
                for (ResumingClient agent : agents) {
                    agent.failOverTo(survivor.port());
                }
                System.out.println(agents.size() + " agents of the killed node resumed on the survivor in "
                        + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
                writers.awaitMore(BETWEEN_STEPS);
                committed = writers.stop();
            }
            assertEveryAgentGotEveryEventOnceInOrder(database, agents, committed);
        } finally {
            agents.forEach(ResumingClient::close);
        }
    }

    @Test
    void aRollingRestartWithSigtermLosesNoEventForAnyAgent() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        String database = TestDatabases.databaseName(url);
        TestServer tokens = TestServer.start(url, Map.of("NODE_ID", "tokens"));
        List<ServerProcess> nodes = new ArrayList<>();
        List<List<ResumingClient>> clientsOf = new ArrayList<>();
        List<ResumingClient> all = new ArrayList<>();
        try {
            tokens.close(); // only its token issuer is used: the cluster below is three packaged nodes
            for (int n = 0; n < 3; n++) {
                nodes.add(ServerProcess.start(url, Map.of("NODE_ID", "node-" + n)));
                List<ResumingClient> mine = new ArrayList<>();
                for (int i = 0; i < AGENTS_PER_NODE; i++) {
                    ResumingClient agent = ResumingClient.connect(nodes.get(n).port(),
                            tokens.agentToken(1000L + 100L * n + i));
                    mine.add(agent);
                    all.add(agent);
                }
                clientsOf.add(mine);
            }
            List<List<String>> committed;
            // Paced (about 200 events a second in all): three JVM restarts on a loaded machine take long, and an
            // unpaced flood would pass MAX_RESUME_EVENTS between a node's stop and its agents' resume.
            try (EventLedger.Writers writers = new EventLedger.Writers(database, WRITERS, 7000, PAUSE_MILLIS)) {
                writers.awaitMore(BETWEEN_STEPS);
                // As supervisor restarts a group: stop one node (SIGTERM), wait for it to exit, start it again,
                // then the next. Its agents go to the next node, the way nginx sends them.
                for (int n = 0; n < 3; n++) {
                    ServerProcess stopping = nodes.get(n);
                    stopping.terminate();
                    assertEquals(0, stopping.waitFor(Duration.ofSeconds(30)), stopping.output());
                    int next = (n + 1) % 3;
                    for (ResumingClient agent : clientsOf.get(n)) {
                        assertEquals(1001, agent.failOverTo(nodes.get(next).port()), "going away");
                    }
                    clientsOf.get(next).addAll(clientsOf.get(n));
                    clientsOf.get(n).clear();
                    writers.awaitMore(BETWEEN_STEPS);
                    nodes.set(n, ServerProcess.start(url, Map.of("NODE_ID", "node-" + n)));
                }
                writers.awaitMore(BETWEEN_STEPS);
                committed = writers.stop();
            }
            assertEveryAgentGotEveryEventOnceInOrder(database, all, committed);
            assertTrue(all.stream().allMatch(a -> a.resumes() >= 1), "every agent went through a restart");
        } finally {
            all.forEach(ResumingClient::close);
            nodes.forEach(ServerProcess::close);
        }
    }

    private static void assertEveryAgentGotEveryEventOnceInOrder(String database, List<ResumingClient> agents,
                                                                 List<List<String>> committed) throws Exception {
        EventLedger.awaitAllNumbered(database);
        long[] range = idRange(database);
        int total = committed.stream().mapToInt(List::size).sum();
        assertEquals(total, range[1] - range[0] + 1, "one id per committed event");
        for (ResumingClient agent : agents) {
            agent.awaitEventId(range[1]);
            agent.assertEveryIdOnceInOrder(range[0], range[1]);
            List<String> tags = new ArrayList<>();
            for (JsonNode event : agent.events()) {
                tags.add(event.path("data").path("message").path("tag").asText());
            }
            EventLedger.assertInEachWritersOrder(tags, committed);
        }
        System.out.println(agents.size() + " agents each received all " + total + " events once, in order");
    }

    private static long[] idRange(String database) throws SQLException {
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT min(id), max(id) FROM realtime.events")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
