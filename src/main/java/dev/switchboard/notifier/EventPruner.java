package dev.switchboard.notifier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Deletes delivered events older than the retention period, in small batches so it never holds long locks on a
 * table the web app writes to. Several nodes may prune at once; deleting is idempotent.
 */
public final class EventPruner {
    private static final Logger log = LoggerFactory.getLogger(EventPruner.class);
    private static final int BATCH = 5000;
    /**
     * One batch, and in the same statement the highest id it deleted into {@code realtime.history.pruned_through}:
     * a resume from an id below it would miss events, so the node answers it with a resync instead.
     */
    static final String DELETE_BATCH = "WITH gone AS (DELETE FROM realtime.events WHERE event_key IN ("
            + "SELECT event_key FROM realtime.events"
            + " WHERE created_at < now() - make_interval(secs => ?) AND id IS NOT NULL"
            + " ORDER BY event_key LIMIT " + BATCH + ") RETURNING id),"
            + " horizon AS (UPDATE realtime.history SET pruned_through = greatest(pruned_through, g.top)"
            + " FROM (SELECT max(id) AS top FROM gone) g WHERE g.top IS NOT NULL RETURNING 1)"
            + " SELECT count(*) FROM gone";

    private final DataSource dataSource;
    private final Duration retention;

    public EventPruner(DataSource dataSource, Duration retention) {
        this.dataSource = dataSource;
        this.retention = retention;
    }

    /**
     * Deletes one round of expired events.
     *
     * @return rows deleted
     */
    public long prune() {
        long total = 0;
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement(DELETE_BATCH)) {
            connection.setAutoCommit(true);
            delete.setDouble(1, retention.toMillis() / 1000.0);
            int deleted;
            do {
                try (ResultSet rs = delete.executeQuery()) {
                    rs.next();
                    deleted = rs.getInt(1);
                }
                total += deleted;
            } while (deleted == BATCH);
        } catch (SQLException e) {
            log.warn("Pruning old events failed: {}", e.getMessage());
        }
        if (total > 0) {
            log.info("Pruned {} events older than {}", total, retention);
        }
        return total;
    }
}
