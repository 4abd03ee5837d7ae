package dev.switchboard.time;

import java.time.Duration;

/**
 * Runs short tasks later: auth timeouts, token expiry, typing expiry, the presence grace. Tasks must not block;
 * they run on a thread shared by every connection.
 */
public interface Scheduler {

    /**
     * Runs {@code task} once after {@code delay} (at once when it is zero or negative).
     *
     * @return a handle that cancels the task if it has not started
     */
    Timer schedule(Runnable task, Duration delay);

    /** A scheduled task. */
    interface Timer {
        /** Cancels the task if it has not started; harmless after it ran. */
        void cancel();
    }
}
