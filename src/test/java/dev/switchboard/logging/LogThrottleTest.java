package dev.switchboard.logging;

import dev.switchboard.logging.LogThrottle.Verdict;
import dev.switchboard.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogThrottleTest {
    private final ManualClock clock = new ManualClock();
    private final LogThrottle throttle = new LogThrottle(clock, Duration.ofSeconds(1));

    @Test
    void firstLineOfAPairIsWrittenAndRepeatsWithinTheSecondAreDropped() {
        assertEquals(new Verdict.Write(0), throttle.admit("auth_failed", "expired"));
        clock.advance(Duration.ofMillis(999));
        assertEquals(Verdict.Drop.INSTANCE, throttle.admit("auth_failed", "expired"));
        assertEquals(Verdict.Drop.INSTANCE, throttle.admit("auth_failed", "expired"));
    }

    @Test
    void nextLineAfterTheSecondCarriesHowManyWereDropped() {
        throttle.admit("auth_failed", "expired");
        for (int i = 0; i < 7; i++) {
            clock.advance(Duration.ofMillis(100));
            throttle.admit("auth_failed", "expired");
        }
        clock.advance(Duration.ofMillis(300));
        assertEquals(new Verdict.Write(7), throttle.admit("auth_failed", "expired"));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(new Verdict.Write(0), throttle.admit("auth_failed", "expired"),
                "a count is reported once, not again on the line after");
    }

    @Test
    void eachReasonAndEachEventHasItsOwnSecond() {
        assertEquals(new Verdict.Write(0), throttle.admit("auth_failed", "expired"));
        assertEquals(new Verdict.Write(0), throttle.admit("auth_failed", "bad_signature"));
        assertEquals(new Verdict.Write(0), throttle.admit("connection_refused", "expired"));
        assertEquals(Verdict.Drop.INSTANCE, throttle.admit("auth_failed", "bad_signature"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(new Verdict.Write(0), throttle.admit("auth_failed", "expired"));
        assertEquals(new Verdict.Write(1), throttle.admit("auth_failed", "bad_signature"));
    }

    @Test
    void theSecondCountsFromTheLastWrittenLineNotTheLastDroppedOne() {
        throttle.admit("flood_closed", "rate_limit");
        clock.advance(Duration.ofMillis(900));
        assertEquals(Verdict.Drop.INSTANCE, throttle.admit("flood_closed", "rate_limit"));
        clock.advance(Duration.ofMillis(100));
        assertEquals(new Verdict.Write(1), throttle.admit("flood_closed", "rate_limit"),
                "a steady stream still gets one line a second");
    }

    @Test
    void resetLetsTheNextLineOfEveryPairThrough() {
        throttle.admit("auth_failed", "expired");
        throttle.admit("auth_failed", "expired");
        throttle.reset();
        assertEquals(new Verdict.Write(0), throttle.admit("auth_failed", "expired"));
    }
}
