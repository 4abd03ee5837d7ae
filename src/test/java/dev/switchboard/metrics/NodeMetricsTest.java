package dev.switchboard.metrics;

import dev.switchboard.auth.TokenRejectedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The meters themselves, in memory: what each recording method counts, and the bounds on their series. */
class NodeMetricsTest {
    @Test
    void eventNamesBeyondTheFirstSixtyFourAreCountedAsOther() {
        NodeMetrics metrics = NodeMetrics.detached();
        for (int i = 0; i < NodeMetrics.MAX_EVENT_NAMES + 10; i++) {
            metrics.eventReceived("event_" + i, NodeMetrics.EventSource.DURABLE);
        }
        assertEquals(NodeMetrics.MAX_EVENT_NAMES + 1,
                metrics.registry().find("switchboard.events.received").counters().size(), "64 names and other");
        assertEquals(10, metrics.registry().get("switchboard.events.received").tag("event", "other").counter().count());
        assertEquals(NodeMetrics.MAX_EVENT_NAMES + 10, metrics.eventsReceivedTotal());
    }

    @Test
    void everyAuthFailureReasonExistsAtZeroAndCountsByItsTag() {
        NodeMetrics metrics = NodeMetrics.detached();
        assertEquals(0, metrics.registry().get("switchboard.auth.failures").tag("reason", "expired").counter().count());
        metrics.authFailed(TokenRejectedException.Reason.EXPIRED);
        metrics.authFailed(NodeMetrics.AuthFailure.USER_MISMATCH);
        assertEquals(1, metrics.registry().get("switchboard.auth.failures").tag("reason", "expired").counter().count());
        assertEquals(1, metrics.registry().get("switchboard.auth.failures").tag("reason", "user_mismatch").counter()
                .count());
        assertEquals(0, metrics.registry().get("switchboard.auth.failures").tag("reason", "bad_signature").counter()
                .count());
    }

    @Test
    void aNegativeDeliveryLagFromClockSkewIsRecordedAsZero() {
        NodeMetrics metrics = NodeMetrics.detached();
        metrics.delivered(Duration.ofMillis(-5));
        assertEquals(1, metrics.deliveryLag().count());
        assertEquals(0, metrics.deliveryLag().max(java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    @Test
    void aFanOutRecordsOneQueueDepthSampleTheDeepestOfItsRecipients() {
        NodeMetrics metrics = NodeMetrics.detached();
        metrics.fanOut(() -> {
            metrics.queued(1);
            metrics.queued(7);
            metrics.queued(2);
        });
        io.micrometer.core.instrument.DistributionSummary depths =
                metrics.registry().get("switchboard.send.queue.frames").summary();
        assertEquals(1, depths.count());
        assertEquals(7, depths.max());
    }

    @Test
    void aFrameQueuedOutsideAFanOutIsItsOwnSampleAndAFanOutWithoutRecipientsRecordsNone() {
        NodeMetrics metrics = NodeMetrics.detached();
        metrics.fanOut(() -> {
        });
        metrics.queued(3);
        metrics.queued(1);
        io.micrometer.core.instrument.DistributionSummary depths =
                metrics.registry().get("switchboard.send.queue.frames").summary();
        assertEquals(2, depths.count());
        assertEquals(4, depths.totalAmount());
    }

    @Test
    void aFanOutInsideAFanOutCountsTowardsTheOuterOne() {
        NodeMetrics metrics = NodeMetrics.detached();
        metrics.fanOut(() -> {
            metrics.queued(2);
            metrics.fanOut(() -> metrics.queued(5));
        });
        io.micrometer.core.instrument.DistributionSummary depths =
                metrics.registry().get("switchboard.send.queue.frames").summary();
        assertEquals(1, depths.count());
        assertEquals(5, depths.max());
    }
}
