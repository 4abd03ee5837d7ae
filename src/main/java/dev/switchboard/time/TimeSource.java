package dev.switchboard.time;

import java.time.Instant;

/**
 * Where the realtime core reads time: a monotonic counter for intervals and the wall clock for what clients see
 * and tokens carry. Injected so tests can move time by hand instead of sleeping.
 */
public interface TimeSource {

    /** A monotonic reading in nanoseconds, comparable only with other readings of the same source. */
    long nanoTime();

    /** The current wall-clock instant. */
    Instant now();

    /** The JVM's clocks. */
    TimeSource SYSTEM = new TimeSource() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };
}
