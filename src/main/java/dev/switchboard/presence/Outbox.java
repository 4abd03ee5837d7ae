package dev.switchboard.presence;

import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.OrderedHandoff;
import dev.switchboard.routing.Target;

/**
 * Frames a tracker decides under its lock and delivers after releasing it, in the order it decided them.
 *
 * <p>A tracker must not call the registry while holding its lock, yet its broadcasts must keep the order of the
 * changes behind them (a typist's true, then false; an agent's online, then offline). So the frames are queued
 * here under the tracker's lock, and {@link #flush} hands them to the registry with no lock held, in order
 * ({@link OrderedHandoff}). Delivering only queues frames on connections, so that thread is never held up by a
 * socket.
 *
 * <p>What the tracker tells the other nodes ({@link ClusterLink}) goes through the same queue, so the other nodes
 * hear the changes in the order this one decided them.
 */
final class Outbox {
    private final OrderedHandoff<Delivery> handoff;

    Outbox(ConversationRegistry registry, Object lock) {
        this(registry, lock, ClusterLink.NONE);
    }

    Outbox(ConversationRegistry registry, Object lock, ClusterLink cluster) {
        this.handoff = new OrderedHandoff<>(lock, next -> {
            if (next instanceof Frame frame) {
                registry.deliver(frame.target, frame.frame);
            } else if (next instanceof Announcement announcement) {
                announcement.tell(cluster);
            }
        });
    }

    /** Queues a frame; the caller holds the tracker's lock, which orders it among the tracker's other frames. */
    void add(Target target, String frame) {
        handoff.add(new Frame(target, frame));
    }

    /** Queues a message for the other nodes; the caller holds the tracker's lock. */
    void announce(Announcement announcement) {
        handoff.add(announcement);
    }

    /** Delivers what is queued, unless another thread already is; the caller must not hold the tracker's lock. */
    void flush() {
        handoff.flush();
    }

    private sealed interface Delivery permits Frame, Announcement {
    }

    private record Frame(Target target, String frame) implements Delivery {
    }

    /** A change told to the other nodes. */
    @FunctionalInterface
    non-sealed interface Announcement extends Delivery {
        void tell(ClusterLink cluster);
    }
}
