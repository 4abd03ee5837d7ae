package dev.switchboard.notifier;

import dev.switchboard.logging.EventLog;
import dev.switchboard.routing.Target;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The node's one LISTEN connection and the thread that reads committed events.
 *
 * <p>NOTIFY is only the doorbell: on each ring (and once a second regardless) the thread reads
 * {@code realtime.events WHERE id > last} in id order and dispatches each row. Because ids are assigned in commit
 * order, that query never skips a late-committing event, and a lost connection loses nothing: after reconnecting
 * the thread reads on from the last id it dispatched.
 *
 * <p>JDBC runs only on this thread, never on Grizzly's.
 */
public final class EventListener implements AutoCloseable {
    static final String DURABLE_CHANNEL = "realtime_events";
    static final String EPHEMERAL_CHANNEL = "realtime_ephemeral";
    private static final int BATCH = 500;
    /** The columns {@link #read} parses, in its order. */
    public static final String COLUMNS = "id, event, audience, conversation_id, user_id, data::text, created_at,"
            + " channels, except_socket_id, app_id";
    /** Reads the events after an id, in commit order; {@link #read} parses its rows. */
    static final String FETCH = "SELECT " + COLUMNS + " FROM realtime.events WHERE id > ? ORDER BY id LIMIT " + BATCH;
    private static final long POLL_MILLIS = 250;
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long STALE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger log = LoggerFactory.getLogger(EventListener.class);
    private static final EventLog events = EventLog.of(EventListener.class);

    /** Opens a fresh connection; the listener owns and closes it. */
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /**
     * One more channel this connection listens to, and who takes its payloads (on this thread, so quickly).
     *
     * @param name     a channel name, a plain SQL identifier
     * @param payloads receives each notification's payload, in arrival order
     */
    public record Channel(String name, Consumer<String> payloads) {
        public Channel {
            if (!name.matches("[a-z_][a-z0-9_]*")) {
                throw new IllegalArgumentException("not a plain channel name: " + name);
            }
        }
    }

    private final ConnectionFactory connections;
    private final EventDispatcher dispatcher;
    /** The cluster channel; {@code null} for a node that listens to events only. */
    private final Channel extra;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean healthy;
    /** When the events table was last read successfully: a listener that stopped reading is not healthy. */
    private volatile long lastReadNanos = System.nanoTime();
    private volatile long lastId = -1;
    /** Handed from {@link #start} to the thread, which owns it from then on. */
    private volatile Connection firstConnection;

    public EventListener(ConnectionFactory connections, EventDispatcher dispatcher) {
        this(connections, dispatcher, null);
    }

    /**
     * A listener that also hears {@code extra} on the same connection, so a node still holds one LISTEN
     * connection.
     */
    public EventListener(ConnectionFactory connections, EventDispatcher dispatcher, Channel extra) {
        this.connections = connections;
        this.dispatcher = dispatcher;
        this.extra = extra;
        this.thread = new Thread(this::run, "switchboard-listener");
        this.thread.setDaemon(true);
    }

    /**
     * Starts listening and returns once the LISTEN is in place, so an event committed after this returns is
     * guaranteed to be delivered.
     *
     * @throws SQLException when the first connection fails
     */
    public void start() throws SQLException {
        Connection first = connections.open();
        try {
            listen(first);
            lastId = currentMaxId(first);
        } catch (SQLException e) {
            closeQuietly(first);
            throw e;
        }
        healthy = true;
        log.info("Listening for events after id {}", lastId);
        firstConnection = first;
        thread.start();
    }

    /** Whether the LISTEN connection is up and the table was read within the last few sweeps. */
    public boolean healthy() {
        return healthy && System.nanoTime() - lastReadNanos < STALE_NANOS;
    }

