package dev.switchboard.pusher.http;

import dev.switchboard.pusher.PusherApp;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes accepted events to the event table through {@code realtime.broadcast}, all of one request in one short
 * transaction: the listener of every node delivers them once it commits, and each gets an id. Blocking: never
 * call it on a Grizzly thread.
 */
final class BroadcastWriter {
    /** The data is stored as a JSON string so it is delivered exactly as sent, whatever it contains. */
    private static final String BROADCAST = "SELECT realtime.broadcast(?, ?, to_jsonb(?::text), ?, ?)";

    private static final String TERMINATE = "SELECT realtime.terminate_user_connections(?, ?)";

    private final DataSource dataSource;

    BroadcastWriter(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Stores the events for {@code app} and commits.
     *
     * @return their event keys, in order
     * @throws SQLException as the database raised it; nothing is stored then
     */
    /**
     * Stores the termination of a user's connections, which every node carries out once it commits.
     *
     * @throws SQLException as the database raised it (a user id that cannot name a channel, among others)
     */
    void terminate(PusherApp app, String userId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(TERMINATE)) {
            c.setAutoCommit(true);
            s.setString(1, userId);
            s.setString(2, app.id());
            s.execute();
        }
    }

    List<Long> write(PusherApp app, List<Broadcast> events) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(BROADCAST)) {
                List<Long> keys = new ArrayList<>(events.size());
                for (Broadcast event : events) {
                    Array channels = c.createArrayOf("text", event.channels().toArray());
                    s.setArray(1, channels);
                    s.setString(2, event.name());
                    s.setString(3, event.data());
                    s.setString(4, event.exceptSocketId().orElse(null));
                    s.setString(5, app.id());
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        keys.add(rs.getLong(1));
                    }
                    channels.free();
                }
                c.commit();
                return keys;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }
}
