package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes on loopback sharing one real PostgreSQL: typing and presence reach the clients of every node, and
 * presence agrees everywhere. The merge rules themselves are pinned on a manual clock by
 * {@code PresenceTrackerClusterTest}; a node dying is {@code ClusterKillIT}.
 */
class ClusterTest {
    private static final Duration GRACE = Duration.ofSeconds(1);
    private static final Duration TYPING = Duration.ofSeconds(1);
    private static final long CONVERSATION = 7;

    private static TestServer a;
    private static TestServer b;
    private static TestServer c;
    private static long nextUser = 500;

    private final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    static void startNodes() {
        DatabaseUrl database = TestDatabases.createDatabase();
        Map<String, String> timing = Map.of("PRESENCE_GRACE", GRACE.toMillis() + "ms",
                "TYPING_TIMEOUT", TYPING.toMillis() + "ms");
        a = TestServer.start(database, with(timing, "node-a"));
        b = TestServer.start(database, with(timing, "node-b"));
        c = TestServer.start(database, with(timing, "node-c"));
    }

    private static Map<String, String> with(Map<String, String> timing, String nodeId) {
        Map<String, String> env = new java.util.HashMap<>(timing);
        env.put("NODE_ID", nodeId);
        return env;
    }

    @AfterAll
    static void stopNodes() {
        for (TestServer node : new TestServer[] {a, b, c}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(WsClient::close);
    }

    private static synchronized long user() {
        return ++nextUser;
    }

    private WsClient agent(TestServer node, long id) {
        WsClient client = node.agent(id);
        clients.add(client);
        return client;
    }

    private WsClient contact(TestServer node, long id) {
        WsClient client = node.contact(id, CONVERSATION);
        clients.add(client);
        return client;
    }

    private static JsonNode awaitTyping(WsClient client, long userId, boolean isTyping) {
        return client.awaitMatching(f -> "typing".equals(f.path("event").asText())
                && f.path("data").path("user_id").asLong() == userId
                && f.path("data").path("is_typing").asBoolean() == isTyping, "typing " + userId + " " + isTyping);
    }

    private static List<JsonNode> typingOf(long userId, List<JsonNode> frames) {
        return frames.stream().filter(f -> "typing".equals(f.path("event").asText())
                && f.path("data").path("user_id").asLong() == userId).collect(Collectors.toList());
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
                .collect(Collectors.toList());
    }

    /** A new agent connection, authenticated, its presence snapshot not yet read. */
    private WsClient freshAgent(TestServer node) {
        WsClient client = node.connect();
        clients.add(client);
        client.authenticate(node.agentToken(user()));
        return client;
    }

    /** The agents listed in the presence snapshot a newly authenticated agent on {@code node} receives. */
    private List<Long> snapshotOn(TestServer node) {
        JsonNode presence = freshAgent(node).await("presence");
        List<Long> ids = new ArrayList<>();
        presence.path("data").path("agents").forEach(agent -> ids.add(agent.path("agent_id").asLong()));
        return ids;
    }

    @Test
    void typingOnOneNodeReachesTheConversationsSubscribersOnEveryOtherNodeButNotTheTypist() {
        long typistId = user();
        WsClient typist = agent(a, typistId).subscribe(CONVERSATION);
        WsClient typistsOtherTab = agent(c, typistId).subscribe(CONVERSATION);
        WsClient customerOnB = contact(b, user()).subscribe(CONVERSATION);
        WsClient agentOnC = agent(c, user()).subscribe(CONVERSATION);
        WsClient notSubscribed = agent(b, user());

        typist.send("type", "typing", "conversation_id", CONVERSATION, "is_typing", true);
        awaitTyping(customerOnB, typistId, true);
        awaitTyping(agentOnC, typistId, true);
        typist.send("type", "typing", "conversation_id", CONVERSATION, "is_typing", false);
        awaitTyping(customerOnB, typistId, false);
        awaitTyping(agentOnC, typistId, false);

        assertEquals(List.of(), typingOf(typistId, typist.sync()), "the typist is not told its own typing");
        assertEquals(List.of(), typingOf(typistId, typistsOtherTab.sync()), "nor its other tab on another node");
        assertEquals(List.of(), typingOf(typistId, notSubscribed.sync()), "nor anyone outside the conversation");
        assertEquals(List.of(), typingOf(typistId, customerOnB.sync()), "true then false, once each");
    }

    @Test
    void anUnrefreshedIndicatorEndsOnceOnEveryNodeWhenTheTypistsNodeEndsIt() {
        long typistId = user();
        WsClient typist = contact(a, typistId).subscribe(CONVERSATION);
        WsClient onB = agent(b, user()).subscribe(CONVERSATION);
        WsClient onC = agent(c, user()).subscribe(CONVERSATION);

        long start = System.nanoTime();
        typist.send("type", "typing", "conversation_id", CONVERSATION, "is_typing", true);
        awaitTyping(onB, typistId, true);
        awaitTyping(onC, typistId, true);
        awaitTyping(onB, typistId, false);
        awaitTyping(onC, typistId, false);
        Duration lasted = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(lasted.compareTo(TYPING) >= 0, "ended by the timeout, not before: " + lasted);
        // The other nodes' own, later expiry finds the indicator already ended and sends nothing more.
        assertTrue(lasted.compareTo(TYPING.plus(dev.switchboard.presence.TypingTracker.PEER_ALLOWANCE)) < 0,
                "ended by the typist's node, before the other nodes' allowance: " + lasted);
    }

    @Test
    void aTypistWhoDisconnectsIsEndedOnEveryNode() {
        long typistId = user();
        WsClient typist = contact(a, typistId).subscribe(CONVERSATION);
        WsClient onB = agent(b, user()).subscribe(CONVERSATION);
        typist.send("type", "typing", "conversation_id", CONVERSATION, "is_typing", true);
        awaitTyping(onB, typistId, true);
        typist.abort();
        awaitTyping(onB, typistId, false);
    }

    @Test
    void typingFromTheWebAppReachesEveryNode() throws Exception {
        long appUser = user();
        WsClient onA = agent(a, user()).subscribe(CONVERSATION);
        WsClient onB = contact(b, user()).subscribe(CONVERSATION);
        WsClient onC = agent(c, user()).subscribe(CONVERSATION);
        SqlEvents.exec(a, "SELECT realtime.notify_typing(" + CONVERSATION + ", " + appUser + ", true)");
        for (WsClient client : List.of(onA, onB, onC)) {
            awaitTyping(client, appUser, true);
        }
        for (WsClient client : List.of(onA, onB, onC)) {
            assertEquals(List.of(), typingOf(appUser, client.sync()), "each node relays it once");
        }
    }

    @Test
    void anAgentConnectedToOneNodeIsOnlineInEveryNodesSnapshot() {
        WsClient observerOnB = agent(b, user());
        WsClient observerOnC = agent(c, user());
        long agentId = user();
        agent(a, agentId);
        awaitStatus(observerOnB, agentId, "online");
        awaitStatus(observerOnC, agentId, "online");

        for (TestServer node : List.of(a, b, c)) {
            assertTrue(snapshotOn(node).contains(agentId), "listed in " + node.node().config().node().id());
        }
        JsonNode entry = null;
        for (JsonNode listed : freshAgent(b).await("presence").path("data").path("agents")) {
            if (listed.path("agent_id").asLong() == agentId) {
                entry = listed;
            }
        }
        assertNotNull(entry);
        assertEquals("Agent " + agentId, entry.path("name").asText(), "with the name from her token");
    }

    @Test
    void aReloadThatLandsOnAnotherNodeWithinTheGraceIsNotSeenAsLeaving() throws Exception {
        WsClient observerOnC = agent(c, user());
        long agentId = user();
        WsClient beforeReload = agent(a, agentId);
        awaitStatus(observerOnC, agentId, "online");

        beforeReload.close();
        WsClient afterReload = agent(b, agentId);
        // Past the grace on every node: a flap would have been sent by now.
        Thread.sleep(GRACE.multipliedBy(2).toMillis());
        assertEquals(List.of(), statusesOf(agentId, observerOnC.sync()), "no offline/online pair");
        for (TestServer node : List.of(a, b, c)) {
            assertTrue(snapshotOn(node).contains(agentId), "still listed on " + node.node().config().node().id());
        }

        afterReload.close();
        awaitStatus(observerOnC, agentId, "offline");
    }

    @Test
    void theLastConnectionClosingAnywhereTakesTheAgentOfflineEverywhereAfterTheGrace() {
        WsClient observerOnA = agent(a, user());
        WsClient observerOnB = agent(b, user());
        WsClient observerOnC = agent(c, user());
        long agentId = user();
        WsClient tabOnA = agent(a, agentId);
        WsClient tabOnC = agent(c, agentId);
        for (WsClient observer : List.of(observerOnA, observerOnB, observerOnC)) {
            awaitStatus(observer, agentId, "online");
        }

        tabOnA.close();
        long closedAt = System.nanoTime();
        tabOnC.close();
        for (WsClient observer : List.of(observerOnA, observerOnB, observerOnC)) {
            awaitStatus(observer, agentId, "offline");
        }
        Duration after = Duration.ofNanos(System.nanoTime() - closedAt);
        assertTrue(after.compareTo(GRACE) >= 0, "not before the grace: " + after);
        for (WsClient observer : List.of(observerOnA, observerOnB, observerOnC)) {
            assertEquals(List.of(), statusesOf(agentId, observer.sync()), "online once, offline once");
        }
        for (TestServer node : List.of(a, b, c)) {
            assertTrue(!snapshotOn(node).contains(agentId), "gone from " + node.node().config().node().id());
        }
    }

    @Test
    void eachNodeKeepsOneListenAndOneClusterConnectionWhateverItsClientCount() throws Exception {
        WsClient watcher = agent(b, user()).subscribe(CONVERSATION);
        List<Long> typists = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long id = user();
            contact(a, id).subscribe(CONVERSATION)
                    .send("type", "typing", "conversation_id", CONVERSATION, "is_typing", true);
            typists.add(id);
            agent(a, user());
        }
        for (long id : typists) {
            awaitTyping(watcher, id, true);
        }
        try (java.sql.Connection sql = a.sql();
             java.sql.PreparedStatement count = sql.prepareStatement("SELECT application_name, count(*)"
                     + " FROM pg_stat_activity WHERE application_name LIKE 'switchboard node-a%'"
                     + " GROUP BY application_name");
             java.sql.ResultSet rs = count.executeQuery()) {
            Map<String, Long> connections = new java.util.HashMap<>();
            while (rs.next()) {
                connections.put(rs.getString(1), rs.getLong(2));
            }
            assertEquals(1L, connections.get("switchboard node-a listener"), "one LISTEN: " + connections);
            assertEquals(1L, connections.get("switchboard node-a cluster"), "one cluster: " + connections);
            long pooled = connections.getOrDefault("switchboard node-a", 0L);
            assertTrue(pooled <= a.node().config().database().poolSize(), "the pool's own bound: " + connections);
        }
    }

