package dev.switchboard.resume;

import dev.switchboard.notifier.EventRecord;

import java.util.List;
import java.util.Locale;

/** What a {@link ReplaySource} answers a {@link ResumeRequest}: every event the client missed, or why not. */
public sealed interface Replay {

    /** The epoch the answer was made in: the one the client should remember from now on. */
    String epoch();

    /**
     * Every event of the feed after the requested id up to {@code throughId}, in id order.
     *
     * @param events    the events, in id order; empty when the client missed nothing
     * @param throughId the last id (of any feed) the replay's snapshot had numbered: a live event of the same feed
     *                  with an id up to it is in {@code events} or older than the request, and must not be sent
     *                  again
     */
    record Recovered(List<EventRecord> events, long throughId, String epoch) implements Replay {
        public Recovered {
            events = List.copyOf(events);
        }
    }

    /** The client must reload its state; nothing was replayed. */
    record Refused(Reason reason, String epoch) implements Replay {
    }

    /** Why a resume could not be served; sent as {@code resync_required}'s {@code reason}. */
    enum Reason {
        /** The id belongs to another history (another or no epoch, or an id this history never reached). */
        EPOCH,
        /** Events after the id have been pruned (older than {@code EVENT_RETENTION}). */
        RETENTION,
        /** More events than {@code MAX_RESUME_EVENTS}, or more bytes than a send queue may hold. */
        TOO_MANY,
        /** The database could not be read, or the node is resuming too many clients at once. */
        UNAVAILABLE;

        /** The lowercase name used on the wire. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
