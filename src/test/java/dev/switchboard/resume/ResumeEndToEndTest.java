package dev.switchboard.resume;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.notifier.EventPruner;
import dev.switchboard.testing.SqlEvents;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resume against the real server and PostgreSQL: events committed while a client was away arrive after it
 * reconnects with {@code last_event_id}, in id order and once, including while events keep being committed during
 * the resume; and a resume that cannot be complete says so instead of replaying part.
 */
class ResumeEndToEndTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("MAX_RESUME_EVENTS", "50"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void eventsCommittedWhileDisconnectedAreReplayedInOrderOnceAfterReconnect() {
        String epoch;
        long seen;
        try (WsClient contact = server.connect()) {
            epoch = contact.authenticate(server.contactToken(501, 5010L)).path("epoch").asText();
            contact.subscribe(5010);
            SqlEvents.exec(server, "SELECT realtime.notify_new_message(5010, '{\"n\":0}')");
            seen = contact.await("new_message").path("id").asLong();
        }
        List<String> away = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            away.add("SELECT realtime.notify_new_message(5010, '{\"n\":" + i + "}')");
            away.add("SELECT realtime.notify_user(501, 'app.note', '{\"n\":" + i + "}')");
        }
        SqlEvents.exec(server, away.toArray(String[]::new));

        try (WsClient contact = server.connect()) {
            contact.send("type", "auth", "token", server.contactToken(501, 5010L), "last_event_id", seen,
                    "epoch", epoch);
            JsonNode authenticated = contact.await("authenticated").path("data");
            assertTrue(authenticated.path("recovered").asBoolean(), authenticated.toString());
            assertEquals(10, authenticated.path("replayed").asInt(), "the user's own events");
            assertEquals(epoch, authenticated.path("epoch").asText());
            List<JsonNode> personal = replayed(contact, 10);

            contact.send("type", "subscribe", "conversation_id", 5010, "last_event_id", seen);
            JsonNode subscribed = contact.await("subscribed").path("data");
            assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
            assertEquals(10, subscribed.path("replayed").asInt(), "the conversation's events");
            List<JsonNode> conversation = replayed(contact, 10);

            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), numbers(personal, "app.note"));
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), numbers(conversation, "new_message"));
            assertIncreasing(ids(personal));
            assertIncreasing(ids(conversation));
        }
    }

    @Test
    void subscribeWithLastEventIdReplaysThatConversationOnlyAndNeverAnotherConversations() {
        long position = position(server);
        String epoch = CurrentEventIdTest.epoch(server);
        SqlEvents.exec(server,
                "SELECT realtime.notify_new_message(5020, '{\"mine\":true}')",
                "SELECT realtime.notify_new_message(5021, '{\"mine\":false}')",
                "SELECT realtime.notify_message_read(5021, 1, 999)",
                "SELECT realtime.notify_user(999, 'app.note', '{\"mine\":false}')",
                "SELECT realtime.notify_message_read(5020, 2, 502)");
        try (WsClient contact = server.connect()) {
            // A contact of 5020 only, resuming from before all of it: its token does not list 5021.
            contact.send("type", "auth", "token", server.contactToken(502, 5020L), "last_event_id", position,
                    "epoch", epoch);
            assertEquals(0, contact.await("authenticated").path("data").path("replayed").asInt());
            contact.send("type", "subscribe", "conversation_id", 5020, "last_event_id", position);
            assertEquals(2, contact.await("subscribed").path("data").path("replayed").asInt());
            List<JsonNode> frames = replayed(contact, 2);
            assertEquals(List.of("new_message", "message_read"), names(frames));
            assertTrue(frames.stream().allMatch(f -> f.path("data").path("conversation_id").asLong() == 5020),
                    frames.toString());

            contact.send("type", "subscribe", "conversation_id", 5021, "last_event_id", position);
            assertEquals("forbidden", contact.awaitError("forbidden").path("code").asText());
            assertTrue(contact.sync().isEmpty(), "nothing of 5021");
        }
        try (WsClient agent = server.connect()) {
            // An agent's inbox has every new_message; its subscription adds what only subscribers get.
            agent.send("type", "auth", "token", server.agentToken(503), "last_event_id", position, "epoch", epoch);
            int replayed = agent.await("authenticated").path("data").path("replayed").asInt();
            List<JsonNode> inbox = replayed(agent, replayed);
            assertEquals(2, names(inbox).stream().filter("new_message"::equals).count(), names(inbox).toString());
            assertFalse(names(inbox).contains("message_read"));
            assertFalse(names(inbox).contains("app.note"), "another user's event");
            agent.send("type", "subscribe", "conversation_id", 5020, "last_event_id", position);
            assertEquals(1, agent.await("subscribed").path("data").path("replayed").asInt(),
                    "message_read only: its new_message came with the inbox");
        }
    }

    @Test
    void aWrongEpochIsAnsweredWithRecoveredFalseAndResyncRequired() {
        try (WsClient agent = server.connect()) {
            agent.send("type", "auth", "token", server.agentToken(504), "last_event_id", 1,
                    "epoch", "00000000-0000-0000-0000-000000000000");
            JsonNode authenticated = agent.await("authenticated").path("data");
            assertFalse(authenticated.path("recovered").asBoolean(true));
            assertEquals(CurrentEventIdTest.epoch(server), authenticated.path("epoch").asText());
            JsonNode resync = agent.await("resync_required").path("data");
            assertEquals("epoch", resync.path("reason").asText());
            assertEquals("auth", resync.path("request").asText());
        }
    }

    @Test
    void anIdBeyondThisHistoryIsAnsweredWithResyncRequired() {
        try (WsClient agent = server.connect()) {
            agent.send("type", "auth", "token", server.agentToken(505), "last_event_id", position(server) + 1000,
                    "epoch", CurrentEventIdTest.epoch(server));
            assertFalse(agent.await("authenticated").path("data").path("recovered").asBoolean(true));
            assertEquals("epoch", agent.await("resync_required").path("data").path("reason").asText());
        }
    }

    @Test
    void moreEventsThanMaxResumeEventsIsAnsweredWithResyncRequiredAndNothingReplayed() {
        long position = position(server);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add("SELECT realtime.notify_user(506, 'app.note', '{\"n\":" + i + "}')");
        }
        SqlEvents.exec(server, many.toArray(String[]::new));
        awaitNumbered(server);
        try (WsClient contact = server.connect()) {
            contact.send("type", "auth", "token", server.contactToken(506), "last_event_id", position,
                    "epoch", CurrentEventIdTest.epoch(server));
            JsonNode authenticated = contact.await("authenticated").path("data");
            assertFalse(authenticated.path("recovered").asBoolean(true));
            assertEquals(0, authenticated.path("replayed").asInt(-1));
            assertEquals("too_many", contact.await("resync_required").path("data").path("reason").asText());
            assertTrue(ids(contact.sync()).isEmpty(), "never a part of the events");
        }
    }

    @Test
    void anIdOlderThanTheRetentionIsAnsweredWithResyncRequired() {
        try (TestServer own = TestServer.start()) {
            long position = position(own);
            long key = SqlEvents.queryLong(own, "SELECT realtime.notify_user(507, 'app.note', '{}')");
            awaitNumbered(own);
            SqlEvents.exec(own, "UPDATE realtime.events SET created_at = now() - interval '2 hours'"
                    + " WHERE event_key = " + key);
            new EventPruner(own.node().dataSource(), Duration.ofHours(1)).prune();
            try (WsClient contact = own.connect()) {
                contact.send("type", "auth", "token", own.contactToken(507), "last_event_id", position,
                        "epoch", CurrentEventIdTest.epoch(own));
                assertFalse(contact.await("authenticated").path("data").path("recovered").asBoolean(true));
                assertEquals("retention", contact.await("resync_required").path("data").path("reason").asText());
            }
        }
    }

    @Test
    void replayRacingLiveEventsLeavesNoGapAndNoDuplicate() throws Exception {
        try (TestServer own = TestServer.start()) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                try (Connection c = own.sql(); PreparedStatement notify = c.prepareStatement(
                        "SELECT realtime.notify_new_conversation(jsonb_build_object('n', ?::int))")) {
                    while (writing.get()) {
                        notify.setLong(1, written.incrementAndGet());
                        notify.execute();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "resume-race-writer");
            List<Long> received = new ArrayList<>();
            String epoch;
            WsClient agent = own.connect();
            epoch = agent.authenticate(own.agentToken(510)).path("epoch").asText();
            writer.start();
            try {
                for (int round = 0; round < 6; round++) {
                    // Read for a while, then drop the connection as a network would, mid-stream.
                    for (int i = 0; i < 30; i++) {
                        received.add(agent.await("new_conversation").path("id").asLong());
                    }
                    agent.abort();
                    long last = received.get(received.size() - 1);
                    agent = own.connect();
                    agent.send("type", "auth", "token", own.agentToken(510), "last_event_id", last,
                            "epoch", epoch);
                    assertTrue(agent.await("authenticated").path("data").path("recovered").asBoolean(),
                            "round " + round);
                }
            } finally {
                writing.set(false);
                writer.join();
            }
            long lastWritten = awaitNumbered(own);
            while (received.get(received.size() - 1) < lastWritten) {
                received.add(agent.await("new_conversation").path("id").asLong());
            }
            agent.close();
            assertEquals(new HashSet<>(received).size(), received.size(), "no duplicate id");
            long first = received.get(0);
            for (int i = 0; i < received.size(); i++) {
                assertEquals(first + i, received.get(i), "no gap and in order, at position " + i);
            }
            assertTrue(received.size() > 180, "the writer kept writing throughout: " + received.size());
        }
    }

    @Test
    void notifierCallsWhileTheNodeIsDownAreDeliveredByResumeWhenItComesBack() {
        TestServer first = TestServer.start();
        String epoch;
        long seen;
        try (WsClient contact = first.connect()) {
            epoch = contact.authenticate(first.contactToken(520, 5200L)).path("epoch").asText();
            contact.subscribe(5200);
            SqlEvents.exec(first, "SELECT realtime.notify_new_message(5200, '{\"n\":0}')");
            seen = contact.await("new_message").path("id").asLong();
        }
        first.close();
        List<String> whileDown = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            whileDown.add("SELECT realtime.notify_new_message(5200, '{\"n\":" + i + "}')");
        }
        SqlEvents.exec(first, whileDown.toArray(String[]::new));

        try (TestServer again = TestServer.start(first.database(), Map.of());
             WsClient contact = again.connect()) {
            contact.send("type", "auth", "token", again.contactToken(520, 5200L), "last_event_id", seen,
                    "epoch", epoch);
            assertTrue(contact.await("authenticated").path("data").path("recovered").asBoolean());
            contact.send("type", "subscribe", "conversation_id", 5200, "last_event_id", seen);
            assertTrue(contact.await("subscribed").path("data").path("recovered").asBoolean());
            // The new node numbers them when it starts: replayed, or live if the replay read before that.
            List<JsonNode> messages = new ArrayList<>();
            while (messages.size() < 20) {
                messages.add(contact.await("new_message"));
            }
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20),
                    numbers(messages, "new_message"));
            assertIncreasing(ids(messages));
            assertTrue(contact.sync().isEmpty(), "nothing twice");
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The {@code count} events a reply announced, then proof that nothing else came: they follow the reply at
     * once, but a pong may overtake them while they are being queued.
     */
    private static List<JsonNode> replayed(WsClient client, int count) {
        List<JsonNode> frames = new ArrayList<>();
        while (frames.size() < count) {
            frames.add(client.awaitMatching(f -> f.has("id"), "replayed event " + (frames.size() + 1) + " of " + count));
        }
        List<JsonNode> more = client.sync();
        assertTrue(ids(more).isEmpty(), "nothing after the announced events: " + more);
        return frames;
    }

    /** The position a page would start from. */
    private static long position(TestServer on) {
        awaitNumbered(on);
        return SqlEvents.queryLong(on, "SELECT last_event_id FROM realtime.current_event_id()");
    }

    /** Waits until the sequencer has numbered every committed event; returns the last id. */
    private static long awaitNumbered(TestServer on) {
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        while (SqlEvents.queryLong(on, "SELECT count(*) FROM realtime.events WHERE id IS NULL") > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("events were never numbered");
            }
            Thread.onSpinWait();
        }
        return SqlEvents.queryLong(on, "SELECT last_id FROM realtime.sequencer_state");
    }

    private static List<Integer> numbers(List<JsonNode> frames, String event) {
        return frames.stream().filter(f -> event.equals(f.path("event").asText()))
                .map(f -> f.path("data").path("n").asInt(f.path("data").path("message").path("n").asInt()))
                .collect(Collectors.toList());
    }

    private static List<Long> ids(List<JsonNode> frames) {
        return frames.stream().filter(f -> f.has("id")).map(f -> f.get("id").asLong()).collect(Collectors.toList());
    }

    private static List<String> names(List<JsonNode> frames) {
        return frames.stream().map(f -> f.path("event").asText()).collect(Collectors.toList());
    }

    private static void assertIncreasing(List<Long> ids) {
        Set<Long> seen = new HashSet<>();
        long previous = 0;
        for (long id : ids) {
            assertTrue(seen.add(id), "duplicate id " + id + " in " + ids);
            assertTrue(id > previous, "out of order at " + id + " in " + ids);
            previous = id;
        }
    }
}
