package dev.switchboard.routing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * What a component decides under its own lock and hands on after releasing it, in the order it decided.
 *
 * <p>A component must not call another while holding its lock, yet what it hands on must keep the order of the
 * changes behind it (a typist's true, then false; a member's added, then removed). So decisions are queued here
 * under the owner's lock, and {@link #flush} hands them on with no lock held, one thread at a time: whoever finds
 * no other thread handing on delivers everything queued, including what others add meanwhile. The consumer must
 * only queue (frames on connections, notifications on a bus), so that thread is never held up by I/O.
 *
 * @param <T> a decision
 */
public final class OrderedHandoff<T> {
    private static final Logger log = LoggerFactory.getLogger(OrderedHandoff.class);

    /** The owner's lock, which guards this queue too. */
    private final Object lock;
    private final Consumer<T> handOn;
    private final ArrayDeque<T> pending = new ArrayDeque<>();
    private boolean delivering;

    /**
     * @param lock   the owner's lock: {@link #add} is called holding it, {@link #flush} without it
     * @param handOn delivers one decision; runs with no lock of the owner's held
     */
    public OrderedHandoff(Object lock, Consumer<T> handOn) {
        this.lock = lock;
        this.handOn = handOn;
    }

    /** Queues a decision; the caller holds the owner's lock, which orders it among the owner's other decisions. */
    public void add(T decision) {
        assert Thread.holdsLock(lock);
        pending.addLast(decision);
    }

    /** Hands on what is queued, unless another thread already is; the caller must not hold the owner's lock. */
    public void flush() {
        assert !Thread.holdsLock(lock);
        synchronized (lock) {
            if (delivering) {
                return;
            }
            delivering = true;
        }
        while (true) {
            T next;
            synchronized (lock) {
                next = pending.pollFirst();
                if (next == null) {
                    delivering = false;
                    return;
                }
            }
            try {
                handOn.accept(next);
            } catch (RuntimeException e) {
                // One broken delivery must not stop every later one.
                log.error("Delivery of {} failed", next, e);
            }
        }
    }
}
