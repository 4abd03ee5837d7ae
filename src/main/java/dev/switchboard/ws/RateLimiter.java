package dev.switchboard.ws;

/**
 * A token bucket per connection: {@code perSecond} messages sustained, {@code burst} at once. Counts what it
 * refuses so the session can tell a client that briefly overran its budget from one that floods.
 */
final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double perNano;
    private final double burst;
    private final int floodThreshold;
    private final long floodWindowNanos;
    private double tokens;
    private long lastRefill;
    private long windowStart;
    private int refusedInWindow;
    private long lastWarning = Long.MIN_VALUE;

    /** Outcome of one message. */
    enum Verdict {
        /** Process the message. */
        ALLOW,
        /** Drop it and tell the client (at most once a second). */
        REFUSE_AND_WARN,
        /** Drop it silently: the client was told less than a second ago. */
        REFUSE,
        /** The client keeps flooding: close the connection. */
        FLOOD
    }

    /**
     * @param perSecond sustained messages per second
     * @param burst     bucket size
     * @param now       current {@link System#nanoTime()}
     */
    RateLimiter(int perSecond, int burst, long now) {
        this.perNano = perSecond / (double) NANOS_PER_SECOND;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = now;
        this.windowStart = now;
        // Refusing this many messages within ten seconds is no longer an overrun but a flood.
        this.floodThreshold = Math.max(100, burst * 5);
        this.floodWindowNanos = 10 * NANOS_PER_SECOND;
    }

    synchronized Verdict acquire(long now) {
        tokens = Math.min(burst, tokens + (now - lastRefill) * perNano);
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return Verdict.ALLOW;
        }
        if (now - windowStart > floodWindowNanos) {
            windowStart = now;
            refusedInWindow = 0;
        }
        if (++refusedInWindow > floodThreshold) {
            return Verdict.FLOOD;
        }
        if (lastWarning == Long.MIN_VALUE || now - lastWarning >= NANOS_PER_SECOND) {
            lastWarning = now;
            return Verdict.REFUSE_AND_WARN;
        }
        return Verdict.REFUSE;
    }
}
