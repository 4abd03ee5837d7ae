package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node dies with SIGKILL (the packaged jar in its own process, with the production cluster timing: lease
 * renewed every 2 s, lapsed after 6 s): the agents connected only to it go offline on the two surviving nodes
 * within 15 s, and both nodes' snapshots agree; an agent also connected to a survivor stays online.
 */
class ClusterKillIT {
    /** What README promises for a node that dies. */
    private static final Duration PROMISED = Duration.ofSeconds(15);
    /** The production default, so the test also shows it is not added on top of the lease. */
    private static final Map<String, String> GRACE = Map.of("PRESENCE_GRACE", "5s");

    @Test
    void agentsOfAKilledNodeGoOfflineOnTheOtherNodesWithinFifteenSeconds() throws Exception {
        DatabaseUrl url = TestDatabases.createDatabase();
        Map<String, String> doomedEnv = new java.util.HashMap<>(GRACE);
        doomedEnv.put("NODE_ID", "doomed");
        try (ServerProcess doomed = ServerProcess.start(url, doomedEnv);
             TestServer b = TestServer.start(url, with("node-b"));
             TestServer c = TestServer.start(url, with("node-c"));
             WsClient observerOnB = b.agent(901);
             WsClient observerOnC = c.agent(902);
             WsClient stranded = connectedAgent(doomed, b, 1);
             WsClient alsoOnDoomed = connectedAgent(doomed, b, 2);
             WsClient alsoOnC = c.agent(2)) {
            for (WsClient observer : List.of(observerOnB, observerOnC)) {
                awaitStatus(observer, 1, "online");
                awaitStatus(observer, 2, "online");
            }

            doomed.kill();
            long killedAt = System.nanoTime();
            assertFalse(doomed.process().isAlive());
            for (WsClient observer : List.of(observerOnB, observerOnC)) {
                awaitStatus(observer, 1, "offline");
            }
            Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
            System.out.println("agent of the killed node offline on both survivors after " + took.toMillis() + " ms");
            assertTrue(took.compareTo(PROMISED) < 0, "offline within " + PROMISED + ", took " + took);

            for (WsClient observer : List.of(observerOnB, observerOnC)) {
                assertEquals(List.of(), statusesOf(2, observer.sync()), "agent 2 is still connected to node C");
            }
            assertEquals(List.of(2L, 901L, 902L), snapshotIds(b));
            assertEquals(snapshotIds(b), snapshotIds(c), "the survivors agree");
        }
    }

    private static Map<String, String> with(String nodeId) {
        Map<String, String> env = new java.util.HashMap<>(GRACE);
        env.put("NODE_ID", nodeId);
        return env;
    }

    private static WsClient connectedAgent(ServerProcess node, TestServer tokens, long agentId) {
        WsClient client = WsClient.connect(URI.create("ws://127.0.0.1:" + node.port() + "/ws"), Map.of());
        client.authenticate(tokens.agentToken(agentId));
        client.await("presence");
        return client;
    }

    private static List<Long> snapshotIds(TestServer node) {
        try (WsClient fresh = node.connect()) {
            fresh.authenticate(node.agentToken(903));
            List<Long> ids = new ArrayList<>();
            for (JsonNode agent : fresh.await("presence").path("data").path("agents")) {
                if (agent.path("agent_id").asLong() != 903) {
                    ids.add(agent.path("agent_id").asLong());
                }
            }
            return ids;
        }
    }

    private static void awaitStatus(WsClient observer, long agentId, String status) {
        observer.awaitMatching(f -> "agent_status".equals(f.path("event").asText())
                && f.path("data").path("agent_id").asLong() == agentId
                && status.equals(f.path("data").path("status").asText()), "agent_status " + agentId + " " + status);
    }

    private static List<String> statusesOf(long agentId, List<JsonNode> frames) {
        return frames.stream()
                .filter(f -> "agent_status".equals(f.path("event").asText())
                        && f.path("data").path("agent_id").asLong() == agentId)
                .map(f -> f.path("data").path("status").asText())
                .toList();
    }
}
