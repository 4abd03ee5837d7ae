package dev.switchboard.resume;

import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.routing.Feed;
import dev.switchboard.routing.Target;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The seam between a connection's replay and its live events: while a replay is being read, the live frames meant
 * for the connection are held; when it is done, the replayed events and the held frames are sent merged by id,
 * each durable event once, and live delivery goes on from there.
 *
 * <p>Why nothing is lost or sent twice: a feed's live delivery starts ({@link #begin}) before its replay reads the
 * database, so every event of the feed numbered after the replay's snapshot ({@code throughId}) reaches the
 * connection live. Events numbered up to {@code throughId} are in the replay (or older than what the client asked
 * for), so a live copy of one (this node's listener may still be behind the replay's snapshot) is dropped, before
 * and after the seam: the gate keeps a floor per replayed feed until a live event above it proves the listener has
 * passed it.
 *
 * <p>Frames without an id (replies, presence, typing) are held in order too, so that {@code authenticated} or
 * {@code subscribed} still comes first. Several replays may run at once (an auth resume, then a subscribe per
 * conversation): the connection is held until the last one is done.
 *
 * <p>Thread-safe. The lock guards only this object's fields; the sink is never called with it held.
 */
public final class ResumeGate {

    /** Where the connection's frames go, in the order given: its send queue. */
    public interface Sink {
        void send(EncodedFrame frame);
    }

    /** A replayed durable event, encoded. */
    public record ReplayedFrame(long id, String frame) {
    }

    /** One replay, from {@link #begin} to {@link #complete} or {@link #cancel}. */
    public static final class Ticket {
        private final Feed feed;
        private boolean done;

        private Ticket(Feed feed) {
            this.feed = feed;
        }

        /** The feed being replayed. */
        public Feed feed() {
            return feed;
        }
    }

    private record Held(long id, Target target, EncodedFrame frame) {
        static final long NO_ID = -1;
    }

    private record Floor(Feed feed, long throughId) {
    }

    private final Sink sink;
    private final int maxHeld;
    private final Runnable overflowed;
    private final Object lock = new Object();
    private boolean overflow;
    private int pending;
    private boolean draining;
    private final List<Held> held = new ArrayList<>();
    private final List<EncodedFrame> replies = new ArrayList<>();
    private final List<ReplayedFrame> replayed = new ArrayList<>();
    /** No replay running or being sent: frames go straight to the sink. */
    private volatile boolean quiet = true;
    /** Replaced, never changed in place, so the live path reads it without the lock. */
    private volatile List<Floor> floors = List.of();

    /** A gate that holds without bound: for tests. */
    public ResumeGate(Sink sink) {
        this(sink, Integer.MAX_VALUE, () -> { });
    }

    /**
     * @param maxHeld    the most frames held while replays run; a connection that would need more (live events
     *                   flooding in while the database is slow to answer) cannot be kept in order without
     *                   unbounded memory
     * @param overflowed called once, with no lock held, when that happens; later frames are dropped, so the
     *                   connection must be closed (and the client resumes again)
     */
    public ResumeGate(Sink sink, int maxHeld, Runnable overflowed) {
        this.sink = sink;
        this.maxHeld = maxHeld;
        this.overflowed = overflowed;
    }

    /** A live durable event for this connection, as text: see {@link #durable(long, Target, EncodedFrame)}. */
    public void durable(long id, Target target, String frame) {
        durable(id, target, EncodedFrame.of(frame));
    }

    /** A live durable event for this connection. */
    public void durable(long id, Target target, EncodedFrame frame) {
        if (quiet && floors.isEmpty()) {
            sink.send(frame);
            return;
        }
        boolean overflowedNow;
        synchronized (lock) {
            if (covered(id, target)) {
                return;
            }
            dropFloorsBelow(id);
            overflowedNow = !quiet && hold(new Held(id, target, frame));
            if (!quiet && !overflowedNow) {
                return;
            }
        }
        if (overflowedNow) {
            overflowed.run();
            return;
        }
        sink.send(frame);
    }

    /** A live frame without an id, as text: see {@link #frame(EncodedFrame)}. */
    public void frame(String frame) {
        frame(EncodedFrame.of(frame));
    }

    /** A live frame without an id: a reply, presence, typing. */
    public void frame(EncodedFrame frame) {
        if (quiet) {
            sink.send(frame);
            return;
        }
        boolean overflowedNow;
        synchronized (lock) {
            overflowedNow = !quiet && hold(new Held(Held.NO_ID, null, frame));
            if (!quiet && !overflowedNow) {
                return;
            }
        }
        if (overflowedNow) {
            overflowed.run();
            return;
        }
        sink.send(frame);
    }

