package dev.switchboard.config;

import java.time.Duration;
import java.util.List;

/**
 * How long the node waits for clients, and how long they may wait for it.
 *
 * @param auth          how long a new connection has to send {@code auth}
 * @param typing        when the server ends a typing indicator the sender did not refresh
 * @param presenceGrace how long an agent with no connection stays online (page reloads do not flap)
 * @param pingInterval  how often the server pings each connection
 * @param idle          a connection silent this long (no frame, no pong) is closed as dead; longer than
 *                      {@code pingInterval}
 * @param slowConsumer  how long a client may stay more than the send queue limit behind
 * @param shutdown      how long SIGTERM may take before the process exits anyway
 * @param handshake     how long a connection may take to send its request headers (for the WebSocket upgrade or
 *                      any HTTP request); also how long an idle kept-alive HTTP connection is kept
 */
public record TimeoutsConfig(Duration auth, Duration typing, Duration presenceGrace, Duration pingInterval,
                             Duration idle, Duration slowConsumer, Duration shutdown,
                             Duration handshake) {
    static final Setting AUTH_TIMEOUT = Setting.of("AUTH_TIMEOUT", "10s", "time allowed before auth");
    static final Setting TYPING_TIMEOUT = Setting.of("TYPING_TIMEOUT", "6s",
            "when an unrefreshed typing indicator is ended");
    static final Setting PRESENCE_GRACE = Setting.of("PRESENCE_GRACE", "5s",
            "how long an agent with no open connection stays online");
    static final Setting PING_INTERVAL = Setting.of("PING_INTERVAL", "30s",
            "how often the server pings every connection");
    static final Setting IDLE_TIMEOUT = Setting.of("IDLE_TIMEOUT", "75s",
            "a connection silent this long (no frame, no pong) is closed as dead; longer than PING_INTERVAL");
    static final Setting SLOW_CONSUMER_TIMEOUT = Setting.of("SLOW_CONSUMER_TIMEOUT", "10s",
            "how long a client may stay more than SEND_QUEUE_LIMIT frames behind");
    static final Setting SHUTDOWN_TIMEOUT = Setting.of("SHUTDOWN_TIMEOUT", "8s",
            "the longest a graceful stop may take before the process exits anyway");
    static final Setting HANDSHAKE_TIMEOUT = Setting.of("HANDSHAKE_TIMEOUT", "10s",
            "time a new connection has to send its complete request headers (a WebSocket upgrade or HTTP); slower"
                    + " ones, and kept-alive HTTP connections idle that long, are closed");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(AUTH_TIMEOUT, TYPING_TIMEOUT, PRESENCE_GRACE,
            PING_INTERVAL, IDLE_TIMEOUT, SLOW_CONSUMER_TIMEOUT, SHUTDOWN_TIMEOUT, HANDSHAKE_TIMEOUT);

    static TimeoutsConfig from(EnvReader r) {
        Duration auth = r.duration(AUTH_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration typing = r.duration(TYPING_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration presenceGrace = r.duration(PRESENCE_GRACE, Duration.ZERO, Duration.ofMinutes(10));
        Duration pingInterval = r.duration(PING_INTERVAL, Duration.ofMillis(100), Duration.ofMinutes(10));
        Duration idle = r.duration(IDLE_TIMEOUT, Duration.ofMillis(200), Duration.ofHours(1));
        if (idle.compareTo(pingInterval) <= 0) {
            r.problem(IDLE_TIMEOUT, "must be longer than PING_INTERVAL (" + pingInterval.toSeconds() + " s), or every"
                    + " connection would be closed between two pings");
        }
        Duration slowConsumer = r.duration(SLOW_CONSUMER_TIMEOUT, Duration.ZERO, Duration.ofMinutes(10));
        Duration shutdown = r.duration(SHUTDOWN_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(5));
        Duration handshake = r.duration(HANDSHAKE_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        return new TimeoutsConfig(auth, typing, presenceGrace, pingInterval, idle, slowConsumer, shutdown, handshake);
    }
}
