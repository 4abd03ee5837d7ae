package dev.switchboard.resume;

import java.util.UUID;
import java.util.function.Consumer;

/**
 * Where the realtime core gets the events a resuming client missed. The core has no database: the node plugs in
 * {@link DatabaseReplaySource}, tests a fake.
 */
public interface ReplaySource {

    /** The epoch of the event history as last read: what {@code authenticated} tells every client. */
    String epoch();

    /**
     * Answers a request, later and on a thread of the source's own (or at once on the caller's, when it refuses
     * without reading anything). Never blocks the caller and never calls {@code done} with a lock of the caller's
     * held, so the caller must hold none when calling.
     */
    void replay(ResumeRequest request, Consumer<Replay> done);

    /** A source with no history at all, for a core without a database: every resume is refused. */
    static ReplaySource none() {
        String epoch = UUID.randomUUID().toString();
        return new ReplaySource() {
            @Override
            public String epoch() {
                return epoch;
            }

            @Override
            public void replay(ResumeRequest request, Consumer<Replay> done) {
                done.accept(new Replay.Refused(Replay.Reason.UNAVAILABLE, epoch));
            }
        };
    }
}