    /**
     * Starts holding the connection's frames for a replay of {@code feed}. Call it before the feed's live
     * delivery starts (before registering or subscribing), and before the replay reads anything.
     */
    public Ticket begin(Feed feed) {
        synchronized (lock) {
            pending++;
            quiet = false;
        }
        return new Ticket(feed);
    }

    /**
     * A replay is done: {@code replyFrames} go first, then its events and every held frame, merged by id, once
     * every replay that began is done.
     *
     * @param events    the replayed events in any order; empty when refused
     * @param throughId the replay's {@link Replay.Recovered#throughId}, or a negative number when nothing was
     *                  replayed (refused): live events of the feed then all count
     */
    public void complete(Ticket ticket, List<String> replyFrames, List<ReplayedFrame> events, long throughId) {
        List<EncodedFrame> out;
        synchronized (lock) {
            if (ticket.done) {
                return;
            }
            ticket.done = true;
            pending--;
            for (String reply : replyFrames) {
                replies.add(EncodedFrame.of(reply));
            }
            replayed.addAll(events);
            if (throughId >= 0) {
                List<Floor> next = new ArrayList<>(floors);
                next.add(new Floor(ticket.feed, throughId));
                floors = List.copyOf(next);
            }
            if (pending > 0 || draining) {
                // The last replay to finish, or the drain in progress, sends everything.
                return;
            }
            out = mergeLocked();
            draining = true;
        }
        drain(out);
    }

    /** A replay that will not complete (the subscribe was refused): stops waiting for it. */
    public void cancel(Ticket ticket) {
        complete(ticket, List.of(), List.of(), -1);
    }

    private void drain(List<EncodedFrame> out) {
        while (true) {
            for (EncodedFrame frame : out) {
                sink.send(frame);
            }
            synchronized (lock) {
                if (pending > 0) {
                    // Held frames wait for the replay that began meanwhile.
                    draining = false;
                    return;
                }
                if (held.isEmpty() && replies.isEmpty() && replayed.isEmpty()) {
                    draining = false;
                    quiet = true;
                    return;
                }
                out = mergeLocked();
            }
        }
    }

    /**
     * Holds a frame, or drops it once too many are held.
     *
     * @return true the first time the bound is passed: the caller reports it once the lock is released, since the
     *         report closes the connection, which is another component's business
     */
    private boolean hold(Held frame) {
        if (overflow) {
            return false;
        }
        if (held.size() < maxHeld) {
            held.add(frame);
            return false;
        }
        overflow = true;
        held.clear();
        return true;
    }

    /** Replies, then replayed events and held frames merged by id; empties all three. */
    private List<EncodedFrame> mergeLocked() {
        List<EncodedFrame> out = new ArrayList<>(replies.size() + replayed.size() + held.size());
        out.addAll(replies);
        replayed.sort(Comparator.comparingLong(ReplayedFrame::id));
        int next = 0;
        long highest = Held.NO_ID;
        for (Held h : held) {
            if (h.id == Held.NO_ID) {
                out.add(h.frame);
                continue;
            }
            if (covered(h.id, h.target)) {
                continue;
            }
            while (next < replayed.size() && replayed.get(next).id() < h.id) {
                out.add(EncodedFrame.of(replayed.get(next++).frame()));
            }
            out.add(h.frame);
            highest = Math.max(highest, h.id);
        }
        while (next < replayed.size()) {
            out.add(EncodedFrame.of(replayed.get(next++).frame()));
        }
        replies.clear();
        replayed.clear();
        held.clear();
        if (highest != Held.NO_ID) {
            dropFloorsBelow(highest);
        }
        return out;
    }

    /** Whether a replay already carried this event, or it is older than what the client asked for. */
    private boolean covered(long id, Target target) {
        for (Floor floor : floors) {
            if (id <= floor.throughId && floor.feed.includes(target)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Live events come in id order: once one above a floor has arrived, no event at or below it can follow, and
     * the floor is no longer needed.
     */
    private void dropFloorsBelow(long id) {
        List<Floor> current = floors;
        if (current.isEmpty()) {
            return;
        }
        List<Floor> kept = new ArrayList<>(current.size());
        for (Floor floor : current) {
            if (floor.throughId >= id) {
                kept.add(floor);
            }
        }
        if (kept.size() != current.size()) {
            floors = List.copyOf(kept);
        }
    }
}
