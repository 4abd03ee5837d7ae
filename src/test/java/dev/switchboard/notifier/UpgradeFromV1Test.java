package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database installed by the first release (migration 1: ids assigned by a commit-time trigger under a global
 * lock) upgrades in place while the app keeps committing events: a node of this release migrates it on start, and
 * every event, whether written before, during or after the migration, is numbered once, densely, in commit order.
 * A reader of the previous release (the same {@code WHERE id > last} query) sees every one of them, in order.
 */
class UpgradeFromV1Test {
    private static final int PRE = 10;

    @Test
    void databaseOfTheFirstReleaseUpgradesInPlaceWhileEventsFlow() throws Exception {
        DatabaseUrl url = TestDatabases.migratedDatabase("1");
        String database = TestDatabases.databaseName(url);
        List<String> pre = new ArrayList<>();
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement()) {
            for (int i = 0; i < PRE; i++) {
                s.execute("SELECT realtime.notify_new_message(8999, jsonb_build_object('tag', 'pre:" + i + "'))");
                pre.add("pre:" + i);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.events WHERE id IS NOT NULL")) {
                rs.next();
                assertEquals(PRE, rs.getLong(1), "the first release numbers at commit");
            }
        }

        try (EventLedger.Reader oldNode = new EventLedger.Reader(database)) {
            EventLedger.Writers writers = new EventLedger.Writers(database, 4, 9000);
            List<List<String>> committed;
            List<JsonNode> received;
            try (writers) {
                writers.awaitMore(200);
                try (TestServer node = TestServer.start(url, Map.of()); WsClient agent = node.agent(1)) {
                    writers.awaitMore(200);
                    committed = writers.stop();
                    committed.add(0, pre);
                    int total = committed.stream().mapToInt(List::size).sum();
                    EventLedger.awaitAllNumbered(database);
                    List<String> byId = EventLedger.assertNumberedOnceDenselyInCommitOrder(database, 1, committed);
                    oldNode.awaitAndStop(total);
                    assertEquals(byId, oldNode.tags(), "the previous release's reader sees every event, in order");

                    // The new node's client: everything from where it joined, every id, in order.
                    try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT max(id) FROM realtime.events")) {
                        rs.next();
                        long maxId = rs.getLong(1);
                        JsonNode first = agent.await("new_message");
                        long firstId = first.get("id").asLong();
                        received = new ArrayList<>(List.of(first));
                        received.addAll(EventLedger.receive(agent, (int) (maxId - firstId)));
                        for (int i = 0; i < received.size(); i++) {
                            assertEquals(firstId + i, received.get(i).get("id").asLong());
                        }
                        assertTrue(received.size() > 50, "the client joined while events flowed");
                    }
                }
            }
        }
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT max(version::int) FROM realtime.flyway_schema_history")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 2, "migrated past the first release");
        }
    }
}
