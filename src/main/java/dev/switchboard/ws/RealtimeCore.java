package dev.switchboard.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.metrics.NodeMetrics;
import dev.switchboard.notifier.EventDispatcher;
import dev.switchboard.presence.ClusterLink;
import dev.switchboard.presence.PresenceTracker;
import dev.switchboard.presence.TypingTracker;
import dev.switchboard.protocol.MessageDecoder;
import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.pusher.ChannelPublisher;
import dev.switchboard.resume.ReplaySource;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.time.Scheduler;
import dev.switchboard.time.TimeSource;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The realtime core of a node: sessions, routing, presence and typing, and the dispatcher that feeds committed
 * events into them. It needs no database, no network and no real time: it is built from its settings, a
 * {@link Scheduler}, a {@link TimeSource} and an executor for socket writes, so tests can drive it with fake
 * transports and a manual clock. The database side (pool, LISTEN, pruning) only calls {@link #dispatcher()}.
 *
 * <h2>Locks, and the order they may be taken in</h2>
 * <ul>
 *   <li>{@code ClientSession.lifecycle}: a connection's state (closed, auth timeout, timers, joined);</li>
 *   <li>{@code ConversationRegistry}: one monitor per connection's subscription set;</li>
 *   <li>{@code PresenceTracker}: its monitor, over the agents' state and its outbox;</li>
 *   <li>{@code TypingTracker}: its monitor, over the active indicators and its outbox;</li>
 *   <li>{@code ResumeGate}: one per authenticated connection, over the frames it holds while a resume is read;</li>
 *   <li>{@code OutboundQueue}: one monitor per connection's send queue;</li>
 *   <li>{@code pusher.ws.Channels.lock}: the Pusher channels, their presence members on this node and the other
 *       nodes' ({@code PeerRosters}) and its outbox, which hands frames to connections and member changes to the
 *       cluster bus after the lock is released.</li>
 * </ul>
 * None is ever taken while another is held: each guards only its own fields, and the code under it calls no other
 * component (the concurrent maps and executor queues of the JDK aside, which take no lock of ours). Trackers decide
 * frames under their lock and deliver them after releasing it, in decision order ({@code routing.OrderedHandoff},
 * which takes only its owner's lock, never while delivering).
 * Delivering only queues; socket writes, and so the closes Tyrus reports inline from a failed write, happen on the
 * {@code writers} executor with no lock held. What the trackers tell the other nodes leaves through the same outbox
 * into the cluster bus's bounded queue (a JDK queue); its JDBC runs on the bus's own thread, under no lock of ours,
 * and what the other nodes say reaches the trackers on the LISTEN thread, which holds none either. Keep it so: a
 * lock taken inside another is how this server once deadlocked, a reset connection closing inside one tracker's fan-out while another thread fanned out of the other.
 */
public final class RealtimeCore {
    /**
     * Bytes a connection may be behind indefinitely, beside SEND_QUEUE_LIMIT frames: app payloads are unbounded
     * jsonb, so a frame count alone does not bound the heap.
     */
    public static final long SEND_QUEUE_SOFT_BYTES = 4L * 1024 * 1024;
    /** Bytes that close a connection at once (1013), however briefly it was behind. */
    public static final long SEND_QUEUE_HARD_BYTES = 32L * 1024 * 1024;
    /** The send queue's hard cap in frames, as a multiple of SEND_QUEUE_LIMIT: room for a burst, still a bound. */
    public static final int HARD_LIMIT_FACTOR = 16;
    /** The {@code role} tags of the connections gauge: the token roles, and connections not yet authenticated. */
    public static final java.util.List<String> CONNECTION_ROLES =
            java.util.List.of("agent", "admin", "contact", "unauthenticated");

    /**
     * What the core is configured with.
     *
     * @param nodeId              prefix of connection ids
     * @param authTimeout         time allowed before {@code auth}
     * @param typingTimeout       how long a typing indicator lasts without a refresh
     * @param presenceGrace       how long an agent stays online after its last connection closed
     * @param sendQueueLimit      frames a client may fall behind for longer than a moment
     * @param slowConsumerTimeout how long a client may stay more than {@code sendQueueLimit} frames behind
     * @param rateLimitPerSecond  sustained client messages per second
     * @param rateLimitBurst      client message burst
     * @param maxFrameBytes       largest accepted client frame
     * @param idleTimeout         silence after which the heartbeat closes a connection
     */
    public record Settings(String nodeId, Duration authTimeout, Duration typingTimeout, Duration presenceGrace,
                           int sendQueueLimit, Duration slowConsumerTimeout, int rateLimitPerSecond,
                           int rateLimitBurst, int maxFrameBytes, Duration idleTimeout) {
    }

    private final Settings settings;
    private final TimeSource time;
    private final ConversationRegistry registry;
    private final PresenceTracker presence;
    private final TypingTracker typing;
    private final OpenSessions sessions;
    private final ServerFrames frames;
    private final EventDispatcher dispatcher;
    private final SessionServices services;
    private final NodeMetrics metrics;
    private final AdminFeed adminFeed = new AdminFeed();
    private final ClusterLink.Deferred cluster = new ClusterLink.Deferred();

    private RealtimeCore(Settings settings, TokenVerifier verifier, ObjectMapper mapper, Scheduler scheduler,
                         TimeSource time, Executor writers, NodeMetrics metrics, ChannelPublisher channels,
                         ReplaySource replay) {
        this.settings = settings;
        this.metrics = metrics;
        this.time = time;
        this.frames = new ServerFrames(mapper);
        this.registry = new ConversationRegistry();
        this.presence = new PresenceTracker(registry, frames, scheduler, settings.presenceGrace(), cluster);
        this.typing = new TypingTracker(registry, frames, scheduler, settings.typingTimeout(), cluster);
        this.sessions = new OpenSessions();
        this.dispatcher = new EventDispatcher(registry, presence, typing, frames, mapper, metrics, time,
                channels);
        OutboundQueue.Limits limits = queueLimits(settings);
        this.services = new SessionServices(settings.nodeId(), verifier, new MessageDecoder(mapper), frames,
                registry, presence, typing, sessions, scheduler, time, writers, settings.authTimeout(), limits,
                settings.rateLimitPerSecond(), settings.rateLimitBurst(), settings.maxFrameBytes(), metrics,
                adminFeed, replay);
        metrics.gauge("switchboard.subscriptions", "Conversation subscriptions on this node", registry,
                ConversationRegistry::subscriptionCount);
        for (String role : CONNECTION_ROLES) {
            metrics.gauge("switchboard.connections", "Open WebSocket connections, by role", sessions,
                    s -> s.countByRole(role), "role", role);
        }
    }

    /**
     * Builds a core.
     *
     * @param verifier  checks the tokens clients send
     * @param mapper    JSON for frames and events
     * @param scheduler runs timeouts and expiries; its tasks are short
     * @param time      the clocks
     * @param writers   runs socket writes (one at a time per connection) and closes; never a caller's thread in
     *                  production
     */
    public static RealtimeCore create(Settings settings, TokenVerifier verifier, ObjectMapper mapper,
                                      Scheduler scheduler, TimeSource time, Executor writers) {
        return create(settings, verifier, mapper, scheduler, time, writers, NodeMetrics.detached());
    }

    /**
     * Builds a core that counts what it does in {@code metrics}.
     *
     * @param metrics the node's meters; the core registers its gauges there
     */
    public static RealtimeCore create(Settings settings, TokenVerifier verifier, ObjectMapper mapper,
                                      Scheduler scheduler, TimeSource time, Executor writers, NodeMetrics metrics) {
        return create(settings, verifier, mapper, scheduler, time, writers, metrics, ChannelPublisher.NONE,
                ReplaySource.none());
    }

    /**
     * Builds a core whose dispatcher also publishes committed events to Pusher channels.
     *
     * @param channels the node's Pusher apps and channels; {@link ChannelPublisher#NONE} without Pusher
     */
    public static RealtimeCore create(Settings settings, TokenVerifier verifier, ObjectMapper mapper,
                                      Scheduler scheduler, TimeSource time, Executor writers, NodeMetrics metrics,
                                      ChannelPublisher channels) {
        return create(settings, verifier, mapper, scheduler, time, writers, metrics, channels, ReplaySource.none());
    }

    /** How far a connection may fall behind under these settings; the Pusher side holds its clients to the same. */
    public static OutboundQueue.Limits queueLimits(Settings settings) {
        return new OutboundQueue.Limits(settings.sendQueueLimit(), HARD_LIMIT_FACTOR * settings.sendQueueLimit(),
                SEND_QUEUE_SOFT_BYTES, SEND_QUEUE_HARD_BYTES, settings.slowConsumerTimeout().toNanos());
    }

    /**
     * Builds a core that serves resumes ({@code last_event_id}) from {@code replay}.
     *
     * @param replay the events a resuming client missed; {@link ReplaySource#none()} refuses every resume
     */
    public static RealtimeCore create(Settings settings, TokenVerifier verifier, ObjectMapper mapper,
                                      Scheduler scheduler, TimeSource time, Executor writers, NodeMetrics metrics,
                                      ReplaySource replay) {
        return create(settings, verifier, mapper, scheduler, time, writers, metrics, ChannelPublisher.NONE, replay);
    }

    /**
     * Builds a production core: it publishes committed events to Pusher channels too and serves resumes.
     *
     * @param channels the node's Pusher apps and channels; {@link ChannelPublisher#NONE} without Pusher
     * @param replay   the events a resuming client missed; {@link ReplaySource#none()} refuses every resume
     */
    public static RealtimeCore create(Settings settings, TokenVerifier verifier, ObjectMapper mapper,
                                      Scheduler scheduler, TimeSource time, Executor writers, NodeMetrics metrics,
                                      ChannelPublisher channels, ReplaySource replay) {
        return new RealtimeCore(settings, verifier, mapper, scheduler, time, writers, metrics, channels, replay);
    }

    /**
     * The most event data, in characters, one resume may replay: half a send queue's hard bound, so a replay alone
     * never closes the connection it serves.
     */
    public static final long MAX_RESUME_CHARS = SEND_QUEUE_HARD_BYTES / 2;

    /** What the core counts. */
    public NodeMetrics metrics() {
        return metrics;
    }

    /** The operations stream that admin connections subscribe to. */
    public AdminFeed adminFeed() {
        return adminFeed;
    }

    /** Where the database side hands committed and transient events. */
    public EventDispatcher dispatcher() {
        return dispatcher;
    }

    /** Authenticated connections by conversation, user and role. */
    public ConversationRegistry registry() {
        return registry;
    }

    /** Agent presence. */
    public PresenceTracker presence() {
        return presence;
    }

    /**
     * Connects the trackers to the other nodes: from now on, this node's presence changes and its clients' typing
     * go to {@code link}. Without it the core serves one node alone.
     */
    public void attachCluster(ClusterLink link) {
        cluster.attach(link);
    }

    /** Typing indicators. */
    public TypingTracker typing() {
        return typing;
    }

    /** Every open session, authenticated or not. */
    public OpenSessions sessions() {
        return sessions;
    }

    /** The settings in effect. */
    public Settings settings() {
        return settings;
    }

    /** Pings every session and closes those silent for longer than the idle timeout; run every ping interval. */
    public void heartbeat() {
        sessions.heartbeat(time.nanoTime(), settings.idleTimeout().toNanos());
    }

    /** Opens a session over a transport; the caller reports its messages and its close to the session. */
    ClientSession open(OutboundQueue.Transport transport) {
        ClientSession session = new ClientSession(services, transport);
        session.opened();
        return session;
    }
}
