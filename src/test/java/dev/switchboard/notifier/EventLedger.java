package dev.switchboard.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.WsClient;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test tools for the sequencer: writers that commit events continuously the way the web app does, a reader that
 * polls {@code id > last} exactly as every node's listener does (so it also stands for a node of the previous
 * release), and the checks that every committed event was numbered once, densely, in each writer's commit order.
 */
public final class EventLedger {
    private EventLedger() {
    }

    /** The tag of an event written by {@link Writers}: {@code writer:sequence}. */
    public static String tag(int writer, int sequence) {
        return writer + ":" + sequence;
    }

    /** Writers committing one event per transaction, each on its own connection and conversation, until stopped. */
    public static final class Writers implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger[] committed;
        private final ExecutorService pool;
        private final List<Future<?>> futures = new ArrayList<>();
        private final long pauseMillis;

        public Writers(String database, int count, long firstConversation) {
            this(database, count, firstConversation, 0);
        }

        /**
         * Writers that wait {@code pauseMillis} after each commit: a steady flow for tests that last long (restarts
         * of whole nodes) rather than a flood that outruns what a resume may replay.
         */
        public Writers(String database, int count, long firstConversation, long pauseMillis) {
            this.pauseMillis = pauseMillis;
            committed = new AtomicInteger[count];
            pool = Executors.newFixedThreadPool(count);
            for (int w = 0; w < count; w++) {
                int writer = w;
                committed[w] = new AtomicInteger();
                futures.add(pool.submit(() -> {
                    write(database, writer, firstConversation + writer);
                    return null;
                }));
            }
        }

        private void write(String database, int writer, long conversation) throws SQLException {
            try (Connection c = TestDatabases.superuser(database);
                 PreparedStatement notify = c.prepareStatement(
                         "SELECT realtime.notify_new_message(?, jsonb_build_object('tag', ?::text))")) {
                c.setAutoCommit(false);
                while (running.get()) {
                    int sequence = committed[writer].get();
                    notify.setLong(1, conversation);
                    notify.setString(2, tag(writer, sequence));
                    notify.execute();
                    c.commit();
                    // Counted only once COMMIT has returned: exactly the events that must be delivered.
                    committed[writer].incrementAndGet();
                    if (pauseMillis > 0) {
                        sleep(pauseMillis);
                    }
                }
            }
        }

        /** Total committed so far. */
        public int committed() {
            int total = 0;
            for (AtomicInteger c : committed) {
                total += c.get();
            }
            return total;
        }

        /** Waits until at least {@code total} more events than now have been committed. */
        public void awaitMore(int more) {
            int target = committed() + more;
            long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
            while (committed() < target) {
                if (System.nanoTime() > deadline) {
                    fail("writers stalled at " + committed() + " commits");
                }
                sleep(5);
            }
        }

        /** Stops the writers and returns every committed tag, per writer in commit order. */
        public List<List<String>> stop() throws Exception {
            running.set(false);
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
            List<List<String>> tags = new ArrayList<>();
            for (int w = 0; w < committed.length; w++) {
                List<String> mine = new ArrayList<>();
                for (int i = 0; i < committed[w].get(); i++) {
                    mine.add(tag(w, i));
                }
                tags.add(mine);
            }
            return tags;
        }

