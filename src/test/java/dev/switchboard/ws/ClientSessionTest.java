package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.notifier.EventRecord;
import dev.switchboard.routing.Target;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's state machine on the realtime core alone: recording transports, a manual clock, no sockets and
 * no database. Every timeout below passes in no time.
 */
class ClientSessionTest {
    private static final Duration A_MOMENT = Duration.ofMillis(1);

    private final CoreHarness node = new CoreHarness();

    @Test
    void noAuthWithinTheTimeoutIsUnauthorizedThenClose4001() {
        CoreHarness.Client client = node.connect();
        node.clock.advance(CoreHarness.AUTH_TIMEOUT.minus(A_MOMENT));
        assertEquals(-1, client.closeCode(), "still waiting for auth");
        node.clock.advance(A_MOMENT);
        JsonNode error = client.await("error");
        assertEquals("unauthorized", error.path("data").path("code").asText());
        assertEquals(4001, client.closeCode());
        assertEquals(0, node.core.sessions().size());
    }

    @Test
    void messagesBeforeAuthAreRefusedWithoutStoppingTheAuthTimeout() {
        CoreHarness.Client client = node.connect();
        client.subscribe(1).send("{not json");
        List<String> codes = client.frames().stream().map(f -> f.path("data").path("code").asText())
                .collect(Collectors.toList());
        assertEquals(List.of("unauthenticated", "invalid_json"), codes);
        node.clock.advance(CoreHarness.AUTH_TIMEOUT);
        assertEquals(4001, client.closeCode());
    }

    @Test
    void authJustBeforeTheTimeoutWinsAndTheTimerIsCancelled() {
        CoreHarness.Client client = node.connect();
        node.clock.advance(CoreHarness.AUTH_TIMEOUT.minus(A_MOMENT));
        client.auth(node.agentToken(1));
        node.clock.advance(CoreHarness.AUTH_TIMEOUT);
        assertEquals(List.of("authenticated", "presence"), client.events());
        assertEquals(-1, client.closeCode());
        assertEquals(1, node.core.registry().size());
    }

    @Test
    void connectionIsClosedWith4002WhenItsTokenExpires() {
        CoreHarness.Client client = node.connect();
        client.auth(node.contactToken(5, Duration.ofMinutes(10), 7L)).subscribe(7);
        Duration untilClose = Duration.ofMinutes(10).plus(TokenVerifier.CLOCK_SKEW);
        node.clock.advance(untilClose.minusSeconds(2)); // tokens carry whole seconds
        assertEquals(-1, client.closeCode(), "not before exp plus the allowed skew");
        node.clock.advance(Duration.ofSeconds(3));
        assertEquals(4002, client.closeCode());
        assertEquals(0, node.core.registry().size(), "a revoked contact stops receiving");
    }

    @Test
    void reauthenticatingWithAFreshTokenKeepsTheConnectionPastTheOldExpiry() {
        CoreHarness.Client client = node.connect();
        client.auth(node.contactToken(5, Duration.ofMinutes(10), 7L)).subscribe(7);
        node.clock.advance(Duration.ofMinutes(9));
        client.auth(node.contactToken(5, Duration.ofHours(1), 7L));
        node.clock.advance(Duration.ofMinutes(20));
        assertEquals(-1, client.closeCode());
        assertTrue(node.core.registry().isSubscribed(memberOf(), 7), "still subscribed");
    }

    @Test
    void aClientOverItsBurstIsToldOnceASecondAndServedAgainWhenTheBucketRefills() {
        CoreHarness limited = new CoreHarness(2, 3);
        CoreHarness.Client client = limited.agent(1);
        client.frames();
        for (int i = 0; i < 5; i++) {
            client.send("{\"type\":\"ping\"}");
        }
        List<String> events = client.events();
        assertEquals(List.of("pong", "pong", "error"), events, "the auth took one token of the burst of 3");
        limited.clock.advance(Duration.ofSeconds(1)); // two tokens back
        client.send("{\"type\":\"ping\"}").send("{\"type\":\"ping\"}").send("{\"type\":\"ping\"}");
        assertEquals(List.of("pong", "pong", "error"), client.events(), "told again a second later");
    }

    @Test
    void theThousandAndFirstSubscriptionIsForbiddenButARepeatIsNot() {
        CoreHarness generous = new CoreHarness(100_000, 100_000);
        CoreHarness.Client agent = generous.agent(1);
        for (long c = 1; c <= ClientSession.MAX_SUBSCRIPTIONS; c++) {
            agent.subscribe(c);
        }
        agent.frames();
        agent.subscribe(ClientSession.MAX_SUBSCRIPTIONS + 1);
        JsonNode refused = agent.await("error");
        assertEquals("forbidden", refused.path("data").path("code").asText());
        assertTrue(refused.path("data").path("message").asText().contains("subscription limit"), refused.toString());
        agent.subscribe(1);
        assertEquals(List.of("subscribed"), agent.events());
    }

