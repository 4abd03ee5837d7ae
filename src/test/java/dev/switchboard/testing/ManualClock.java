package dev.switchboard.testing;

import dev.switchboard.time.Scheduler;
import dev.switchboard.time.TimeSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Time that moves only when a test says so: a {@link TimeSource} and a {@link Scheduler} whose tasks run on the
 * test's thread, in due order, inside {@link #advance}. The wall clock starts at the real present, so tokens minted
 * for real expire on this clock when it has been advanced past their lifetime.
 */
public final class ManualClock implements TimeSource, Scheduler {
    private final Instant start;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final long startNanos = 1_000_000_000L;
    private long nanos = startNanos;
    private long sequence;

    public ManualClock() {
        this(Instant.now());
    }

    public ManualClock(Instant start) {
        this.start = start;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant now() {
        return start.plusNanos(nanos - startNanos);
    }

    @Override
    public synchronized Timer schedule(Runnable task, Duration delay) {
        Task scheduled = new Task(nanos + Math.max(0, delay.toNanos()), sequence++, task);
        tasks.add(scheduled);
        return () -> {
            synchronized (ManualClock.this) {
                tasks.remove(scheduled);
            }
        };
    }

    /** Moves time forward, running every task that falls due on the way at its own moment. */
    public void advance(Duration by) {
        long target;
        synchronized (this) {
            target = nanos + by.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.due);
            }
            next.task.run();
        }
    }

    /** Tasks scheduled and neither run nor cancelled. */
    public synchronized int pending() {
        return tasks.size();
    }

    /** When the pending tasks fall due, from now, in order (for failure messages). */
    public synchronized List<Duration> pendingDelays() {
        List<Duration> delays = new ArrayList<>();
        tasks.stream().sorted().forEach(t -> delays.add(Duration.ofNanos(t.due - nanos)));
        return delays;
    }

    private record Task(long due, long sequence, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }
}