    @Test
    void aNodeStartedLaterListsTheOtherNodesAgentsInItsFirstSnapshot() {
        long agentId = user();
        WsClient observerOnB = agent(b, user());
        agent(a, agentId);
        awaitStatus(observerOnB, agentId, "online");
        // It missed every notification about her: it learns her from the leases it reads before serving.
        try (TestServer late = TestServer.start(a.database(), with(Map.of(), "node-d"))) {
            assertTrue(snapshotOn(late).contains(agentId), "listed by the node that started after her");
        }
    }

    @Test
    void aChangeLostWithTheClusterConnectionIsHealedByTheNextRenewal() throws Exception {
        WsClient observerOnB = agent(b, user());
        WsClient observerOnC = agent(c, user());
        try (java.sql.Connection sql = a.sql(); java.sql.Statement statement = sql.createStatement()) {
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = 'switchboard node-a cluster'");
        }
        // Node A's notification of her arrival goes out on the dead connection and is lost; A reconnects, renews
        // its lease with her in it, and node B reads that at its next renewal.
        long agentId = user();
        agent(a, agentId);
        awaitStatus(observerOnB, agentId, "online");
        // Node C renews on its own beat, up to a poll interval after node B: wait for it rather than race it.
        awaitStatus(observerOnC, agentId, "online");
        assertTrue(snapshotOn(c).contains(agentId), "and node C lists her too");
    }
}
