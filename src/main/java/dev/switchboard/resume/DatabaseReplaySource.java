package dev.switchboard.resume;

import dev.switchboard.notifier.EventListener;
import dev.switchboard.notifier.EventRecord;
import dev.switchboard.routing.Feed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Replays from {@code realtime.events}, on a few threads of its own with connections from the node's pool, so
 * neither Grizzly's threads nor a lock ever wait for the database.
 *
 * <p>Each replay is one read-only REPEATABLE READ transaction: the history's epoch and pruning horizon, the
 * sequencer's last id, and the feed's events up to it all come from one snapshot. Ids are dense and numbered in
 * batches that commit one after another, so that snapshot holds every event up to its last id, and nothing is
 * replayed that the snapshot cannot vouch for. A replay over {@code maxEvents} events or {@code maxChars}
 * characters of event data is refused whole, never cut short.
 */
public final class DatabaseReplaySource implements ReplaySource, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseReplaySource.class);
    /** Replays waiting for a thread; beyond it (a reconnect storm far over what the pool can read) they are refused. */
    static final int QUEUE = 20_000;

    static final String POSITION = "SELECT s.last_id, h.pruned_through, realtime.epoch()"
            + " FROM realtime.sequencer_state s, realtime.history h";

    private final DataSource dataSource;
    private final int maxEvents;
    private final long maxChars;
    private final ThreadPoolExecutor executor;
    private volatile String epoch;

    private DatabaseReplaySource(DataSource dataSource, int maxEvents, long maxChars, int threads, String epoch) {
        this.dataSource = dataSource;
        this.maxEvents = maxEvents;
        this.maxChars = maxChars;
        this.epoch = epoch;
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE), runnable -> {
                    Thread thread = new Thread(runnable, "switchboard-replay-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Reads the current epoch and starts the replay threads.
     *
     * @param maxEvents the most events one replay may carry ({@code MAX_RESUME_EVENTS})
     * @param maxChars  the most event data, in characters of JSON text, one replay may carry: what a send queue can
     *                  take
     * @param threads   how many replays run at once, each holding one pooled connection while it reads
     * @throws SQLException when the database cannot be read
     */
    public static DatabaseReplaySource start(DataSource dataSource, int maxEvents, long maxChars, int threads)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement statement = c.prepareStatement(POSITION);
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            return new DatabaseReplaySource(dataSource, maxEvents, maxChars, threads, rs.getString(3));
        }
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public void replay(ResumeRequest request, Consumer<Replay> done) {
        try {
            executor.execute(() -> done.accept(read(request)));
        } catch (RejectedExecutionException e) {
            log.warn("Resume refused: {} replays already waiting", QUEUE);
            done.accept(new Replay.Refused(Replay.Reason.UNAVAILABLE, epoch));
        }
    }

    /** Answers one request from one snapshot; runs on a replay thread. */
    Replay read(ResumeRequest request) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                return read(c, request);
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                c.setAutoCommit(true);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("Resume of {} after {} failed: {}", request.feed(), request.afterId(), e.toString());
            return new Replay.Refused(Replay.Reason.UNAVAILABLE, epoch);
        }
    }

    private Replay read(Connection c, ResumeRequest request) throws SQLException {
        long lastId;
        long prunedThrough;
        String current;
        try (PreparedStatement statement = c.prepareStatement(POSITION); ResultSet rs = statement.executeQuery()) {
            rs.next();
            lastId = rs.getLong(1);
            prunedThrough = rs.getLong(2);
            current = rs.getString(3);
        }
        epoch = current;
        long after = request.afterId();
        // A constant-time compare is not needed: the epoch is no secret, every client is told it.
        if (!current.equals(request.epoch()) || after > lastId) {
            return new Replay.Refused(Replay.Reason.EPOCH, current);
        }
        if (after < prunedThrough) {
            return new Replay.Refused(Replay.Reason.RETENTION, current);
        }
        if (after == lastId) {
            return new Replay.Recovered(List.of(), lastId, current);
        }
        Query query = Query.of(request.feed());
        List<EventRecord> events = new ArrayList<>();
        long chars = 0;
        try (PreparedStatement statement = c.prepareStatement(query.sql)) {
            statement.setLong(1, after);
            statement.setLong(2, lastId);
            statement.setLong(3, query.key);
            statement.setInt(4, maxEvents + 1);
            statement.setFetchSize(500);
            try (ResultSet rs = statement.executeQuery()) {
                int rows = 0;
                while (rs.next()) {
                    if (++rows > maxEvents) {
                        return new Replay.Refused(Replay.Reason.TOO_MANY, current);
                    }
                    EventRecord event = EventListener.read(rs);
                    // The query selects the feed by its columns; the feed's own rule, the one live delivery follows,
                    // has the last word, so a query that ever disagreed would drop an event rather than leak it.
                    if (!request.feed().includes(event.target())) {
                        log.error("Resume query for {} matched event {} ({}), which the feed does not include",
                                request.feed(), event.id(), event.target());
                        return new Replay.Refused(Replay.Reason.UNAVAILABLE, current);
                    }
                    chars += event.dataJson().length();
                    if (chars > maxChars) {
                        return new Replay.Refused(Replay.Reason.TOO_MANY, current);
                    }
                    events.add(event);
                }
            }
        }
        return new Replay.Recovered(events, lastId, current);
    }

    /** Stops the replay threads; replays still waiting are dropped with their connections. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /**
     * The query for a feed: exactly its events, by the columns the audience stores, through an index where the
     * feed is narrow (one user's or one conversation's events).
     */
    private record Query(String sql, long key) {
        private static final String SELECT = "SELECT " + EventListener.COLUMNS + " FROM realtime.events"
                + " WHERE id > ? AND id <= ? AND ";
        private static final String ORDER = " ORDER BY id LIMIT ?";

        static Query of(Feed feed) {
            if (feed instanceof Feed.Personal personal) {
                String staff = personal.staff() ? " OR audience IN ('staff', 'conversation_and_staff')" : "";
                return new Query(SELECT + "((audience = 'user' AND user_id = ?)" + staff + ")" + ORDER,
                        personal.userId());
            }
            if (feed instanceof Feed.OneConversation one) {
                String audiences = one.staff() ? "audience = 'conversation'"
                        : "audience IN ('conversation', 'conversation_and_staff')";
                return new Query(SELECT + "conversation_id = ? AND " + audiences + ORDER, one.conversationId());
            }
            throw new IllegalArgumentException("unknown feed " + feed);
        }
    }
}
