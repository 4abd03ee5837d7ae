package dev.switchboard.testing;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** An executor that runs nothing until the test calls {@link #runAll}, on the test's thread. */
public final class ManualExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
        tasks.addLast(task);
    }

    /** Runs tasks, including those they submit, until none is left; returns how many ran. */
    public int runAll() {
        int ran = 0;
        while (true) {
            Runnable next;
            synchronized (this) {
                next = tasks.pollFirst();
            }
            if (next == null) {
                return ran;
            }
            next.run();
            ran++;
        }
    }

    /** Tasks waiting. */
    public synchronized int pending() {
        return tasks.size();
    }
}
