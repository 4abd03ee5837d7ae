package dev.switchboard.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two line formats, fed through {@link EventLog} into a logger of a private Logback context. */
class LineLayoutTest {
    private final ManualClock clock = new ManualClock();
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private EventLog events;
    private Logger logger;

    @BeforeEach
    void privateLoggerContext() {
        LoggerContext context = new LoggerContext();
        captured.setContext(context);
        captured.start();
        logger = context.getLogger("dev.switchboard.ws.OriginCheckAddOn");
        logger.addAppender(captured);
        events = new EventLog(logger, new LogThrottle(clock, Duration.ofSeconds(1)));
    }

    private String text(ILoggingEvent event) {
        LineLayout layout = new LineLayout();
        layout.setFormat("text");
        return layout.doLayout(event);
    }

    private JsonNode json(ILoggingEvent event) throws Exception {
        LineLayout layout = new LineLayout();
        layout.setFormat("json");
        String line = layout.doLayout(event);
        assertEquals(1, line.lines().count(), "one line: " + line);
        return new ObjectMapper().readTree(line);
    }

    @Test
    void eventIsOneKeyValueLineAfterTheUsualPrefix() {
        events.infoThrottled("connection_refused", "origin", "status", 403, "remote", "203.0.113.7",
                "origin", "https://evil.example");
        String line = text(captured.list.get(0));
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[[^]]+] "
                + "d\\.s\\.ws\\.OriginCheckAddOn - event=connection_refused reason=origin status=403 "
                + "remote=203\\.0\\.113\\.7 origin=https://evil\\.example\\R"), line);
    }

    @Test
    void clientWordsCannotStartALineOrPassForAnotherKey() {
        events.info("connection_refused", "origin", "https://a.example\n2026-01-01T00:00:00.000Z INFO  forged=1",
                "reason", "x\" admin=\"yes", "empty", "");
        String line = text(captured.list.get(0));
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains(" origin=\"https://a.example\\n2026-01-01T00:00:00.000Z INFO  forged=1\""), line);
        assertTrue(line.contains(" reason=\"x\\\" admin=\\\"yes\""), line);
        assertTrue(line.contains(" empty=\"\""), line);
    }

    @Test
    void nullValuesAreLeftOut() {
        events.info("auth_failed", "reason", "expired", "user", null);
        assertFalse(text(captured.list.get(0)).contains("user="));
    }

    @Test
    void repeatsWithinASecondAreDroppedAndTheNextLineCountsThem() {
        for (int i = 0; i < 5; i++) {
            events.infoThrottled("auth_failed", "bad_signature", "code", 4001);
            clock.advance(Duration.ofMillis(150));
        }
        clock.advance(Duration.ofMillis(300));
        events.infoThrottled("auth_failed", "bad_signature", "code", 4001);
        assertEquals(2, captured.list.size());
        assertFalse(text(captured.list.get(0)).contains("suppressed"));
        assertTrue(text(captured.list.get(1)).endsWith(" code=4001 suppressed=4" + System.lineSeparator()),
                text(captured.list.get(1)));
    }

    @Test
    void disabledLevelCountsNothing() {
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
        events.infoThrottled("auth_failed", "expired");
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        events.infoThrottled("auth_failed", "expired");
        assertEquals(1, captured.list.size());
        assertFalse(text(captured.list.get(0)).contains("suppressed"), "a line nobody could see was not dropped");
    }

    @Test
    void jsonLineIsOneObjectWithTheEventsKeysAsMembers() throws Exception {
        events.infoThrottled("auth_failed", "expired", "code", 4001, "connection", "n1-7", "user", 42L,
                "origin", "https://a.example\n\"quoted\"");
        JsonNode line = json(captured.list.get(0));
        assertEquals("INFO", line.get("level").asText());
        assertEquals("dev.switchboard.ws.OriginCheckAddOn", line.get("logger").asText());
        assertTrue(line.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line.toString());
        assertEquals("auth_failed", line.get("event").asText());
        assertEquals("expired", line.get("reason").asText());
        assertEquals(4001, line.get("code").intValue(), "numbers stay numbers");
        assertEquals(42, line.get("user").longValue());
        assertEquals("https://a.example\n\"quoted\"", line.get("origin").asText());
        assertFalse(line.has("message"));
    }

    @Test
    void jsonKeepsAPlainMessageAndItsStackTraceInsideTheObject() throws Exception {
        logger.error("Event 7 could not be read", new IllegalStateException("boom"));
        JsonNode line = json(captured.list.get(0));
        assertEquals("Event 7 could not be read", line.get("message").asText());
        assertTrue(line.get("exception").asText().contains("IllegalStateException: boom"), line.toString());
    }

    @Test
    void plainMessagesKeepTheirTextWithLineBreaksEscaped() {
        logger.info("Listening for events after id {}", List.of(3));
        logger.info("first\nsecond");
        assertTrue(text(captured.list.get(0)).endsWith(" - Listening for events after id [3]" + System.lineSeparator()));
        assertEquals(1, text(captured.list.get(1)).lines().count());
    }
}
