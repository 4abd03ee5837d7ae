package dev.switchboard.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.auth.Role;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Derived agent presence: online with the first connection, offline only after the last one has been closed for
 * PRESENCE_GRACE, and the snapshot a new agent receives. Reloads and second tabs that must not flap the status
 * are pinned on a manual clock by {@link PresenceTrackerTest}.
 */
class PresenceTest {
    private static final Duration GRACE = Duration.ofMillis(300);

    private static TestServer server;
    private static long nextUser = 100;

    private final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server = TestServer.start(Map.of("PRESENCE_GRACE", GRACE.toMillis() + "ms"));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(WsClient::close);
    }

    private static synchronized long user() {
        return ++nextUser;
    }

    private WsClient agent(TestServer target, long id) {
        WsClient client = target.agent(id);
        clients.add(client);
        return client;
    }

    private WsClient agent(long id) {
        return agent(server, id);
    }

    /** Derived agent_status frames about one agent among the given frames. */
    private static List<String> statusesOf(long agentId, List<JsonNode> frames) {
        return frames.stream()
                .filter(f -> "agent_status".equals(f.path("event").asText())
                        && f.path("data").path("agent_id").asLong() == agentId)
                .map(f -> f.path("data").path("status").asText())
                .collect(Collectors.toList());
    }

    private static JsonNode awaitStatus(WsClient observer, long agentId, String status) {
        return observer.awaitMatching(f -> "agent_status".equals(f.path("event").asText())
                && f.path("data").path("agent_id").asLong() == agentId
                && status.equals(f.path("data").path("status").asText()), "agent_status " + agentId + " " + status);
    }

    private static JsonNode snapshotEntry(JsonNode presence, long agentId) {
        for (JsonNode agent : presence.path("data").path("agents")) {
            if (agent.path("agent_id").asLong() == agentId) {
                return agent;
            }
        }
        return null;
    }

    @Test
    void firstConnectionEmitsOnlineToOtherAgentsButNotToContacts() {
        WsClient observer = agent(user());
        long adminId = user();
        WsClient admin = server.connect();
        clients.add(admin);
        admin.authenticate(server.token(adminId, Role.ADMIN, "Admin", List.of()));
        admin.await("presence");
        WsClient contact = server.contact(user(), 1L);
        clients.add(contact);

        long newcomer = user();
        WsClient newcomerTab = agent(newcomer);

        JsonNode online = awaitStatus(observer, newcomer, "online");
        assertFalse(online.has("id"), "derived presence is not a notifier event: " + online);
        awaitStatus(admin, newcomer, "online");
        assertTrue(statusesOf(newcomer, contact.sync()).isEmpty(), "contacts are not told about agents");
        assertTrue(statusesOf(newcomer, newcomerTab.sync()).isEmpty(), "the newcomer learns from its snapshot");
        assertTrue(statusesOf(newcomer, observer.sync()).isEmpty(), "online is announced once");
    }

    @Test
    void newlyAuthenticatedAgentReceivesPresenceSnapshotWithNames() {
        long first = user();
        long second = user();
        agent(first);
        agent(second);
        long newcomer = user();
        WsClient client = server.connect();
        clients.add(client);
        client.authenticate(server.agentToken(newcomer));
        JsonNode presence = client.await("presence");
        assertTrue(presence.path("data").path("agents").isArray(), presence.toString());
        for (long id : List.of(first, second)) {
            JsonNode entry = snapshotEntry(presence, id);
            assertTrue(entry != null, id + " is listed in " + presence);
            assertEquals("online", entry.path("status").asText());
            assertEquals("Agent " + id, entry.path("name").asText(), "names come from the tokens");
        }
    }

    @Test
    void contactsNeitherGetASnapshotNorAppearInPresence() {
        WsClient observer = agent(user());
        long contactId = user();
        WsClient contact = server.contact(contactId, 5L);
        clients.add(contact);
        List<JsonNode> contactFrames = contact.sync();
        assertTrue(contactFrames.stream().noneMatch(f -> "presence".equals(f.path("event").asText())),
                contactFrames.toString());
        assertTrue(statusesOf(contactId, observer.sync()).isEmpty(), "a contact is not an agent going online");
        assertTrue(snapshotEntry(laterSnapshot(), contactId) == null, "contacts are not listed");
    }

    /** The snapshot a newly authenticated agent receives now. */
    private JsonNode laterSnapshot() {
        WsClient client = server.connect();
        clients.add(client);
        client.authenticate(server.agentToken(user()));
        return client.await("presence");
    }

    @Test
    void secondTabEmitsNoSecondOnline() {
        WsClient observer = agent(user());
        long agentId = user();
        agent(agentId);
        awaitStatus(observer, agentId, "online");
        agent(agentId);
        assertTrue(statusesOf(agentId, observer.sync()).isEmpty(), "no second online for a second tab");
    }

    @Test
    void closingTheLastTabEmitsOfflineNoEarlierThanTheGrace() {
        WsClient observer = agent(user());
        long agentId = user();
        WsClient tab1 = agent(agentId);
        WsClient tab2 = agent(agentId);
        awaitStatus(observer, agentId, "online");
        tab1.close();
        long closedAt = System.nanoTime();
        tab2.close();
        JsonNode offline = awaitStatus(observer, agentId, "offline");
        long elapsedMillis = Duration.ofNanos(System.nanoTime() - closedAt).toMillis();
        assertTrue(elapsedMillis >= GRACE.toMillis() - 20, "offline only after the grace, got it after "
                + elapsedMillis + " ms");
        assertFalse(offline.has("id"), offline.toString());
        // And it is gone from the next snapshot.
        JsonNode snapshot = laterSnapshot();
        assertTrue(snapshotEntry(snapshot, agentId) == null, snapshot.toString());
    }

    @Test
    void abruptTcpDropCountsAsAClose() {
        WsClient observer = agent(user());
        long agentId = user();
        WsClient tab = agent(agentId);
        awaitStatus(observer, agentId, "online");
        tab.abort();
        awaitStatus(observer, agentId, "offline");
    }

    @Test
    void statusFromTheAppShowsInTheNextSnapshot() {
        WsClient observer = agent(user());
        long agentId = user();
        agent(agentId);
        SqlEvents.exec(server, "SELECT realtime.notify_agent_status(" + agentId + ", 'away')");
        JsonNode away = awaitStatus(observer, agentId, "away");
        assertTrue(away.path("id").isIntegralNumber(), "the app's agent_status is durable: " + away);
        JsonNode entry = snapshotEntry(laterSnapshot(), agentId);
        assertEquals("away", entry.path("status").asText());
        SqlEvents.exec(server, "SELECT realtime.notify_agent_status(" + agentId + ", 'busy')");
        awaitStatus(observer, agentId, "busy");
        assertEquals("busy", snapshotEntry(laterSnapshot(), agentId).path("status").asText());
    }

    @Test
    void invalidStatusRaisesInSqlAndSendsNothing() throws Exception {
        WsClient observer = agent(user());
        try (Connection c = server.sql(); Statement s = c.createStatement()) {
            for (String status : List.of("'sleeping'", "'ONLINE'", "''", "NULL")) {
                SQLException e = assertThrows(SQLException.class,
                        () -> s.execute("SELECT realtime.notify_agent_status(77, " + status + ")"));
                assertTrue(e.getMessage().contains("online, offline, away or busy"), e.getMessage());
            }
            assertThrows(SQLException.class, () -> s.execute("SELECT realtime.notify_agent_status(NULL, 'away')"));
        }
        assertEquals(0, SqlEvents.queryLong(server, "SELECT count(*) FROM realtime.events WHERE data->>'agent_id' = '77'"));
        assertTrue(statusesOf(77, observer.sync()).isEmpty());
    }
}
