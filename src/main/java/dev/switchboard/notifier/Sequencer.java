package dev.switchboard.notifier;

import dev.switchboard.logging.EventLog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Numbers committed events, on one node of the cluster at a time, so that the app's transactions never wait for
 * each other to push events.
 *
 * <p>The app's {@code realtime.notify_*} calls only insert rows. Every node runs a {@code Sequencer} on one
 * dedicated connection; the one whose session holds the advisory lock leads and calls
 * {@code realtime.sequence_events()}: one short transaction that gives every row committed since its last batch
 * the next ids (in commit order), commits, and NOTIFYs the nodes' listeners. Batches run strictly one after
 * another on that one session, so a reader that sees id N can already see every id below N.
 *
 * <p>How often it looks is the delivery latency it adds, and what the database pays for it: every
 * {@link #POLL_INTERVAL} while events flow (an idle look is three index probes and writes nothing), every
 * {@link #IDLE_INTERVAL} once none has come for {@link #IDLE_AFTER} (so an idle cluster costs the database
 * a few dozen cheap queries a second, and the first event after a quiet spell waits up to one idle interval). A batch
 * that found work ends in a COMMIT, a WAL flush that the app's own commits may queue behind; so the next batch
 * starts no sooner than {@link #BUSY_SHARE_FACTOR} times the last one took (the sequencer flushes at most a
 * fraction of the time, and a slow flush lets each batch gather more app commits), and no later than the batch
 * spacing after it ({@link #DEFAULT_BATCH_SPACING} unless the operator sets {@code SEQUENCER_BATCH_SPACING}), so a
 * slow database does not add its slowness twice to delivery. That cap is the trade an operator may move: a shorter
 * one delivers sooner when batches are slow, and puts more of the sequencer's WAL flushes between the app's commits.
 *
 * <p>The others retry the lock every {@link #ELECTION_INTERVAL}. A leader that dies loses its session and
 * with it the lock (at once for a crash or a killed backend; after the TCP keepalive, about 15 s, for a vanished
 * host), and a half-done batch rolls back, so its rows are simply numbered by the next leader: no id is given twice,
 * none is skipped.
 *
 * <p>JDBC runs only on this class's own thread.
 */
public final class Sequencer implements AutoCloseable {
    /** Which session sequences: a key of its own, unrelated to any lock the app or Flyway takes. */
    static final long LEADER_LOCK = 7317746235123830062L;
    /** How often the leader looks for committed rows while events flow: the main latency it adds. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(1);
    /** How often it looks once none has come for {@link #IDLE_AFTER}. */
    static final Duration IDLE_INTERVAL = Duration.ofMillis(10);
    /** How long without events before the leader polls at the idle interval. */
    static final Duration IDLE_AFTER = Duration.ofSeconds(1);
    /** How often a standby tries to take over: the bound on a failover after the leader's session ends. */
    static final Duration ELECTION_INTERVAL = Duration.ofMillis(500);
    private static final long MAX_BACKOFF_MILLIS = 5000;
    /** A batch that took t starts the next no sooner than this many t after its own start. */
    static final long BUSY_SHARE_FACTOR = 4;
    /** ...and no later than this after it (unless it took longer itself), unless the operator sets another. */
    public static final Duration DEFAULT_BATCH_SPACING = Duration.ofMillis(5);

    private static final EventLog events = EventLog.of(Sequencer.class);

    /** Opens a fresh connection; the sequencer owns and closes it. */
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    private final ConnectionFactory connections;
    private final long spacingNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean leading;

    private Sequencer(ConnectionFactory connections, Duration batchSpacing) {
        this.connections = connections;
        this.spacingNanos = Math.max(POLL_INTERVAL.toNanos(), batchSpacing.toNanos());
        this.thread = new Thread(this::run, "switchboard-sequencer");
        this.thread.setDaemon(true);
    }

    /** Starts a sequencer with the default timing; it leads when no other node does. */
    public static Sequencer start(ConnectionFactory connections) {
        return start(connections, DEFAULT_BATCH_SPACING);
    }

    /**
     * Starts a sequencer with the default polling and election intervals; while events flow, its batches are at
     * most {@code batchSpacing} apart (see the class comment).
     */
    public static Sequencer start(ConnectionFactory connections, Duration batchSpacing) {
        Sequencer sequencer = new Sequencer(connections, batchSpacing);
        sequencer.thread.start();
        return sequencer;
    }

    /** Whether this node's session holds the leader lock right now (as far as it last knew). */
    public boolean leading() {
        return leading;
    }

    /** Stops; closing the session hands the lead to another node's sequencer within its election interval. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long backoff = 100;
        Connection connection = null;
        while (running) {
            try {
                if (connection == null) {
                    connection = connections.open();
                    connection.setAutoCommit(true);
                }
                if (!leading) {
                    leading = tryLead(connection);
                    if (!leading) {
                        pause(ELECTION_INTERVAL.toNanos());
                        continue;
                    }
                    events.info("sequencer_leading");
                }
                backoff = 100;
                lead(connection);
            } catch (SQLException | RuntimeException | Error e) {
                if (!running) {
                    break;
                }
                if (leading) {
                    // Another node takes over, or this one retries after the backoff.
                    events.warn("sequencer_lost", "error", e.getMessage(), "retry_ms", backoff);
                } else {
                    events.warnThrottled("sequencer_unreachable", "database", "error", e.getMessage(),
                            "retry_ms", backoff);
                }
                leading = false;
                closeQuietly(connection);
                connection = null;
                pause(TimeUnit.MILLISECONDS.toNanos(backoff));
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
        leading = false;
        // Closing the session releases the lead at once.
        closeQuietly(connection);
    }

    private void lead(Connection connection) throws SQLException {
        long idleAfterNanos = IDLE_AFTER.toNanos();
        long lastWork = System.nanoTime();
        try (PreparedStatement batch = connection.prepareStatement("SELECT realtime.sequence_events()")) {
            while (running) {
                long started = System.nanoTime();
                int sent;
                try (ResultSet rs = batch.executeQuery()) {
                    rs.next();
                    sent = rs.getInt(1);
                }
                long took = System.nanoTime() - started;
                pause(nextBatchAfter(sent > 0, took, started - lastWork >= idleAfterNanos, spacingNanos) - took);
                if (sent > 0) {
                    lastWork = started;
                }
            }
        }
    }

    /** How long after a batch's start the next one starts, in nanoseconds; see the class comment. */
    static long nextBatchAfter(boolean foundWork, long took, boolean idle, long spacingNanos) {
        long pollNanos = POLL_INTERVAL.toNanos();
        if (foundWork) {
            return Math.min(Math.max(pollNanos, BUSY_SHARE_FACTOR * took), spacingNanos);
        }
        return idle ? IDLE_INTERVAL.toNanos() : pollNanos;
    }

    private static boolean tryLead(Connection connection) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            lock.setLong(1, LEADER_LOCK);
            try (ResultSet rs = lock.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void pause(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left = nanos;
        while (running && left > 0) {
            LockSupport.parkNanos(this, left);
            left = deadline - System.nanoTime();
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
