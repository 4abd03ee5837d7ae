package dev.switchboard.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.http.BuildVersion;
import dev.switchboard.http.HealthProbe;
import dev.switchboard.ws.AdminFeed;
import dev.switchboard.ws.OpenSessions;
import dev.switchboard.ws.RealtimeCore;
import dev.switchboard.routing.ConversationRegistry;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Feeds the operations stream: every {@link #TICK} on the maintenance thread it takes this node's numbers from
 * its meters, shares them with the other nodes through {@code realtime.nodes}, reads theirs back (nodes silent
 * for {@link #SILENT_AFTER} are left out), and publishes to the admin connections:
 * <ul>
 *   <li>{@code metrics} every tick: this node's snapshot and every live node's;</li>
 *   <li>{@code status} every {@link #STATUS_EVERY} ticks: overall status, uptime, version, cluster size;</li>
 *   <li>{@code health} whenever this node's checks change.</li>
 * </ul>
 * Rates and latency percentiles cover the time since the previous tick, so they are what happens now, not an
 * average since start. JDBC runs here only, never on a Grizzly thread.
 */
public final class ClusterStats {
    private static final Logger log = LoggerFactory.getLogger(ClusterStats.class);
    /** How often the snapshot is taken and shared. */
    public static final Duration TICK = Duration.ofSeconds(2);
    /** A node not heard from for this long is dropped from the cluster view. */
    public static final Duration SILENT_AFTER = Duration.ofSeconds(10);
    /** {@code status} goes out every this many ticks (10 s). */
    static final int STATUS_EVERY = 5;

    private static final String UPSERT = "INSERT INTO realtime.nodes (node_id, stats, updated_at)"
            + " VALUES (?, ?::jsonb, now()) ON CONFLICT (node_id) DO UPDATE SET stats = excluded.stats,"
            + " updated_at = excluded.updated_at";
    private static final String LIVE_NODES = "SELECT stats::text FROM realtime.nodes"
            + " WHERE updated_at > now() - make_interval(secs => ?) ORDER BY node_id";
    private static final String FORGET = "DELETE FROM realtime.nodes WHERE updated_at < now() - interval '1 day'";

    private final String nodeId;
    private final DataSource dataSource;
    private final NodeMetrics metrics;
    private final OpenSessions sessions;
    private final ConversationRegistry registry;
    private final ListenerLag listenerLag;
    private final HealthProbe probe;
    private final AdminFeed feed;
    private final ObjectMapper mapper;
    private final Instant startedAt;

    private long ticks;
    private long lastNanos = System.nanoTime();
    private double lastEventsIn;
    private double lastFramesOut;
    private CountAtBucket[] lastBuckets = new CountAtBucket[0];
    private String lastHealth;

    public ClusterStats(String nodeId, DataSource dataSource, RealtimeCore core, ListenerLag listenerLag,
                        HealthProbe probe, ObjectMapper mapper, Instant startedAt) {
        this.nodeId = nodeId;
        this.dataSource = dataSource;
        this.metrics = core.metrics();
        this.sessions = core.sessions();
        this.registry = core.registry();
        this.listenerLag = listenerLag;
        this.probe = probe;
        this.feed = core.adminFeed();
        this.mapper = mapper;
        this.startedAt = startedAt;
        this.lastEventsIn = metrics.eventsReceivedTotal();
        this.lastFramesOut = metrics.framesSentTotal();
    }

    /** One tick; scheduled every {@link #TICK} on the maintenance thread. Never throws. */
    public void tick() {
        try {
            ObjectNode self = snapshot();
            ArrayNode nodes = share(self);
            Instant now = Instant.now();
            ObjectNode metricsData = mapper.createObjectNode();
            metricsData.put("timestamp", now.toString());
            metricsData.set("node", self);
            metricsData.set("nodes", nodes);
            feed.publish("metrics", frame("metrics", metricsData));
            publishHealthOnChange(now);
            if (ticks++ % STATUS_EVERY == 0) {
                feed.publish("status", frame("status", status(now, nodes)));
            }
        } catch (RuntimeException e) {
            log.warn("Could not publish the operations stream: {}", e.toString());
        }
    }

    /** This node's numbers now, rates and percentiles over the time since the previous tick. */
    ObjectNode snapshot() {
        long nanos = System.nanoTime();
        double seconds = Math.max(1e-3, (nanos - lastNanos) / 1e9);
        lastNanos = nanos;
        double eventsIn = metrics.eventsReceivedTotal();
        double framesOut = metrics.framesSentTotal();
        ObjectNode node = mapper.createObjectNode();
        node.put("node_id", nodeId);
        node.put("version", BuildVersion.current());
        node.put("uptime_seconds", Duration.between(startedAt, Instant.now()).toSeconds());
        ObjectNode connections = node.putObject("connections");
        int total = 0;
        for (String role : RealtimeCore.CONNECTION_ROLES) {
            int count = sessions.countByRole(role);
            connections.put(role, count);
            total += count;
        }
        node.put("connections_total", total);
        node.put("subscriptions", registry.subscriptionCount());
        node.put("events_in_per_second", round(Math.max(0, eventsIn - lastEventsIn) / seconds));
        node.put("frames_out_per_second", round(Math.max(0, framesOut - lastFramesOut) / seconds));
        lastEventsIn = eventsIn;
        lastFramesOut = framesOut;
        CountAtBucket[] buckets = metrics.deliveryLag().takeSnapshot().histogramCounts();
        putPercentile(node, "delivery_p50_ms", buckets, 0.50);
        putPercentile(node, "delivery_p99_ms", buckets, 0.99);
        lastBuckets = buckets;
        node.put("listener_lag_events", listenerLag.lagEvents());
        node.put("slow_consumers_closed", (long) metrics.slowConsumersClosedTotal());
        node.put("healthy", probe.healthy());
        node.put("ready", probe.ready());
        return node;
    }

    /**
     * The upper bound (ms) of the histogram bucket holding quantile {@code q} of the deliveries since the last
     * tick; the field is left out when there were none, so the page shows "no deliveries", never a made-up zero.
     */
    private void putPercentile(ObjectNode node, String field, CountAtBucket[] now, double q) {
        boolean comparable = lastBuckets.length == now.length;
        double total = now.length == 0 ? 0 : delta(now, now.length - 1, comparable);
        // The last bucket is not +Inf; what exceeded it counts from the timer's count instead.
        double all = Math.max(total, 0);
        if (all <= 0) {
            return;
        }
        double rank = q * all;
        for (int i = 0; i < now.length; i++) {
            if (delta(now, i, comparable) >= rank) {
                node.put(field, round(now[i].bucket(TimeUnit.MILLISECONDS)));
                return;
            }
        }
    }

    private double delta(CountAtBucket[] now, int i, boolean comparable) {
        double before = comparable ? lastBuckets[i].count() : 0;
        double d = now[i].count() - before;
        return d < 0 ? now[i].count() : d;
    }

    /** Writes this node's snapshot and returns every live node's (this one's alone when the database is down). */
    private ArrayNode share(ObjectNode self) {
        ArrayNode nodes = mapper.createArrayNode();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
                upsert.setString(1, nodeId);
                upsert.setString(2, self.toString());
                upsert.executeUpdate();
            }
            try (PreparedStatement live = connection.prepareStatement(LIVE_NODES)) {
                live.setLong(1, SILENT_AFTER.toSeconds());
                try (ResultSet rs = live.executeQuery()) {
                    while (rs.next()) {
                        nodes.add(mapper.readTree(rs.getString(1)));
                    }
                }
            }
            if (ticks % 1800 == 0) {
                try (PreparedStatement forget = connection.prepareStatement(FORGET)) {
                    forget.executeUpdate();
                }
            }
        } catch (SQLException | java.io.IOException e) {
            log.debug("Could not share node stats: {}", e.getMessage());
            nodes.removeAll();
            nodes.add(self);
        }
        return nodes;
    }

    private void publishHealthOnChange(Instant now) {
        ObjectNode checks = mapper.createObjectNode();
        checks.put("database", probe.databaseUp() ? "healthy" : "unhealthy");
        checks.put("listener", probe.listenerUp() ? "healthy" : "unhealthy");
        checks.put("draining", probe.draining());
        String key = checks.toString();
        if (key.equals(lastHealth)) {
            return;
        }
        lastHealth = key;
        ObjectNode data = mapper.createObjectNode();
        data.put("healthy", probe.healthy());
        data.put("timestamp", now.toString());
        data.put("node_id", nodeId);
        data.set("checks", checks);
        feed.publish("health", frame("health", data));
    }

    private ObjectNode status(Instant now, ArrayNode nodes) {
        boolean allHealthy = true;
        boolean anyHealthy = false;
        for (JsonNode n : nodes) {
            boolean healthy = n.path("healthy").asBoolean();
            allHealthy &= healthy;
            anyHealthy |= healthy;
        }
        ObjectNode data = mapper.createObjectNode();
        data.put("status", allHealthy ? "healthy" : anyHealthy ? "degraded" : "unhealthy");
        data.put("timestamp", now.toString());
        long uptime = Duration.between(startedAt, now).toSeconds();
        data.put("uptime", uptime / 3600 + "h" + (uptime % 3600) / 60 + "m");
        data.put("uptime_seconds", uptime);
        data.put("version", BuildVersion.current());
        data.put("cluster_size", nodes.size());
        data.put("node_id", nodeId);
        return data;
    }

    private String frame(String event, ObjectNode data) {
        ObjectNode frame = mapper.createObjectNode();
        frame.put("event", event);
        frame.set("data", data);
        return frame.toString();
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
