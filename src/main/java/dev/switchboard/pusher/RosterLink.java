package dev.switchboard.pusher;

/**
 * Where this node's Pusher channels tell the other nodes that a user joined or left a presence channel here.
 * Called with no channel lock held, in the order the changes were decided; an implementation only queues (it
 * must not block nor do I/O on the caller's thread) and may drop what it cannot queue, since the periodic roster
 * resync ({@link RosterSync#localRoster}) heals a lost change.
 */
public interface RosterLink {
    /** A single node: nothing to tell. */
    RosterLink NONE = (version, entry, present) -> {
    };

    /**
     * A user's first connection on this node joined a presence channel ({@code present}), or its last one left.
     *
     * @param version this node's roster version after the change, ordering it against the snapshots
     */
    void memberChanged(long version, RosterEntry entry, boolean present);

    /** A link whose target is attached after the channels exist; what is said before that is dropped. */
    final class Deferred implements RosterLink {
        private volatile RosterLink target = NONE;

        /** From now on, changes go to {@code link}. */
        public void attach(RosterLink link) {
            target = link;
        }

        @Override
        public void memberChanged(long version, RosterEntry entry, boolean present) {
            target.memberChanged(version, entry, present);
        }
    }
}
