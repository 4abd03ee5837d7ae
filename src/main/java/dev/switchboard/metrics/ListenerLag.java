package dev.switchboard.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.LongSupplier;

/**
 * How far the node's listener is behind the events table, sampled with one indexed query on the maintenance
 * thread (never on a Grizzly thread; {@code GET /metrics} reads the last sample).
 */
public final class ListenerLag {
    private static final Logger log = LoggerFactory.getLogger(ListenerLag.class);
    private static final String QUERY = "SELECT coalesce(max(id), 0), count(*) FROM realtime.events WHERE id > ?";

    private final DataSource dataSource;
    private final LongSupplier lastDispatched;
    private volatile long lagEvents;
    private volatile long backlog;

    /**
     * @param lastDispatched the id of the last event the listener dispatched
     */
    public ListenerLag(DataSource dataSource, LongSupplier lastDispatched, NodeMetrics metrics) {
        this.dataSource = dataSource;
        this.lastDispatched = lastDispatched;
        metrics.gauge("switchboard.listener.lag.events",
                "Highest event id in the table minus the last one this node dispatched", this, l -> l.lagEvents);
        metrics.gauge("switchboard.listener.backlog",
                "Committed events this node has not dispatched yet", this, l -> l.backlog);
    }

    /** Runs the query; keeps the previous sample when the database is unreachable (health reports that). */
    public void sample() {
        long last = lastDispatched.getAsLong();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(QUERY)) {
            statement.setLong(1, last);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                long max = rs.getLong(1);
                lagEvents = max == 0 ? 0 : Math.max(0, max - last);
                backlog = rs.getLong(2);
            }
        } catch (SQLException e) {
            log.debug("Could not sample the listener's lag: {}", e.getMessage());
        }
    }

    /** The last sample of {@code max(id) - last dispatched}. */
    public long lagEvents() {
        return lagEvents;
    }
}
