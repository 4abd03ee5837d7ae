package dev.switchboard.ws;

import dev.switchboard.ws.RateLimiter.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static dev.switchboard.ws.RateLimiter.Verdict.ALLOW;
import static dev.switchboard.ws.RateLimiter.Verdict.FLOOD;
import static dev.switchboard.ws.RateLimiter.Verdict.REFUSE;
import static dev.switchboard.ws.RateLimiter.Verdict.REFUSE_AND_WARN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimiterTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final long T0 = 123_456_789_000L;

    static boolean refused(Verdict v) {
        return v == REFUSE || v == REFUSE_AND_WARN;
    }

    @Test
    void burstIsAllowedThenRefused() {
        RateLimiter limiter = new RateLimiter(10, 5, T0);
        for (int i = 0; i < 5; i++) {
            assertEquals(ALLOW, limiter.acquire(T0), "message " + i + " of the burst");
        }
        assertEquals(REFUSE_AND_WARN, limiter.acquire(T0), "the first refusal warns");
        assertEquals(REFUSE, limiter.acquire(T0), "later refusals in the same second are silent");
        assertEquals(REFUSE, limiter.acquire(T0));
    }

    @Test
    void tokensRefillAtTheSustainedRate() {
        RateLimiter limiter = new RateLimiter(10, 5, T0);
        for (int i = 0; i < 5; i++) {
            limiter.acquire(T0);
        }
        assertEquals(REFUSE_AND_WARN, limiter.acquire(T0));
        assertEquals(REFUSE, limiter.acquire(T0 + 50 * MS), "half a token is not enough");
        assertEquals(ALLOW, limiter.acquire(T0 + 110 * MS), "0.11 s at 10/s refills one token");
        assertEquals(REFUSE, limiter.acquire(T0 + 110 * MS));
        int allowed = 0;
        while (limiter.acquire(T0 + 520 * MS) == ALLOW) {
            allowed++;
        }
        assertEquals(4, allowed, "0.41 s more at 10/s refills four whole tokens");
    }

    @Test
    void refillIsCappedAtTheBurst() {
        RateLimiter limiter = new RateLimiter(100, 3, T0);
        long later = T0 + 3600 * S;
        assertEquals(ALLOW, limiter.acquire(later));
        assertEquals(ALLOW, limiter.acquire(later));
        assertEquals(ALLOW, limiter.acquire(later));
        assertTrue(refused(limiter.acquire(later)), "an hour of silence still buys only the burst");
    }

    @Test
    void sustainedRateIsHonouredOverAMinute() {
        RateLimiter limiter = new RateLimiter(20, 40, T0);
        int allowed = 0;
        // A client sending 1000 messages a second for 60 s.
        for (long t = T0; t < T0 + 60 * S; t += MS) {
            if (limiter.acquire(t) == ALLOW) {
                allowed++;
            }
        }
        assertTrue(allowed >= 40 + 20 * 60 - 1 && allowed <= 40 + 20 * 60 + 1, "allowed " + allowed);
    }

    @Test
    void warnsAtMostOncePerSecond() {
        RateLimiter limiter = new RateLimiter(1, 1, T0);
        assertEquals(ALLOW, limiter.acquire(T0));
        assertEquals(REFUSE_AND_WARN, limiter.acquire(T0), "warned on the first refusal");
        for (long t = T0 + 100 * MS; t < T0 + S; t += 100 * MS) {
            assertEquals(REFUSE, limiter.acquire(t), "silent " + (t - T0) / MS + " ms after the warning");
        }
        assertEquals(REFUSE, limiter.acquire(T0 + 999 * MS));
    }

    @Test
    void warningsAreSpacedByAtLeastOneSecondAndRepeatWhileRefusing() {
        RateLimiter limiter = new RateLimiter(5, 2, T0);
        List<Long> warnings = new ArrayList<>();
        int refusals = 0;
        // 20 messages/s against 5/s for 6 s: 90 refusals, well under the flood threshold of 100 in 10 s.
        for (long t = T0; t < T0 + 6 * S; t += 50 * MS) {
            Verdict v = limiter.acquire(t);
            assertNotEquals(FLOOD, v);
            if (refused(v)) {
                refusals++;
            }
            if (v == REFUSE_AND_WARN) {
                warnings.add(t);
            }
        }
        assertTrue(refusals > 50 && refusals <= 100, "refusals " + refusals);
        assertTrue(warnings.size() >= 5, "warned again each second: " + warnings);
        for (int i = 1; i < warnings.size(); i++) {
            long gap = warnings.get(i) - warnings.get(i - 1);
            assertTrue(gap >= S, "warnings " + gap / MS + " ms apart");
            assertTrue(gap <= S + 200 * MS, "a refusing client is warned again soon after a second: " + gap / MS);
        }
    }

    @ParameterizedTest(name = "burst {0}")
    @ValueSource(ints = {1, 10, 20, 40, 100})
    void floodAfterMoreThanMaxOf100AndFiveBurstsRefusalsWithinTenSeconds(int burst) {
        int threshold = Math.max(100, burst * 5);
        RateLimiter limiter = new RateLimiter(1, burst, T0);
        for (int i = 0; i < burst; i++) {
            assertEquals(ALLOW, limiter.acquire(T0));
        }
        for (int i = 1; i <= threshold; i++) {
            assertTrue(refused(limiter.acquire(T0)), "refusal " + i + " of " + threshold + " is not yet a flood");
        }
        assertEquals(FLOOD, limiter.acquire(T0), "refusal " + (threshold + 1) + " is a flood");
        assertEquals(FLOOD, limiter.acquire(T0 + 100 * MS), "and stays one while the bucket is empty");
    }

    @Test
    void refusalsSpreadWithinTheWindowAddUp() {
        RateLimiter limiter = new RateLimiter(1, 10, T0);
        for (int i = 0; i < 10; i++) {
            limiter.acquire(T0);
        }
        for (int i = 0; i < 60; i++) {
            assertTrue(refused(limiter.acquire(T0)));
        }
        long later = T0 + 9 * S; // nine tokens refilled
        for (int i = 0; i < 9; i++) {
            assertEquals(ALLOW, limiter.acquire(later));
        }
        for (int i = 0; i < 40; i++) {
            assertTrue(refused(limiter.acquire(later)), "refusal " + (61 + i));
        }
        assertEquals(FLOOD, limiter.acquire(later), "refusal 101 within 10 s");
    }

    @Test
    void floodWindowResetsAfterTenSeconds() {
        RateLimiter limiter = new RateLimiter(1, 10, T0);
        for (int i = 0; i < 10; i++) {
            limiter.acquire(T0);
        }
        for (int i = 0; i < 100; i++) {
            assertTrue(refused(limiter.acquire(T0)), "refusal " + (i + 1));
        }
        long later = T0 + 10 * S + 500 * MS;
        for (int i = 0; i < 10; i++) {
            assertEquals(ALLOW, limiter.acquire(later), "the bucket refilled to the burst");
        }
        for (int i = 0; i < 100; i++) {
            assertTrue(refused(limiter.acquire(later)), "refusal " + (i + 1) + " of a new window");
        }
        assertEquals(FLOOD, limiter.acquire(later), "the new window floods at its own 101st refusal");
    }

    @Test
    void warningAfterTheWindowResetsIsGivenAgain() {
        RateLimiter limiter = new RateLimiter(1, 1, T0);
        assertEquals(ALLOW, limiter.acquire(T0));
        assertEquals(REFUSE_AND_WARN, limiter.acquire(T0));
        assertEquals(REFUSE, limiter.acquire(T0 + 10 * MS));
        long later = T0 + 20 * S;
        assertEquals(ALLOW, limiter.acquire(later));
        assertEquals(REFUSE_AND_WARN, limiter.acquire(later));
    }

    @Test
    void worksAcrossNanoTimeOverflow() {
        long start = Long.MAX_VALUE - 500 * MS;
        RateLimiter limiter = new RateLimiter(10, 2, start);
        assertEquals(ALLOW, limiter.acquire(start));
        assertEquals(ALLOW, limiter.acquire(start));
        assertEquals(REFUSE_AND_WARN, limiter.acquire(start));
        long wrapped = start + S; // overflows to a negative value, as System.nanoTime() may
        assertTrue(wrapped < 0);
        assertEquals(ALLOW, limiter.acquire(wrapped), "one second later the bucket has refilled");
        assertEquals(ALLOW, limiter.acquire(wrapped));
        assertEquals(REFUSE_AND_WARN, limiter.acquire(wrapped), "a second after the last warning it warns again");
    }

    @Test
    void negativeNanoTimeOriginIsFine() {
        long start = -42 * S;
        RateLimiter limiter = new RateLimiter(1, 1, start);
        assertEquals(ALLOW, limiter.acquire(start));
        assertEquals(REFUSE_AND_WARN, limiter.acquire(start));
        assertEquals(ALLOW, limiter.acquire(start + 2 * S));
    }
}
