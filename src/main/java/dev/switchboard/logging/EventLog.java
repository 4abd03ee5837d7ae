package dev.switchboard.logging;

import dev.switchboard.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

import java.time.Duration;

/**
 * Writes the events an operator watches for as one line each: {@code event=<name>} then {@code key=value} pairs,
 * carried as SLF4J key-value pairs so {@link LineLayout} can print them as text or as JSON.
 *
 * <p>Events a client can cause at will (refused connections, bad tokens, floods) go through the throttled methods:
 * at most one line per {@code (event, reason)} per second process-wide, the next line carrying
 * {@code suppressed=N}. A disabled level costs a level check and nothing is counted.
 *
 * <p>Logging can block (the console appender waits for stdout): call this with no lock held.
 */
public final class EventLog {
    /** Shared by every component, so one noisy reason is limited however many classes report it. */
    private static final LogThrottle THROTTLE = new LogThrottle(TimeSource.SYSTEM, Duration.ofSeconds(1));

    private final Logger logger;
    private final LogThrottle throttle;

    EventLog(Logger logger, LogThrottle throttle) {
        this.logger = logger;
        this.throttle = throttle;
    }

    /** Events logged under {@code owner}'s logger, throttled process-wide. */
    public static EventLog of(Class<?> owner) {
        return new EventLog(LoggerFactory.getLogger(owner), THROTTLE);
    }

    /**
     * Lets the next line of every {@code (event, reason)} through: for tests that count lines, so what an earlier
     * test logged in the same JVM does not suppress theirs.
     */
    public static void resetThrottle() {
        THROTTLE.reset();
    }

    /** One INFO line, always. {@code keyValues} alternate keys and values; null values are left out. */
    public void info(String event, Object... keyValues) {
        write(Level.INFO, event, null, 0, keyValues);
    }

    /** One WARN line, always. */
    public void warn(String event, Object... keyValues) {
        write(Level.WARN, event, null, 0, keyValues);
    }

    /** One ERROR line, always. */
    public void error(String event, Object... keyValues) {
        write(Level.ERROR, event, null, 0, keyValues);
    }

    /**
     * An INFO line for {@code (event, reason)} unless one was written less than a second ago.
     *
     * @param reason from a fixed vocabulary, written as {@code reason=}
     */
    public void infoThrottled(String event, String reason, Object... keyValues) {
        throttled(Level.INFO, event, reason, keyValues);
    }

    /** A WARN line for {@code (event, reason)} unless one was written less than a second ago. */
    public void warnThrottled(String event, String reason, Object... keyValues) {
        throttled(Level.WARN, event, reason, keyValues);
    }

    private void throttled(Level level, String event, String reason, Object[] keyValues) {
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        if (throttle.admit(event, reason) instanceof LogThrottle.Verdict.Write write) {
            write(level, event, reason, write.suppressed(), keyValues);
        }
    }

    private void write(Level level, String event, String reason, long suppressed, Object[] keyValues) {
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        LoggingEventBuilder line = logger.atLevel(level).addKeyValue("event", event);
        if (reason != null) {
            line = line.addKeyValue("reason", reason);
        }
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                line = line.addKeyValue(String.valueOf(keyValues[i]), keyValues[i + 1]);
            }
        }
        if (suppressed > 0) {
            line = line.addKeyValue("suppressed", suppressed);
        }
        line.log();
    }
}
