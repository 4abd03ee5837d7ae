package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many writers, two conversations, transactions that write their event early and commit late in a shuffled
 * order: every event arrives exactly once, and each conversation's events arrive in commit order.
 */
class ConcurrentWritersOrderTest {
    private static final int WRITERS = 8;
    private static final int TRANSACTIONS_PER_WRITER = 40;

    @Test
    void eachConversationReceivesEveryEventOnceInCommitOrder() throws Exception {
        try (TestServer server = TestServer.start(); WsClient watcherA = server.agent(1);
             WsClient watcherB = server.contact(2, 201L)) {
            watcherA.subscribe(200);
            watcherB.subscribe(201);
            try (Connection c = server.sql(); Statement s = c.createStatement()) {
                // The commit counter: a row lock taken just before COMMIT numbers transactions in commit order.
                s.execute("CREATE TABLE commit_counter (conversation_id bigint PRIMARY KEY, n bigint NOT NULL)");
                s.execute("INSERT INTO commit_counter VALUES (200, 0), (201, 0)");
                s.execute("CREATE TABLE commit_order (tag text PRIMARY KEY, conversation_id bigint, n bigint)");
            }

            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    write(server, writer);
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get();
            }
            pool.shutdown();

            Map<String, Long> commitNumber = new HashMap<>();
            try (Connection c = server.sql(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT tag, n FROM commit_order")) {
                while (rs.next()) {
                    commitNumber.put(rs.getString(1), rs.getLong(2));
                }
            }
            int total = WRITERS * TRANSACTIONS_PER_WRITER;
            try (Connection c = server.sql(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.events a JOIN realtime.events b"
                         + " ON a.event_key < b.event_key AND a.id > b.id")) {
                rs.next();
                // Proof the test exercised the hard case: many events committed in another order than written.
                assertTrue(rs.getLong(1) > 0, "no transaction overtook another; the test proved nothing");
                System.out.println("events committed out of insert order (pairs): " + rs.getLong(1));
            }
            int expectedA = (int) commitNumber.keySet().stream().filter(t -> t.startsWith("200:")).count();
            assertReceivedInCommitOrder(watcherA, 200, expectedA, commitNumber);
            assertReceivedInCommitOrder(watcherB, 201, total - expectedA, commitNumber);
        }
    }

    private static void write(TestServer server, int writer) throws Exception {
        Random random = new Random(writer);
        try (Connection c = server.sql()) {
            c.setAutoCommit(false);
            for (int i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
                long conversation = random.nextBoolean() ? 200 : 201;
                String tag = conversation + ":" + writer + ":" + i;
                try (PreparedStatement notify = c.prepareStatement(
                        "SELECT realtime.notify_new_message(?, jsonb_build_object('tag', ?::text))")) {
                    notify.setLong(1, conversation);
                    notify.setString(2, tag);
                    notify.execute();
                }
                // Other work between writing the event and committing lets other writers overtake this one.
                if (random.nextInt(3) == 0) {
                    Thread.sleep(random.nextInt(5));
                }
                try (PreparedStatement bump = c.prepareStatement(
                        "UPDATE commit_counter SET n = n + 1 WHERE conversation_id = ? RETURNING n");
                     PreparedStatement record = c.prepareStatement("INSERT INTO commit_order VALUES (?, ?, ?)")) {
                    bump.setLong(1, conversation);
                    long n;
                    try (ResultSet rs = bump.executeQuery()) {
                        rs.next();
                        n = rs.getLong(1);
                    }
                    record.setString(1, tag);
                    record.setLong(2, conversation);
                    record.setLong(3, n);
                    record.execute();
                }
                c.commit();
            }
        }
    }

    private static void assertReceivedInCommitOrder(WsClient client, long conversation, int expected,
                                                    Map<String, Long> commitNumber) {
        Set<String> seen = new HashSet<>();
        long previousN = 0;
        long previousId = 0;
        for (int i = 0; i < expected; i++) {
            // An agent also sees the other conversation through its inbox; only this conversation's order matters.
            JsonNode event = client.awaitMatching(f -> "new_message".equals(f.path("event").asText())
                    && f.path("data").path("conversation_id").asLong() == conversation, "new_message " + conversation);
            String tag = event.path("data").path("message").path("tag").asText();
            assertTrue(seen.add(tag), "delivered twice: " + tag);
            long n = commitNumber.get(tag);
            assertTrue(n > previousN, "conversation " + conversation + ": " + tag + " (commit #" + n
                    + ") arrived after commit #" + previousN);
            assertTrue(event.get("id").asLong() > previousId, "ids increase in delivery order");
            previousN = n;
            previousId = event.get("id").asLong();
        }
        long stray = client.sync().stream().filter(f -> "new_message".equals(f.path("event").asText())
                && f.path("data").path("conversation_id").asLong() == conversation).count();
        assertEquals(0, stray, "no event beyond the committed ones");
    }
}
