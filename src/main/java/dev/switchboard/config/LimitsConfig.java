package dev.switchboard.config;

import java.util.List;

/**
 * How much one client, and all of them together, may ask of a node.
 *
 * @param maxFrameBytes      largest client frame accepted; larger ones close the connection with 1009
 * @param sendQueueLimit     frames a client may be behind; longer than the slow consumer timeout (or 16 times as
 *                           many at once) and it is disconnected with 1013
 * @param rateLimitPerSecond client messages per second allowed per connection (sustained)
 * @param rateLimitBurst     client messages allowed in a burst above the sustained rate
 * @param maxConnections     connections allowed on this node: open WebSockets, and connections still upgrading or
 *                           waiting for their request headers; a WebSocket upgrade beyond it is refused with 503
 * @param maxResumeEvents    the most events one resume may replay; a client that missed more is told to reload
 */
public record LimitsConfig(int maxFrameBytes, int sendQueueLimit, int rateLimitPerSecond, int rateLimitBurst,
                           int maxConnections, int maxResumeEvents) {
    static final Setting MAX_FRAME_BYTES = Setting.of("MAX_FRAME_BYTES", "65536",
            "largest client frame; larger ones close with 1009");
    static final Setting SEND_QUEUE_LIMIT = Setting.of("SEND_QUEUE_LIMIT", "1024",
            "frames a client may fall behind; one that stays further behind than this for SLOW_CONSUMER_TIMEOUT,"
                    + " or falls 16 times as far behind, is closed with 1013 (bursts from a catch-up are fine)");
    static final Setting RATE_LIMIT_PER_SECOND = Setting.of("RATE_LIMIT_PER_SECOND", "20",
            "client messages per second per connection, sustained");
    static final Setting RATE_LIMIT_BURST = Setting.of("RATE_LIMIT_BURST", "40",
            "client messages per connection allowed in a burst above the sustained rate");
    static final Setting MAX_CONNECTIONS = Setting.of("MAX_CONNECTIONS", "10000",
            "connections per node: open WebSockets plus those still upgrading or sending their request headers;"
                    + " an upgrade over it gets HTTP 503");
    static final Setting MAX_RESUME_EVENTS = Setting.of("MAX_RESUME_EVENTS", "10000",
            "the most events one resume (last_event_id) may replay; a client that missed more gets recovered:false"
                    + " and resync_required, and reloads its state");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(MAX_FRAME_BYTES, SEND_QUEUE_LIMIT, RATE_LIMIT_PER_SECOND,
            RATE_LIMIT_BURST, MAX_CONNECTIONS, MAX_RESUME_EVENTS);

    /** The limits with {@code MAX_RESUME_EVENTS} at its default. */
    public LimitsConfig(int maxFrameBytes, int sendQueueLimit, int rateLimitPerSecond, int rateLimitBurst,
                        int maxConnections) {
        this(maxFrameBytes, sendQueueLimit, rateLimitPerSecond, rateLimitBurst, maxConnections,
                Integer.parseInt(MAX_RESUME_EVENTS.defaultValue()));
    }

    static LimitsConfig from(EnvReader r) {
        return new LimitsConfig(
                r.integer(MAX_FRAME_BYTES, 1024, 16 * 1024 * 1024),
                r.integer(SEND_QUEUE_LIMIT, 16, 1_000_000),
                r.integer(RATE_LIMIT_PER_SECOND, 1, 100_000),
                r.integer(RATE_LIMIT_BURST, 1, 1_000_000),
                r.integer(MAX_CONNECTIONS, 1, 1_000_000),
                r.integer(MAX_RESUME_EVENTS, 1, 1_000_000));
    }
}
