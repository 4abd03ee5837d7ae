package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.PusherConfig;
import dev.switchboard.logging.EventLog;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.pusher.ChannelDirectory;
import dev.switchboard.pusher.RosterLink;
import dev.switchboard.pusher.RosterSync;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.time.TimeSource;
import dev.switchboard.ws.OutboundQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Pusher protocol side of a node: its apps, its connections and its channels. Like the helpdesk core it
 * needs no network and no real time, so tests drive it with fake transports and a manual clock.
 */
public final class PusherServer {
    /** The longest the server waits for the answer to its ping, as pusher-js waits for the server's pong. */
    static final Duration MAX_PONG_WAIT = Duration.ofSeconds(30);

    private static final EventLog events = EventLog.of(PusherServer.class);

    private final PusherConfig config;
    private final Map<String, PusherApp> appsByKey;
    private final ObjectMapper mapper;
    private final PusherFrames frames;
    private final Channels channels;
    private final TimeSource time;
    private final Executor writers;
    private final OutboundQueue.Limits queueLimits;
    private final NodeMetrics metrics;
    private final Set<PusherConnection> connections = ConcurrentHashMap.newKeySet();

    /**
     * @param config      the apps and limits
     * @param time        the clocks of the activity check and the client-event budget
     * @param writers     runs socket writes, one at a time per connection (shared with the helpdesk side)
     * @param queueLimits how far a connection may fall behind before it is closed
     */
    public PusherServer(PusherConfig config, ObjectMapper mapper, TimeSource time, Executor writers,
                        OutboundQueue.Limits queueLimits, NodeMetrics metrics) {
        this.config = config;
        this.appsByKey = config.apps().stream().collect(Collectors.toUnmodifiableMap(PusherApp::key,
                Function.identity()));
        this.mapper = mapper;
        this.frames = new PusherFrames(mapper);
        this.channels = new Channels(frames, config.maxChannelsPerConnection(), config.maxPresenceMembers());
        this.time = time;
        this.writers = writers;
        this.queueLimits = queueLimits;
        this.metrics = metrics;
        metrics.gauge("switchboard.pusher.connections", "Open Pusher protocol connections (/app/{key}) on this node",
                channels, Channels::connectionCount);
        metrics.gauge("switchboard.pusher.channels", "Occupied Pusher channels on this node", channels,
                Channels::channelCount);
    }

    /** The channels, as the event pipeline and the HTTP API use them. */
    public ChannelDirectory directory() {
        return channels;
    }

    /** The channels, as the cluster shares presence members with them. */
    public RosterSync roster() {
        return channels;
    }

    /** From now on, this node's presence changes are told to the other nodes through {@code link}. */
    public void attachCluster(RosterLink link) {
        channels.attachCluster(link);
    }

    /** Open Pusher connections on this node. */
    public int connectionCount() {
        return channels.connectionCount();
    }

    /** Occupied Pusher channels on this node. */
    public int channelCount() {
        return channels.channelCount();
    }

    /**
     * Opens a connection over a transport; the caller reports its messages and its close to it.
     *
     * @param key      the app key from the URL
     * @param protocol the {@code protocol} query parameter, or null
     */
    PusherConnection open(OutboundQueue.Transport transport, String key, String protocol) {
        PusherConnection connection = new PusherConnection(this, transport, key == null ? null : appsByKey.get(key),
                newSocketId());
        connections.add(connection);
        connection.opened(protocol);
        return connection;
    }

    /** Runs the activity check on every connection; called every second or so. */
    public void heartbeat() {
        long now = time.nanoTime();
        for (PusherConnection connection : new ArrayList<>(connections)) {
            connection.heartbeat(now);
        }
    }

    /**
     * Closes every connection after what is queued for it with 4200, so pusher-js reconnects at once (to another
     * node behind the same address, or to this one once restarted).
     */
    public void closeAll() {
        events.info("pusher_draining", "connections", connections.size(), "channels", channels.channelCount());
        for (PusherConnection connection : new ArrayList<>(connections)) {
            connection.closeAfterFlush(PusherCodes.RECONNECT_NOW, "Server shutting down");
        }
    }

    /** Open connections, refused ones still closing included. */
    public int openConnections() {
        return connections.size();
    }

    void forget(PusherConnection connection) {
        connections.remove(connection);
    }

    PusherConfig config() {
        return config;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    PusherFrames frames() {
        return frames;
    }

    Channels channels() {
        return channels;
    }

    TimeSource time() {
        return time;
    }

    Executor writers() {
        return writers;
    }

    OutboundQueue.Limits queueLimits() {
        return queueLimits;
    }

    NodeMetrics metrics() {
        return metrics;
    }

    /** How long an unanswered ping is given: the activity timeout, at most {@link #MAX_PONG_WAIT}. */
    Duration pongWait() {
        Duration activity = config.activityTimeout();
        return activity.compareTo(MAX_PONG_WAIT) < 0 ? activity : MAX_PONG_WAIT;
    }

    /**
     * Pusher's {@code socket_id} format, two runs of digits; random so that ids are not predictable and do not
     * collide between the nodes of a cluster.
     */
    private static String newSocketId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return random.nextInt(1, Integer.MAX_VALUE) + "." + random.nextInt(1, Integer.MAX_VALUE);
    }
}
