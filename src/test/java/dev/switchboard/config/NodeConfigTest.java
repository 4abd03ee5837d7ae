package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cluster timing a node reads, and the combinations it refuses. */
class NodeConfigTest {
    @Test
    void leasesAreRenewedEveryTwoSecondsAndLapseAfterSixByDefault() {
        NodeConfig node = Config.fromEnvironment(Map.of()).node();
        assertEquals(Duration.ofSeconds(2), node.clusterRenew());
        assertEquals(Duration.ofSeconds(6), node.clusterLease());
    }

    @Test
    void bothAreSettable() {
        NodeConfig node = Config.fromEnvironment(ConfigTest.env("CLUSTER_RENEW", "500ms", "CLUSTER_LEASE", "3s"))
                .node();
        assertEquals(Duration.ofMillis(500), node.clusterRenew());
        assertEquals(Duration.ofSeconds(3), node.clusterLease());
    }

    @Test
    void aLeaseShorterThanTwoRenewalsIsRefused() {
        ConfigTest.assertSingleProblem("CLUSTER_LEASE", ConfigTest.env("CLUSTER_RENEW", "2s", "CLUSTER_LEASE", "3s"));
    }

    @Test
    void sequencerBatchesAreAtMostFiveMillisecondsApartUnlessSet() {
        assertEquals(Duration.ofMillis(5), Config.fromEnvironment(Map.of()).node().sequencerSpacing());
        assertEquals(Duration.ofMillis(2),
                Config.fromEnvironment(ConfigTest.env("SEQUENCER_BATCH_SPACING", "2ms")).node().sequencerSpacing());
    }

    @Test
    void aBatchSpacingOutsideOneMillisecondToOneSecondIsRefused() {
        ConfigTest.assertSingleProblem("SEQUENCER_BATCH_SPACING", ConfigTest.env("SEQUENCER_BATCH_SPACING", "0ms"));
        ConfigTest.assertSingleProblem("SEQUENCER_BATCH_SPACING", ConfigTest.env("SEQUENCER_BATCH_SPACING", "2s"));
    }
}