    /** The id of the last event dispatched. */
    public long lastId() {
        return lastId;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long backoff = 100;
        long lostAt = 0;
        boolean lost = false;
        Connection connection = firstConnection;
        firstConnection = null;
        while (running) {
            try {
                if (connection == null) {
                    connection = connections.open();
                    listen(connection);
                    events.info("listener_restored", "after_id", lastId,
                            "down_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostAt));
                    lost = false;
                }
                healthy = true;
                backoff = 100;
                serve(connection);
            } catch (SQLException | RuntimeException | Error e) {
                if (!running) {
                    break;
                }
                healthy = false;
                boolean firstFailure = !lost;
                if (firstFailure) {
                    lostAt = System.nanoTime();
                    lost = true;
                }
                if (e instanceof SQLException) {
                    if (firstFailure) {
                        // Once per outage; the retries while it lasts are DEBUG, and listener_restored ends it.
                        events.warn("listener_lost", "error", e.getMessage(), "after_id", lastId,
                                "retry_ms", backoff);
                    } else {
                        log.debug("LISTEN connection still failing ({}); retrying in {} ms", e.getMessage(), backoff);
                    }
                } else {
                    // Whatever it was, this thread is the node's only reader of events: never let it die.
                    log.error("Event reader failed; reconnecting in {} ms", backoff, e);
                }
                closeQuietly(connection);
                connection = null;
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
        }
        healthy = false;
        closeQuietly(connection);
    }

    private void serve(Connection connection) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        try (PreparedStatement fetch = connection.prepareStatement(FETCH)) {
            catchUp(fetch);
            long lastSweep = System.nanoTime();
            while (running) {
                PGNotification[] notifications = pg.getNotifications((int) POLL_MILLIS);
                boolean caughtUp = false;
                if (notifications != null) {
                    // In arrival order, so a transient event committed after a durable one is sent after it.
                    for (PGNotification n : notifications) {
                        if (EPHEMERAL_CHANNEL.equals(n.getName())) {
                            dispatcher.dispatchEphemeral(n.getParameter());
                            caughtUp = false;
                        } else if (extra != null && extra.name().equals(n.getName())) {
                            hand(n.getParameter());
                        } else if (!caughtUp) {
                            catchUp(fetch);
                            caughtUp = true;
                            lastSweep = System.nanoTime();
                        }
                    }
                }
                // The sweep also proves the connection alive; a dead one throws here and is replaced.
                long now = System.nanoTime();
                if (now - lastSweep >= SWEEP_NANOS) {
                    catchUp(fetch);
                    lastSweep = now;
                }
            }
        }
    }

    private void hand(String payload) {
        try {
            extra.payloads().accept(payload);
        } catch (RuntimeException e) {
            // One notification that cannot be handled must not cost the node its LISTEN connection.
            log.error("Notification on {} could not be handled", extra.name(), e);
        }
    }

    private void catchUp(PreparedStatement fetch) throws SQLException {
        while (true) {
            fetch.setLong(1, lastId);
            int rows = 0;
            try (ResultSet rs = fetch.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    long id = rs.getLong(1);
                    try {
                        EventRecord event = read(rs);
                        try {
                            dispatcher.dispatch(event);
                        } catch (RuntimeException e) {
                            // One event that cannot be routed must not stall every later one.
                            log.error("Event {} ({}) could not be dispatched and was skipped", id, event.event(), e);
                        }
                    } catch (SQLException | RuntimeException e) {
                        // Nor one row that cannot be read: without this the reader would retry it forever.
                        log.error("Event {} could not be read and was skipped", id, e);
                    }
                    lastId = id;
                }
            }
            lastReadNanos = System.nanoTime();
            if (rows < BATCH) {
                return;
            }
        }
    }

    /**
     * The event in the current row of {@link #FETCH}'s result.
     *
     * @throws IllegalArgumentException when the audience is unknown or lacks the id it needs
     */
    public static EventRecord read(ResultSet rs) throws SQLException {
        return new EventRecord(rs.getLong(1), rs.getString(2),
                Target.fromAudience(rs.getString(3), nullableLong(rs, 4), nullableLong(rs, 5), textList(rs, 8),
                        rs.getString(9), rs.getString(10)),
                rs.getString(6), rs.getTimestamp(7).toInstant());
    }

    private static List<String> textList(ResultSet rs, int column) throws SQLException {
        Array array = rs.getArray(column);
        if (array == null) {
            return null;
        }
        try {
            return Arrays.asList((String[]) array.getArray());
        } finally {
            array.free();
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private void listen(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN " + DURABLE_CHANNEL);
            statement.execute("LISTEN " + EPHEMERAL_CHANNEL);
            if (extra != null) {
                statement.execute("LISTEN " + extra.name());
            }
        }
    }

    private static long currentMaxId(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT coalesce(max(id), 0) FROM realtime.events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }
}
