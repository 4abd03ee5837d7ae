package dev.switchboard.config;

import dev.switchboard.notifier.Sequencer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who this node is among the nodes sharing one database.
 *
 * @param id             this node's name in a cluster, in logs, health and connection ids
 * @param clusterRenew   how often the node renews its lease and rereads the other nodes' presence
 * @param clusterLease   how long a node that stopped renewing counts as alive for the others; its agents go
 *                       offline elsewhere once it lapsed
 * @param sequencerSpacing while events flow, the longest gap between two batches when this node is the sequencer:
 *                       the delivery latency traded against the database's WAL flushes
 */
public record NodeConfig(String id, Duration clusterRenew, Duration clusterLease, Duration sequencerSpacing) {
    static final Setting NODE_ID = Setting.computed("NODE_ID", "(host name + random suffix)",
            "this node's name in logs, health and connection ids: 1-64 letters, digits, '.', '_' or '-'");
    static final Setting CLUSTER_RENEW = Setting.of("CLUSTER_RENEW", "2s",
            "how often a node renews its lease and rereads the other nodes' presence");
    static final Setting CLUSTER_LEASE = Setting.of("CLUSTER_LEASE", "6s",
            "a node that has not renewed for this long counts as dead: its agents go offline on the others;"
                    + " at least twice CLUSTER_RENEW");

    static final Setting SEQUENCER_BATCH_SPACING = Setting.of("SEQUENCER_BATCH_SPACING",
            Sequencer.DEFAULT_BATCH_SPACING.toMillis() + "ms",
            "while events flow, the longest gap between two of the sequencer's batches: lower delivers sooner and"
                    + " costs the database more WAL flushes (README: the notifier)");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(NODE_ID, CLUSTER_RENEW, CLUSTER_LEASE,
            SEQUENCER_BATCH_SPACING);

    /** A node with the default cluster timing. */
    public NodeConfig(String id) {
        this(id, Duration.ofSeconds(2), Duration.ofSeconds(6), Sequencer.DEFAULT_BATCH_SPACING);
    }

    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    static NodeConfig from(EnvReader r) {
        String id = r.string(NODE_ID, defaultId());
        if (!VALID_ID.matcher(id).matches()) {
            r.problem(NODE_ID, "must be 1-64 letters, digits, '.', '_' or '-', got '" + id + "'");
        }
        Duration renew = r.duration(CLUSTER_RENEW, Duration.ofMillis(100), Duration.ofMinutes(1));
        Duration lease = r.duration(CLUSTER_LEASE, Duration.ofMillis(200), Duration.ofMinutes(5));
        if (lease.compareTo(renew.multipliedBy(2)) < 0) {
            r.problem(CLUSTER_LEASE, "must be at least twice CLUSTER_RENEW (" + renew.toMillis() + " ms), or a"
                    + " live node would be dropped by one late renewal");
        }
        Duration spacing = r.duration(SEQUENCER_BATCH_SPACING, Duration.ofMillis(1), Duration.ofSeconds(1));
        return new NodeConfig(id, renew, lease, spacing);
    }

    private static String defaultId() {
        String hostName;
        try {
            hostName = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "");
        } catch (UnknownHostException e) {
            hostName = "node";
        }
        if (hostName.isEmpty() || hostName.length() > 50) {
            hostName = "node";
        }
        // A random suffix keeps two processes on one host apart when the operator sets no NODE_ID.
        return hostName + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