    @Test
    void deliveryIsOnceOnlyAcrossRulesThroughTheDispatcher() {
        CoreHarness.Client agent = node.agent(1);
        agent.subscribe(7);
        CoreHarness.Client contact = node.contact(5, 7L);
        contact.subscribe(7);
        agent.frames();
        contact.frames();
        int written = agent.transport.writes().size();
        node.core.dispatcher().dispatch(new EventRecord(1, "new_message", new Target.ConversationAndStaff(7),
                "{\"text\":\"hi\"}", node.clock.now()));
        assertEquals(written, agent.transport.writes().size(), "dispatch only queued; the writer has not run");
        assertEquals(List.of("new_message"), agent.events(), "once, though subscribed and staff");
        assertEquals(List.of("new_message"), contact.events());
    }

    @Test
    void aDroppedConnectionLeavesRoutingAndEndsItsTyping() {
        CoreHarness.Client agent = node.agent(1);
        agent.subscribe(7);
        CoreHarness.Client contact = node.contact(5, 7L);
        contact.subscribe(7);
        agent.frames();
        contact.typing(7, true);
        contact.drop();
        List<Boolean> typing = agent.frames().stream().filter(f -> "typing".equals(f.path("event").asText()))
                .map(f -> f.path("data").path("is_typing").asBoolean()).collect(Collectors.toList());
        assertEquals(List.of(true, false), typing);
        assertEquals(1, node.core.registry().size());
        assertEquals(1, node.core.sessions().size());
    }

    @Test
    void aCloseRacingTheAuthNeverLeavesTheConnectionInRoutingOrPresence() throws Exception {
        for (int round = 0; round < 100; round++) {
            CoreHarness.Client client = node.connect();
            String token = node.agentToken(1000 + round);
            Thread auth = new Thread(() -> client.auth(token).subscribe(7));
            auth.start();
            client.drop();
            auth.join();
            assertEquals(0, node.core.registry().size(), "round " + round);
        }
        node.clock.advance(CoreHarness.PRESENCE_GRACE);
        assertEquals(List.of(), node.core.presence().snapshot());
        assertEquals(0, node.core.sessions().size());
    }

    @Test
    void aSilentConnectionIsClosedByTheHeartbeatAndAPongKeepsItOpen() {
        CoreHarness.Client quiet = node.agent(1);
        CoreHarness.Client lively = node.agent(2);
        node.clock.advance(CoreHarness.IDLE_TIMEOUT.minus(A_MOMENT));
        lively.session.onPong();
        node.clock.advance(Duration.ofMillis(2));
        node.core.heartbeat();
        assertEquals(1001, quiet.closeCode());
        assertEquals(-1, lively.closeCode());
        assertEquals(1, lively.transport.pings());
    }

    @Test
    void sendOnlyQueuesAndNoWriteHappensOnTheDispatchingThreadOrUnderATrackerLock() throws Exception {
        ExecutorService writerThreads = Executors.newFixedThreadPool(2, r -> new Thread(r, "writer"));
        try {
            CoreHarness threaded = new CoreHarness(20, 40, writerThreads);
            CoreHarness.Client agent = threaded.connect();
            agent.auth(threaded.agentToken(1)).subscribe(7);
            CoreHarness.Client other = threaded.connect();
            other.auth(threaded.agentToken(2)).subscribe(7).typing(7, true);
            Thread listener = new Thread(() -> threaded.core.dispatcher().dispatch(new EventRecord(1, "new_message",
                    new Target.ConversationAndStaff(7), "{}", java.time.Instant.EPOCH)), "switchboard-listener");
            listener.start();
            listener.join();
            other.drop();
            threaded.clock.advance(CoreHarness.PRESENCE_GRACE); // the offline broadcast, from the timer
            writerThreads.shutdown();
            assertTrue(writerThreads.awaitTermination(10, TimeUnit.SECONDS));

            List<RecordingTransport.Write> writes = agent.transport.writes();
            List<String> events = writes.stream().map(w -> w.frame().replaceAll(".*\"event\":\"([a-z_]+)\".*", "$1"))
                    .collect(Collectors.toList());
            assertTrue(events.containsAll(List.of("authenticated", "presence", "subscribed", "agent_status", "typing",
                    "new_message")), events.toString());
            for (RecordingTransport.Write write : writes) {
                assertEquals("writer", write.thread(), "written on a writer, not the caller: " + write);
                assertEquals(List.of(), write.locksHeld(), "no tracker lock held while writing: " + write);
            }
        } finally {
            writerThreads.shutdownNow();
        }
    }

    /** The agent's registry entry, found through the registry (members are private to the session). */
    private dev.switchboard.routing.Recipient memberOf() {
        return node.core.registry().all().iterator().next();
    }
}
