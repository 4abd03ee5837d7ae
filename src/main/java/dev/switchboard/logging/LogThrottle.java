package dev.switchboard.logging;

import dev.switchboard.time.TimeSource;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps repetitive log lines to at most one per {@code (event, reason)} per interval, counting what it drops so
 * the next line that gets through can say how many were left out.
 *
 * <p>Events and reasons must come from a fixed vocabulary (ours, never a client's): the map holds one entry per
 * pair seen and is never pruned. Thread-safe without a lock of ours: each pair's state moves atomically inside the
 * JDK's {@link ConcurrentHashMap#compute}, and the caller logs after the decision, with nothing held.
 */
public final class LogThrottle {
    private final TimeSource time;
    private final long intervalNanos;
    private final ConcurrentHashMap<Key, Window> windows = new ConcurrentHashMap<>();

    /**
     * @param time     where the interval is measured; a manual clock in tests
     * @param interval the least time between two lines for one {@code (event, reason)}
     */
    public LogThrottle(TimeSource time, Duration interval) {
        this.time = Objects.requireNonNull(time, "time");
        this.intervalNanos = interval.toNanos();
    }

    /** Whether a line for {@code (event, reason)} may be written now. */
    public Verdict admit(String event, String reason) {
        long now = time.nanoTime();
        Window window = windows.compute(new Key(event, reason), (key, last) -> {
            if (last == null) {
                return new Window(now, 0, true, 0);
            }
            if (now - last.start >= intervalNanos) {
                return new Window(now, 0, true, last.dropped);
            }
            return new Window(last.start, last.dropped + 1, false, 0);
        });
        // compute returned the state this very call made, so its fields describe this call's decision.
        return window.admitted ? new Verdict.Write(window.reported) : Verdict.Drop.INSTANCE;
    }

    /** Forgets every window and count: the next line of each pair gets through. */
    public void reset() {
        windows.clear();
    }

    /** What {@link #admit} decided. */
    public sealed interface Verdict {
        /**
         * Write the line.
         *
         * @param suppressed lines of the same pair dropped since the previous one was written
         */
        record Write(long suppressed) implements Verdict {
        }

        /** Drop the line; it is counted towards the next {@link Write}. */
        enum Drop implements Verdict { INSTANCE }
    }

    private record Key(String event, String reason) {
    }

    /**
     * One pair's current interval.
     *
     * @param start    when the last written line opened this interval
     * @param dropped  lines dropped in this interval so far
     * @param admitted whether the call that made this state may write its line
     * @param reported what that line reports as suppressed: the previous interval's drops
     */
    private record Window(long start, long dropped, boolean admitted, long reported) {
    }
}
