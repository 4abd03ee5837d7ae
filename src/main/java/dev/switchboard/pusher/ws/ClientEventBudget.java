package dev.switchboard.pusher.ws;

/**
 * How many client events one connection may send: {@code perSecond} on average and as many at once, as a token
 * bucket on the monotonic clock. Not thread-safe: a connection's messages are handled one at a time.
 */
final class ClientEventBudget {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double perNano;
    private final double capacity;
    private double tokens;
    private long lastRefill;

    /** @param now the monotonic clock's reading at creation */
    ClientEventBudget(int perSecond, long now) {
        this.perNano = perSecond / (double) NANOS_PER_SECOND;
        this.capacity = perSecond;
        this.tokens = perSecond;
        this.lastRefill = now;
    }

    /** Takes one event's worth if there is one; false means refuse the event. */
    boolean tryAcquire(long now) {
        tokens = Math.min(capacity, tokens + (now - lastRefill) * perNano);
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
