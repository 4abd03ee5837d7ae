package dev.switchboard.presence;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.protocol.ServerFrames.AgentPresence;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.testing.ManualClock;
import dev.switchboard.testing.RecordingRecipient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Presence merged across nodes, on a manual clock: this node's tracker is fed what other nodes say (their
 * changes and the full snapshots read with their leases) and must decide the same broadcasts a single node
 * would for the cluster's total connections.
 */
class PresenceTrackerClusterTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration A_MOMENT = Duration.ofMillis(1);
    private static final String B = "node-b";
    private static final String C = "node-c";

    private final ManualClock clock = new ManualClock();
    private final ConversationRegistry registry = new ConversationRegistry();
    private final RecordingLink link = new RecordingLink();
    private final PresenceTracker presence = new PresenceTracker(registry, new ServerFrames(new ObjectMapper()),
            clock, GRACE, link);
    private final RecordingRecipient observer = RecordingRecipient.agent("observer", 100).watchLocks(presence);

    PresenceTrackerClusterTest() {
        registry.register(observer);
        link.watching(presence);
    }

    private List<String> statuses(RecordingRecipient watcher, long agentId) {
        return watcher.events("agent_status").stream()
                .filter(f -> f.path("data").path("agent_id").asLong() == agentId)
                .map(f -> f.path("data").path("status").asText())
                .collect(Collectors.toList());
    }

    private List<String> statuses(long agentId) {
        return statuses(observer, agentId);
    }

    private List<Long> listed() {
        return presence.snapshot().stream().map(AgentPresence::agentId).collect(Collectors.toList());
    }

    private static AgentCount count(int connections) {
        return new AgentCount(connections, "Ana");
    }

    private static PeerPresence snapshot(String node, long version, Map<Long, AgentCount> agents) {
        return new PeerPresence(node, node + "-run-1", version, agents);
    }

    private void peer(String node, long version, long agentId, int connections) {
        presence.peerChanged(node, node + "-run-1", version, agentId, count(connections));
    }

    private RecordingRecipient tab(long agentId, String id) {
        RecordingRecipient tab = RecordingRecipient.agent(id, agentId);
        presence.connected(tab, "Agent " + agentId);
        return tab;
    }

    @Test
    void anAgentConnectedOnlyToAnotherNodeIsOnlineHereWithHerName() {
        peer(B, 1, 1, 1);
        assertEquals(List.of("online"), statuses(1));
        assertEquals(List.of(new AgentPresence(1, "online", "Ana")), presence.snapshot());
        assertEquals(List.of(), observer.violations());
    }

    @Test
    void sheStaysOnlineUntilEveryNodeCountsZeroAndOnlyThenTheGraceStarts() {
        RecordingRecipient here = tab(1, "t1");
        peer(B, 1, 1, 2);
        peer(C, 1, 1, 1);
        presence.disconnected(here);
        peer(B, 2, 1, 0);
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1), "node C still counts her");

        peer(C, 2, 1, 0);
        clock.advance(GRACE.minus(A_MOMENT));
        assertEquals(List.of("online"), statuses(1), "within the grace");
        clock.advance(A_MOMENT);
        assertEquals(List.of("online", "offline"), statuses(1));
        assertEquals(List.of(), listed());
    }

    @Test
    void aReloadThatLandsOnAnotherNodeWithinTheGraceSendsNothing() {
        RecordingRecipient before = tab(1, "t1");
        presence.disconnected(before);
        clock.advance(GRACE.minus(A_MOMENT));
        peer(B, 1, 1, 1);
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
        assertEquals(List.of(1L), listed());
    }

    @Test
    void aReloadFromAnotherNodeLandingHereWithinTheGraceSendsNothing() {
        peer(B, 1, 1, 1);
        peer(B, 2, 1, 0);
        clock.advance(GRACE.minus(A_MOMENT));
        tab(1, "t1");
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
    }

    @Test
    void aChangeOlderThanTheSnapshotAlreadyAppliedIsIgnored() {
        presence.peersAlive(presence.beginSweep(), List.of(snapshot(B, 5, Map.of(1L, count(1)))));
        peer(B, 4, 1, 0);
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
    }

    @Test
    void aSnapshotOlderThanAChangeAlreadyAppliedIsIgnored() {
        peer(B, 7, 1, 1);
        presence.peersAlive(presence.beginSweep(), List.of(snapshot(B, 6, Map.of())));
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
    }

    @Test
    void theNextSnapshotHealsALostChange() {
        peer(B, 1, 1, 1);
        // Change 2 (her last tab there closed) never arrived; node B's snapshot at version 2 says it.
        presence.peersAlive(presence.beginSweep(), List.of(snapshot(B, 2, Map.of())));
        clock.advance(GRACE);
        assertEquals(List.of("online", "offline"), statuses(1));
    }

    @Test
    void aNodeWhoseLeaseLapsedIsDroppedAndItsAgentsGoOfflineAtOnce() {
        presence.peersAlive(presence.beginSweep(), List.of(snapshot(B, 1, Map.of(1L, count(1))),
                snapshot(C, 1, Map.of(2L, count(1)))));
        assertEquals(List.of(1L, 2L), listed());

        presence.peersAlive(presence.beginSweep(), List.of(snapshot(C, 1, Map.of(2L, count(1)))));
        assertEquals(List.of("online", "offline"), statuses(1), "no grace: she left with her node, long ago");
        assertEquals(List.of(2L), listed());
        assertEquals(java.util.Set.of(C), presence.knownPeers());
    }

    @Test
    void anAgentAlsoConnectedElsewhereStaysOnlineWhenOneNodeDies() {
        tab(1, "t1");
        presence.peersAlive(presence.beginSweep(), List.of(snapshot(B, 1, Map.of(1L, count(1)))));
        presence.peersAlive(presence.beginSweep(), List.of());
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(1));
    }

    @Test
    void aNodeFirstHeardOfWhileTheLeasesWereReadIsNotDroppedByThatRead() {
        long sweep = presence.beginSweep();
        peer(B, 1, 1, 1); // node B started after the read began: its lease row was not in it
        presence.peersAlive(sweep, List.of());
        assertEquals(List.of("online"), statuses(1));

        presence.peersAlive(presence.beginSweep(), List.of());
        assertEquals(List.of("online", "offline"), statuses(1), "the next read does count it");
    }

    @Test
    void aRestartedNodeReplacesWhatItsPreviousRunSaid() {
        presence.peerChanged(B, "run-1", 40, 1, count(1));
        presence.peerChanged(B, "run-2", 1, 2, count(1));
        assertEquals(List.of(1L, 2L), listed(), "agent 1 is in her grace period");
        clock.advance(GRACE);
        assertEquals(List.of("online", "offline"), statuses(1));
        assertEquals(List.of(2L), listed());
    }

    @Test
    void aNodeThatLeftCleanlyGivesItsAgentsTheGrace() {
        peer(B, 1, 1, 1);
        presence.peerLeft(B);
        clock.advance(GRACE.minus(A_MOMENT));
        assertEquals(List.of("online"), statuses(1));
        clock.advance(A_MOMENT);
        assertEquals(List.of("online", "offline"), statuses(1));
    }

    @Test
    void thisNodesChangesAreToldInOrderWithRisingVersionsAndTheLockReleased() {
        RecordingRecipient first = tab(1, "t1");
        tab(1, "t2");
        presence.disconnected(first);
        assertEquals(List.of(new RecordingLink.Presence(1, 1, new AgentCount(1, "Agent 1")),
                new RecordingLink.Presence(2, 1, new AgentCount(2, "Agent 1")),
                new RecordingLink.Presence(3, 1, new AgentCount(1, "Agent 1"))), link.told());
        assertEquals(List.of(), link.violations());
        PeerPresence mine = presence.localPresence("node-a", "run");
        assertEquals(3, mine.version());
        assertEquals(Map.of(1L, new AgentCount(1, "Agent 1")), mine.agents());
    }

    @Test
    void whatOtherNodesSayIsNotToldBack() {
        peer(B, 1, 1, 1);
        presence.peersAlive(presence.beginSweep(), List.of(snapshot(B, 1, Map.of(1L, count(1)))));
        assertEquals(List.of(), link.told());
    }

    /** Two trackers wired to each other as the database would: each ends up deciding the same things. */
    @Test
    void twoNodesWiredTogetherAgreeOnTheSnapshotAndBroadcastOnce() {
        ConversationRegistry otherRegistry = new ConversationRegistry();
        RecordingLink otherLink = new RecordingLink();
        PresenceTracker other = new PresenceTracker(otherRegistry, new ServerFrames(new ObjectMapper()), clock,
                GRACE, otherLink);
        RecordingRecipient otherObserver = RecordingRecipient.agent("observer-b", 101);
        otherRegistry.register(otherObserver);

        RecordingRecipient onA = tab(1, "t1");
        relay(link, other, "node-a");
        assertEquals(presence.snapshot(), other.snapshot());

        presence.disconnected(onA);
        relay(link, other, "node-a");
        clock.advance(GRACE.minus(A_MOMENT));
        RecordingRecipient onB = RecordingRecipient.agent("t2", 1);
        other.connected(onB, "Agent 1"); // the reload landed on node B
        relay(otherLink, presence, B);
        clock.advance(GRACE.multipliedBy(3));
        assertEquals(List.of("online"), statuses(observer, 1));
        assertEquals(List.of("online"), statuses(otherObserver, 1));
        assertEquals(presence.snapshot(), other.snapshot());

        other.disconnected(onB);
        relay(otherLink, presence, B);
        clock.advance(GRACE);
        assertEquals(List.of("online", "offline"), statuses(observer, 1));
        assertEquals(List.of("online", "offline"), statuses(otherObserver, 1));
        assertEquals(List.of(), other.snapshot());
        assertEquals(List.of(), presence.snapshot());
    }

    private static void relay(RecordingLink from, PresenceTracker to, String fromNode) {
        for (Object message : from.take()) {
            RecordingLink.Presence change = (RecordingLink.Presence) message;
            to.peerChanged(fromNode, fromNode + "-run", change.version(), change.agentId(), change.count());
        }
    }
}
