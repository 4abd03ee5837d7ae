package dev.switchboard.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.logging.EventLog;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records what Switchboard logs while it is open, for tests that assert on the operator's log lines. Opening one
 * also resets the event throttle, so what an earlier test in the JVM logged does not suppress the lines counted.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture() {
        EventLog.resetThrottle();
        logger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.switchboard");
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts recording. */
    public static LogCapture start() {
        return new LogCapture();
    }

    /** Everything recorded so far. */
    public List<ILoggingEvent> all() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    /** The recorded lines of {@code event}, in order. */
    public List<ILoggingEvent> events(String event) {
        return all().stream().filter(e -> event.equals(pairs(e).get("event"))).toList();
    }

    /** The recorded lines of {@code event}, each as its key-value pairs. */
    public List<Map<String, String>> lines(String event) {
        return events(event).stream().map(LogCapture::pairs).toList();
    }

    /** An event's key-value pairs, values as text. */
    public static Map<String, String> pairs(ILoggingEvent event) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                pairs.put(pair.key, String.valueOf(pair.value));
            }
        }
        return pairs;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
