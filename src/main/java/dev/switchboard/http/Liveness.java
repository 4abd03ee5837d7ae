package dev.switchboard.http;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Whether the node's own machinery still runs: the timer thread (heartbeats, auth and typing timeouts) and the
 * writer threads (every socket write) each record a tick every second; a node whose ticks stopped is wedged, and
 * {@code GET /health/live} says so, so a supervisor or orchestrator restarts it. The database plays no part: an
 * outage makes a node unready, not dead.
 */
public final class Liveness {
    /** Silence after which a thread counts as stuck: many ticks, so a GC pause or a busy moment never trips it. */
    public static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final LongSupplier nanoTime;
    private volatile long timersTick;
    private volatile long writersTick;

    public Liveness(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        this.timersTick = now;
        this.writersTick = now;
    }

    /** Called on the timer thread. */
    public void timersTicked() {
        timersTick = nanoTime.getAsLong();
    }

    /** Called on a writer thread. */
    public void writersTicked() {
        writersTick = nanoTime.getAsLong();
    }

    /** Both kinds of thread ticked within {@link #STALL_NANOS}. */
    public boolean alive() {
        long now = nanoTime.getAsLong();
        return now - timersTick < STALL_NANOS && now - writersTick < STALL_NANOS;
    }
}
