package dev.switchboard.ws;

import dev.switchboard.notifier.EventRecord;
import dev.switchboard.routing.Target;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the realtime core counts, without a server, a database or real time: connections by role, auth failures,
 * rate limiting, frames sent and delivery lag, read back from the core's own (in-memory) meters.
 */
class CoreMetricsTest {
    private final CoreHarness node = new CoreHarness(2, 3);
    private final MeterRegistry meters = node.core.metrics().registry();

    @Test
    void connectionsAreCountedByRoleAndMoveFromUnauthenticatedOnAuth() {
        CoreHarness.Client client = node.connect();
        assertEquals(1, connections("unauthenticated"));
        client.auth(node.agentToken(1));
        assertEquals(0, connections("unauthenticated"));
        assertEquals(1, connections("agent"));
        client.drop();
        assertEquals(0, connections("agent"));
    }

    @Test
    void connectionCountsFollowEachConnectionThroughAuthAndCloseWithoutDrifting() {
        CoreHarness.Client unauthenticated = node.connect();
        CoreHarness.Client contact = node.connect();
        CoreHarness.Client agent = node.connect();
        contact.auth(node.contactToken(7, java.time.Duration.ofHours(1), 1L));
        agent.auth(node.agentToken(2));
        agent.auth(node.agentToken(2));
        assertEquals(1, connections("unauthenticated"));
        assertEquals(1, connections("contact"));
        assertEquals(1, connections("agent"), "a re-auth does not count the connection twice");
        unauthenticated.drop();
        contact.drop();
        agent.drop();
        assertEquals(0, connections("unauthenticated"));
        assertEquals(0, connections("contact"));
        assertEquals(0, connections("agent"));
        assertEquals(0, connections("admin"));
    }

    @Test
    void authFailuresAreCountedByReason() {
        node.connect().send("{\"type\":\"auth\"}");
        node.connect().auth("not-a-jwt");
        node.connect().send("{\"type\":\"auth\",\"token\":\"" + node.agentToken(1) + "\",\"user_id\":2}");
        node.connect();
        node.clock.advance(CoreHarness.AUTH_TIMEOUT.plusSeconds(1));
        assertEquals(1, authFailures("missing"));
        assertEquals(1, authFailures("malformed"));
        assertEquals(1, authFailures("user_mismatch"));
        assertEquals(1, authFailures("timeout"), "only the silent connection timed out: the others were refused");
    }

    @Test
    void messagesBeyondTheBurstAreCountedAsRateLimited() {
        CoreHarness.Client client = node.agent(1);
        for (int i = 0; i < 5; i++) {
            client.send("{\"type\":\"ping\"}");
        }
        assertEquals(3, meters.get("switchboard.rate.limited").counter().count(),
                "a burst of 3: the auth and two pings, then every message is dropped");
    }

    @Test
    void aDispatchedEventCountsItsFramesAndItsLagFromCreatedAt() {
        CoreHarness.Client agent = node.agent(1);
        agent.frames();
        double sentBefore = meters.get("switchboard.frames.sent").counter().count();
        node.core.dispatcher().dispatch(new EventRecord(1, "new_message", Target.STAFF, "{}",
                node.clock.now().minus(Duration.ofMillis(40))));
        agent.frames();
        assertEquals(sentBefore + 1, meters.get("switchboard.frames.sent").counter().count());
        assertEquals(1, meters.get("switchboard.events.received").tag("source", "durable").counter().count());
        assertEquals(40, meters.get("switchboard.delivery.lag").timer().max(TimeUnit.MILLISECONDS), 0.001);
    }

    private double connections(String role) {
        return meters.get("switchboard.connections").tag("role", role).gauge().value();
    }

    private double authFailures(String reason) {
        return meters.get("switchboard.auth.failures").tag("reason", reason).counter().count();
    }
}