        @Override
        public void close() {
            running.set(false);
            pool.shutdownNow();
        }
    }

    /** Polls {@code SELECT ... WHERE id > last ORDER BY id}, recording (id, tag) in the order it read them. */
    static final class Reader implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<long[]> ids = new ArrayList<>();
        private final List<String> tags = new ArrayList<>();
        private final Thread thread;
        private volatile Exception failure;

        Reader(String database) {
            thread = new Thread(() -> read(database), "id-reader");
            thread.start();
        }

        private void read(String database) {
            long last = 0;
            try (Connection c = TestDatabases.superuser(database);
                 PreparedStatement fetch = c.prepareStatement("SELECT id, data->'message'->>'tag'"
                         + " FROM realtime.events WHERE id > ? ORDER BY id LIMIT 500")) {
                while (running.get()) {
                    fetch.setLong(1, last);
                    try (ResultSet rs = fetch.executeQuery()) {
                        while (rs.next()) {
                            last = rs.getLong(1);
                            synchronized (this) {
                                ids.add(new long[] {last});
                                tags.add(rs.getString(2));
                            }
                        }
                    }
                    sleep(3);
                }
            } catch (SQLException e) {
                failure = e;
            }
        }

        synchronized int size() {
            return ids.size();
        }

        /** Waits until the reader has read {@code count} events, then stops it. */
        void awaitAndStop(int count) throws Exception {
            long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
            while (size() < count && System.nanoTime() < deadline && failure == null) {
                sleep(10);
            }
            running.set(false);
            thread.join(5000);
            if (failure != null) {
                throw failure;
            }
        }

        synchronized List<Long> ids() {
            List<Long> out = new ArrayList<>();
            ids.forEach(a -> out.add(a[0]));
            return out;
        }

        synchronized List<String> tags() {
            return new ArrayList<>(tags);
        }

        @Override
        public void close() {
            running.set(false);
        }
    }

    /** Waits until no committed event is left without an id (the sequencer has caught up). */
    public static void awaitAllNumbered(String database) throws SQLException {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM realtime.events WHERE id IS NULL")) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    fail("committed events were never numbered");
                }
                sleep(10);
            }
        }
    }

    /**
     * The table's record: every committed tag has exactly one row and one id, the ids are exactly
     * {@code firstId..firstId+N-1} (dense: nothing a reader could skip past, nothing numbered twice), and each
     * writer's events have increasing ids (its commit order). Returns the tags in id order.
     */
    static List<String> assertNumberedOnceDenselyInCommitOrder(String database, long firstId,
                                                               List<List<String>> committed) throws SQLException {
        List<String> byId = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        try (Connection c = TestDatabases.superuser(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, data->'message'->>'tag' FROM realtime.events"
                     + " WHERE id >= " + firstId + " ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
                byId.add(rs.getString(2));
            }
        }
        int total = committed.stream().mapToInt(List::size).sum();
        assertEquals(total, byId.size(), "one row per committed event");
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(firstId + i, ids.get(i), "ids are dense from " + firstId);
        }
        assertEquals(total, new HashSet<>(byId).size(), "no event twice");
        assertInEachWritersOrder(byId, committed);
        return byId;
    }

    /** {@code delivered} holds every committed tag once, and each writer's tags in its commit order. */
    public static void assertInEachWritersOrder(List<String> delivered, List<List<String>> committed) {
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < delivered.size(); i++) {
            assertTrue(position.put(delivered.get(i), i) == null, "delivered twice: " + delivered.get(i));
        }
        Set<String> expected = new HashSet<>();
        for (List<String> writer : committed) {
            int previous = -1;
            for (String tag : writer) {
                expected.add(tag);
                Integer at = position.get(tag);
                assertTrue(at != null, "committed but never delivered: " + tag);
                assertTrue(at > previous, tag + " arrived before an event its writer committed earlier");
                previous = at;
            }
        }
        assertEquals(expected, position.keySet(), "nothing delivered that was not committed");
    }

    /** Reads {@code count} new_message events from a client, returning their ids and tags in arrival order. */
    /**
     * After a failover: every committed event is numbered once, densely, in commit order, and both a node-style
     * reader and a WebSocket client receive every id once, in order.
     */
    static void assertEveryEventDeliveredOnceInOrder(String database, List<List<String>> committed, Reader reader,
                                                     WsClient client) throws Exception {
        int total = committed.stream().mapToInt(List::size).sum();
        awaitAllNumbered(database);
        List<String> byId = assertNumberedOnceDenselyInCommitOrder(database, 1, committed);

        reader.awaitAndStop(total);
        assertEquals(byId, reader.tags(), "a node's reader sees every event once, in id order");

        List<JsonNode> received = receive(client, total);
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < received.size(); i++) {
            assertEquals(i + 1, received.get(i).get("id").asLong(), "the client gets every id, in order");
            tags.add(received.get(i).path("data").path("message").path("tag").asText());
        }
        assertEquals(byId, tags);
    }

    static List<JsonNode> receive(WsClient client, int count) {
        List<JsonNode> events = new ArrayList<>();
        while (events.size() < count) {
            events.add(client.await("new_message"));
        }
        return events;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
