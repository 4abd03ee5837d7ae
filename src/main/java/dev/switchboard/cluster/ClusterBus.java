package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.logging.EventLog;
import dev.switchboard.presence.AgentCount;
import dev.switchboard.presence.ClusterLink;
import dev.switchboard.presence.PeerPresence;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.pusher.NodeRoster;
import dev.switchboard.pusher.RosterEntry;
import dev.switchboard.pusher.RosterLink;
import dev.switchboard.pusher.RosterSync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's voice in the cluster: one thread, on a database connection of its own, that
 * <ul>
 *   <li>(the Pusher channels' presence members ride along with the agents: {@link RosterLink} changes as
 *       notifications, the full {@link RosterSync#localRoster} in the lease row, the others' handed back with
 *       {@link RosterSync#peersAlive});</li>
 *   <li>sends what the trackers tell the other nodes ({@link ClusterLink}) as notifications on
 *       {@value #CHANNEL}, from a bounded queue, in order, so no Grizzly thread and no lock ever waits on
 *       JDBC;</li>
 *   <li>every {@code renew}, writes this node's lease and full presence to {@code realtime.cluster_presence}
 *       and reads back the other live nodes' ({@link PresenceTracker#peersAlive}): the resync that heals a lost
 *       notification, and how a dead node (its lease older than {@code lease}, by the database's clock) is
 *       dropped;</li>
 *   <li>on a clean stop, sends what is queued, says it leaves and deletes its row.</li>
 * </ul>
 * The other nodes' notifications arrive on the node's LISTEN connection ({@link ClusterInbox}), so a node uses
 * one more connection for the cluster, whatever its client count. When the queue is full, or the connection is
 * lost, messages are dropped and counted: the next renewal heals presence, and a typing indicator ends by
 * itself.
 */
public final class ClusterBus implements ClusterLink, RosterLink, AutoCloseable {
    /** The notification channel every node sends on and listens to. */
    public static final String CHANNEL = "realtime_cluster";
    /** Messages waiting to be sent, at most; a burst past it is dropped, not queued without bound. */
    static final int QUEUE_LIMIT = 10_000;
    /** Notifications sent in one transaction. */
    private static final int BATCH = 200;
    private static final long FORGET_EVERY = 1800;
    /** Queued to wake the thread for a renewal now; compared by identity, never sent. */
    private static final String RENEW_NOW = new String("renew now");
    private static final long STARTUP_POLL_MILLIS = 50;
    /** PostgreSQL refuses a notification payload of 8000 bytes or more, and with it the batch it is sent in. */
    static final int PAYLOAD_LIMIT = 7900;

    private static final String NOTIFY = "SELECT pg_notify('" + CHANNEL + "', ?)";
    private static final String RENEW = "INSERT INTO realtime.cluster_presence"
            + " (node_id, incarnation, version, agents, pusher_version, pusher_members, renewed_at)"
            + " VALUES (?, ?, ?, ?::jsonb, ?, ?::jsonb, now())"
            + " ON CONFLICT (node_id) DO UPDATE SET incarnation = excluded.incarnation, version = excluded.version,"
            + " agents = excluded.agents, pusher_version = excluded.pusher_version,"
            + " pusher_members = excluded.pusher_members, renewed_at = excluded.renewed_at";
    private static final String LIVE = "SELECT node_id, incarnation, version, agents::text, pusher_version,"
            + " pusher_members::text"
            + " FROM realtime.cluster_presence"
            + " WHERE node_id <> ? AND renewed_at > now() - make_interval(secs => ?)";
    private static final String NOW = "SELECT clock_timestamp()";
    /** Live nodes that have not renewed since a moment: the ones a starting node still waits for. */
    private static final String NOT_RENEWED_SINCE = "SELECT count(*) FROM realtime.cluster_presence"
            + " WHERE node_id <> ? AND renewed_at > now() - make_interval(secs => ?) AND renewed_at < ?";
    private static final String LEAVE = "DELETE FROM realtime.cluster_presence WHERE node_id = ? AND incarnation = ?";
    private static final String FORGET = "DELETE FROM realtime.cluster_presence"
            + " WHERE renewed_at < now() - interval '1 day'";

    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
    private static final EventLog events = EventLog.of(ClusterBus.class);

    /** Opens a fresh connection; the bus owns and closes it. */
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    private final String nodeId;
    private final String incarnation = UUID.randomUUID().toString();
    private final ConnectionFactory connections;
    private final PresenceTracker presence;
    private final RosterSync roster;
    private final ClusterCodec codec;
    private final long renewNanos;
    private final Duration lease;
    private final BlockingQueue<String> outgoing = new ArrayBlockingQueue<>(QUEUE_LIMIT);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean healthy;
    private Connection connection;
    private long renewals;
    /** {@link #dropped} at the last renewal, so each renewal reports only the new drops. */
    private long droppedReported;

    /**
     * @param renew how often the lease is renewed and the other nodes reread
     * @param lease how long a node that stopped renewing still counts as alive
     */
    public ClusterBus(String nodeId, ConnectionFactory connections, PresenceTracker presence, ObjectMapper mapper,
                      Duration renew, Duration lease) {
        this(nodeId, connections, presence, RosterSync.NONE, mapper, renew, lease);
    }

    /**
     * @param roster this node's Pusher channels, whose presence members are shared like the agents
     * @param renew  how often the lease is renewed and the other nodes reread
     * @param lease  how long a node that stopped renewing still counts as alive
     */
    public ClusterBus(String nodeId, ConnectionFactory connections, PresenceTracker presence, RosterSync roster,
                      ObjectMapper mapper, Duration renew, Duration lease) {
        this.roster = roster;
        this.nodeId = nodeId;
        this.connections = connections;
        this.presence = presence;
        this.codec = new ClusterCodec(mapper);
        this.renewNanos = renew.toNanos();
        this.lease = lease;
        this.thread = new Thread(this::run, "switchboard-cluster");
        this.thread.setDaemon(true);
    }

    /**
     * Writes this node's lease and learns who is online on the other nodes, then starts the thread: a node that
     * serves its first snapshot after this returns already lists the agents of the other nodes. Call it once the
     * LISTEN connection hears the cluster channel: it asks the other nodes to renew, waits (at most one renewal
     * period and a second) until they have, and reads their rows, so every change they made before this node
     * listened is in those rows and every later one arrives as a notification.
     *
     * @throws SQLException when the first connection or renewal fails
     */
    public void start() throws SQLException {
        connection = connections.open();
        try {
            connection.setAutoCommit(true);
            renew();
            awaitPeersRenewed();
            renew();
        } catch (SQLException e) {
            closeQuietly();
            throw e;
        }
        healthy = true;
        thread.start();
    }

    /** Asks the thread to renew now, for a node that is starting; never blocks. */
    public void requestRenewal() {
        outgoing.offer(RENEW_NOW);
    }

    /** Whether the last renewal succeeded. */
    public boolean healthy() {
        return healthy;
    }

    /** Messages dropped because the queue was full or the connection lost, since start. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void presenceChanged(long version, long agentId, AgentCount count) {
        offer(new ClusterMessage.PresenceChanged(nodeId, incarnation, version, agentId, count));
    }

    @Override
    public void typingChanged(long conversationId, long userId, boolean isTyping) {
        offer(new ClusterMessage.TypingChanged(nodeId, conversationId, userId, isTyping));
    }

    @Override
    public void memberChanged(long version, RosterEntry entry, boolean present) {
        offer(new ClusterMessage.MemberChanged(nodeId, incarnation, version, entry, present));
    }

    /** Sends what is queued, tells the other nodes this one leaves, deletes its lease and stops. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void offer(ClusterMessage message) {
        // ClusterLink's contract: never block the caller; the renewal heals what is dropped here.
        String payload = codec.encode(message);
        // A payload PostgreSQL would refuse (a very long user id) would fail its whole batch; the renewal's
        // snapshot carries that change instead.
        if (payload.getBytes(StandardCharsets.UTF_8).length > PAYLOAD_LIMIT || !outgoing.offer(payload)) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        long backoff = 100;
        long nextRenewal = System.nanoTime() + renewNanos;
        boolean lost = false;
        while (running) {
            try {
                if (connection == null) {
                    connection = connections.open();
                    connection.setAutoCommit(true);
                    // What queued up while the database was away is stale; the renewal below resyncs presence.
                    dropped.addAndGet(drainAway());
                    renew();
                    nextRenewal = System.nanoTime() + renewNanos;
                    if (lost) {
                        events.info("cluster_restored", "node", nodeId);
                        lost = false;
                    }
                }
                healthy = true;
                backoff = 100;
                long wait = nextRenewal - System.nanoTime();
                String first = wait > 0 ? outgoing.poll(wait, TimeUnit.NANOSECONDS) : outgoing.poll();
                boolean renewNow = first != null && send(first);
                if (renewNow || System.nanoTime() - nextRenewal >= 0) {
                    renew();
                    nextRenewal = System.nanoTime() + renewNanos;
                }
            } catch (InterruptedException e) {
                // close(): the loop condition ends it.
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                healthy = false;
                if (!lost) {
                    events.warn("cluster_lost", "node", nodeId, "error", e.getMessage(), "retry_ms", backoff);
                    lost = true;
                } else {
                    log.debug("Cluster connection still failing ({}); retrying in {} ms", e.getMessage(), backoff);
                }
                closeQuietly();
                sleep(backoff);
                backoff = Math.min(backoff * 2, 2000);
            }
        }
        leave();
        closeQuietly();
        healthy = false;
    }

    /**
     * Sends {@code first} and whatever else is queued, up to a batch, in one transaction, in queue order.
     *
     * @return whether a renewal was asked for among them
     */
    private boolean send(String first) throws SQLException {
        List<String> batch = new ArrayList<>(BATCH);
        batch.add(first);
        outgoing.drainTo(batch, BATCH - 1);
        boolean renewNow = batch.removeIf(payload -> payload == RENEW_NOW);
        if (batch.isEmpty()) {
            return renewNow;
        }
        connection.setAutoCommit(false);
        try (PreparedStatement notify = connection.prepareStatement(NOTIFY)) {
            for (String payload : batch) {
                notify.setString(1, payload);
                notify.execute();
            }
            connection.commit();
            return renewNow;
        } catch (SQLException e) {
            dropped.addAndGet(batch.size());
            throw e;
        } finally {
            if (connection != null && !connection.isClosed()) {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Writes this node's lease and presence and hands the other live nodes' presence to the tracker. */
    private void renew() throws SQLException {
        long sweep = presence.beginSweep();
        long rosterSweep = roster.beginSweep();
        PeerPresence mine = presence.localPresence(nodeId, incarnation);
        NodeRoster myRoster = roster.localRoster(nodeId, incarnation);
        try (PreparedStatement renew = connection.prepareStatement(RENEW)) {
            renew.setString(1, nodeId);
            renew.setString(2, incarnation);
            renew.setLong(3, mine.version());
            renew.setString(4, codec.encodeAgents(mine.agents()));
            renew.setLong(5, myRoster.version());
            renew.setString(6, codec.encodeRoster(myRoster));
            renew.executeUpdate();
        }
        List<PeerPresence> live = new ArrayList<>();
        List<NodeRoster> liveRosters = new ArrayList<>();
        try (PreparedStatement read = connection.prepareStatement(LIVE)) {
            read.setString(1, nodeId);
            read.setDouble(2, lease.toMillis() / 1000.0);
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    try {
                        live.add(new PeerPresence(rs.getString(1), rs.getString(2), rs.getLong(3),
                                codec.decodeAgents(rs.getString(4))));
                    } catch (IllegalArgumentException e) {
                        log.warn("Ignoring unreadable presence of node {}: {}", rs.getString(1), e.getMessage());
                    }
                    try {
                        liveRosters.add(new NodeRoster(rs.getString(1), rs.getString(2), rs.getLong(5),
                                codec.decodeRoster(rs.getString(6))));
                    } catch (IllegalArgumentException e) {
                        log.warn("Ignoring unreadable Pusher members of node {}: {}", rs.getString(1),
                                e.getMessage());
                    }
                }
            }
        }
        if (renewals++ % FORGET_EVERY == 0) {
            try (PreparedStatement forget = connection.prepareStatement(FORGET)) {
                forget.executeUpdate();
            }
        }
        presence.peersAlive(sweep, live);
        roster.peersAlive(rosterSweep, liveRosters);
        long droppedNow = dropped.get();
        if (droppedNow != droppedReported) {
            // At most once per renewal, however many: this renewal has already resynced presence.
            events.warn("cluster_messages_dropped", "node", nodeId, "count", droppedNow - droppedReported,
                    "total", droppedNow);
            droppedReported = droppedNow;
        }
    }

    /** Asks the live nodes to renew and waits until each has, or until a renewal period and a second passed. */
    private void awaitPeersRenewed() throws SQLException {
        java.sql.Timestamp asked;
        try (PreparedStatement now = connection.prepareStatement(NOW);
             ResultSet rs = now.executeQuery()) {
            rs.next();
            asked = rs.getTimestamp(1);
        }
        try (PreparedStatement notify = connection.prepareStatement(NOTIFY)) {
            notify.setString(1, codec.encode(new ClusterMessage.NodeJoined(nodeId)));
            notify.execute();
        }
        long deadline = System.nanoTime() + renewNanos + TimeUnit.SECONDS.toNanos(1);
        try (PreparedStatement waiting = connection.prepareStatement(NOT_RENEWED_SINCE)) {
            waiting.setString(1, nodeId);
            waiting.setDouble(2, lease.toMillis() / 1000.0);
            waiting.setTimestamp(3, asked);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = waiting.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        return;
                    }
                }
                sleep(STARTUP_POLL_MILLIS);
            }
        }
        log.info("Some nodes did not renew within {} ms of this one starting; their leases are read as they are",
                TimeUnit.NANOSECONDS.toMillis(renewNanos) + 1000);
    }

    /** On a clean stop: sends what is still queued, then says this node leaves and removes its lease. */
    private void leave() {
        if (connection == null) {
            return;
        }
        try {
            String next;
            while ((next = outgoing.poll()) != null) {
                send(next);
            }
            try (PreparedStatement notify = connection.prepareStatement(NOTIFY)) {
                notify.setString(1, codec.encode(new ClusterMessage.NodeLeft(nodeId, incarnation)));
                notify.execute();
            }
            try (PreparedStatement delete = connection.prepareStatement(LEAVE)) {
                delete.setString(1, nodeId);
                delete.setString(2, incarnation);
                delete.executeUpdate();
            }
        } catch (SQLException e) {
            // The lease lapses by itself and the others drop this node then.
            log.warn("Could not say goodbye to the cluster: {}", e.getMessage());
        }
    }

    private int drainAway() {
        List<String> stale = new ArrayList<>();
        outgoing.drainTo(stale);
        return stale.size();
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
