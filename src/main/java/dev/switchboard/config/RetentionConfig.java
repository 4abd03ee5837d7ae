package dev.switchboard.config;

import java.time.Duration;
import java.util.List;

/**
 * How long the node keeps what it has delivered.
 *
 * @param events how long delivered events stay in {@code realtime.events}
 */
public record RetentionConfig(Duration events) {
    static final Setting EVENT_RETENTION = Setting.of("EVENT_RETENTION", "3d",
            "how long delivered events are kept in realtime.events");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(EVENT_RETENTION);

    static RetentionConfig from(EnvReader r) {
        return new RetentionConfig(r.duration(EVENT_RETENTION, Duration.ofMinutes(1), Duration.ofDays(365)));
    }
}
