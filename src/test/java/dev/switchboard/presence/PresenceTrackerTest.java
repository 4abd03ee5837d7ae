package dev.switchboard.presence;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.testing.ManualClock;
import dev.switchboard.testing.RecordingRecipient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Presence on a manual clock: every grace period below passes in no time. */
class PresenceTrackerTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration A_MOMENT = Duration.ofMillis(1);

    private final ManualClock clock = new ManualClock();
    private final ConversationRegistry registry = new ConversationRegistry();
    private final PresenceTracker presence = new PresenceTracker(registry, new ServerFrames(new ObjectMapper()),
            clock, GRACE);
    /** Another agent, watching the broadcasts, and noting any it gets while the tracker's lock is held. */
    private final RecordingRecipient observer = RecordingRecipient.agent("observer", 100).watchLocks(presence);

    PresenceTrackerTest() {
        registry.register(observer);
    }

    private List<String> statuses(long agentId) {
        return observer.events("agent_status").stream()
                .filter(f -> f.path("data").path("agent_id").asLong() == agentId)
                .map(f -> f.path("data").path("status").asText())
                .collect(Collectors.toList());
    }

    private RecordingRecipient tab(long agentId, String id) {
        RecordingRecipient tab = RecordingRecipient.agent(id, agentId);
        presence.connected(tab, "Agent " + agentId);
        return tab;
    }

    @Test
    void firstConnectionBroadcastsOnlineAndASecondTabNothingMore() {
        tab(1, "t1");
        tab(1, "t2");
        assertEquals(List.of("online"), statuses(1));
        assertEquals(List.of(), observer.violations());
    }

    @Test
    void theNewcomerNeverReceivesItsOwnOnlineEvenWhenItJoinedRoutingFirst() {
        // Another thread may deliver the broadcast after the newcomer has joined the registry.
        RecordingRecipient newcomer = RecordingRecipient.agent("t1", 1);
        registry.register(newcomer);
        presence.connected(newcomer, "Agent 1");
        assertEquals(List.of("online"), statuses(1));
        assertEquals(List.of(), newcomer.frames());
    }

    @Test
    void contactsNeverAppearInPresence() {
        presence.connected(RecordingRecipient.contact("c", 9), "Contact");
        assertEquals(List.of(), presence.snapshot());
        assertEquals(List.of(), observer.frames());
    }

    @Test
    void lastTabClosingGoesOfflineExactlyWhenTheGraceEnds() {
        RecordingRecipient tab = tab(1, "t1");
        presence.disconnected(tab);
        clock.advance(GRACE.minus(A_MOMENT));
        assertEquals(List.of("online"), statuses(1), "still within the grace");
        clock.advance(A_MOMENT);
        assertEquals(List.of("online", "offline"), statuses(1));
        assertEquals(List.of(), presence.snapshot());
        assertEquals(List.of(), observer.violations());
    }

    @Test
    void closingOneOfTwoTabsNeverGoesOffline() {
        RecordingRecipient first = tab(1, "t1");
        tab(1, "t2");
        presence.disconnected(first);
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
    }

    @Test
    void reconnectWithinTheGraceNeverBroadcastsOfflineNorASecondOnline() {
        RecordingRecipient first = tab(1, "t1");
        presence.disconnected(first);
        clock.advance(GRACE.minus(A_MOMENT));
        tab(1, "t2"); // the page reloaded
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
        assertEquals(1, presence.snapshot().size());
    }

    @Test
    void leavingAgainAfterAReconnectCountsTheGraceFromTheLastClose() {
        RecordingRecipient first = tab(1, "t1");
        presence.disconnected(first);
        clock.advance(Duration.ofSeconds(3));
        RecordingRecipient second = tab(1, "t2");
        presence.disconnected(second);
        clock.advance(Duration.ofSeconds(3)); // the first close's grace is over, the second's is not
        assertEquals(List.of("online"), statuses(1), "the first close's timer must not take the agent offline");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(List.of("online", "offline"), statuses(1));
    }

    @Test
    void withoutAGraceTheLastCloseGoesOfflineAtOnce() {
        PresenceTracker immediate = new PresenceTracker(registry, new ServerFrames(new ObjectMapper()), clock,
                Duration.ZERO);
        RecordingRecipient tab = RecordingRecipient.agent("t", 2);
        immediate.connected(tab, null);
        immediate.disconnected(tab);
        assertEquals(List.of("online", "offline"), statuses(2));
        assertEquals(0, clock.pending());
    }

    @Test
    void snapshotListsAgentsByIdWithNamesAndTheStatusTheAppSet() {
        tab(2, "t2");
        tab(1, "t1");
        presence.statusSet(2, "away");
        presence.statusSet(3, "busy"); // not connected: forgotten
        assertEquals(List.of(new ServerFrames.AgentPresence(1, "online", "Agent 1"),
                new ServerFrames.AgentPresence(2, "away", "Agent 2")), presence.snapshot());
    }

    @Test
    void concurrentConnectsAndClosesKeepEachAgentsBroadcastsInOrder() throws Exception {
        PresenceTracker immediate = new PresenceTracker(registry, new ServerFrames(new ObjectMapper()), clock,
                Duration.ZERO);
        RecordingRecipient watcher = RecordingRecipient.agent("watcher", 200).watchLocks(immediate);
        registry.register(watcher);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            long agentId = 10 + t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    RecordingRecipient tab = RecordingRecipient.agent("x" + agentId + "-" + i, agentId);
                    immediate.connected(tab, null);
                    immediate.disconnected(tab);
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int t = 0; t < threads.length; t++) {
            long agentId = 10 + t;
            List<String> seen = watcher.events("agent_status").stream()
                    .filter(f -> f.path("data").path("agent_id").asLong() == agentId)
                    .map(f -> f.path("data").path("status").asText()).collect(Collectors.toList());
            assertEquals(1000, seen.size());
            for (int i = 0; i < seen.size(); i++) {
                assertEquals(i % 2 == 0 ? "online" : "offline", seen.get(i), "agent " + agentId + " frame " + i);
            }
        }
        assertEquals(List.of(), watcher.violations());
        assertTrue(immediate.snapshot().isEmpty());
    }
}
