package dev.switchboard.pusher;

import java.util.Collection;
import java.util.List;

/**
 * The side of this node's Pusher channels the cluster feeds: the other nodes' presence members, changed one at a
 * time by notifications and replaced whole by the periodic lease renewal, which also drops dead nodes.
 * Implementations decide under their own lock and deliver after, so the caller may hold no lock of theirs.
 */
public interface RosterSync {
    /** A node without Pusher channels: it has no members and ignores the others'. */
    RosterSync NONE = new RosterSync() {
        @Override
        public long beginSweep() {
            return 0;
        }

        @Override
        public NodeRoster localRoster(String nodeId, String incarnation) {
            return new NodeRoster(nodeId, incarnation, 0, List.of());
        }

        @Override
        public void peerMemberChanged(String nodeId, String incarnation, long version, RosterEntry entry,
                                      boolean present) {
        }

        @Override
        public void peersAlive(long sweep, Collection<NodeRoster> live) {
        }

        @Override
        public void peerLeft(String nodeId) {
        }
    };

    /** Marks the start of a renewal; pass what it returns to {@link #peersAlive} with the rows read after it. */
    long beginSweep();

    /** This node's members, to store in its lease row. */
    NodeRoster localRoster(String nodeId, String incarnation);

    /** A user joined ({@code present}) or left a presence channel on another node. */
    void peerMemberChanged(String nodeId, String incarnation, long version, RosterEntry entry, boolean present);

    /**
     * The full rosters of the live nodes, read from their leases after {@code sweep} began: each replaces what
     * was known of its node unless older, and a node not among them (and first heard of before the sweep) is
     * dead and its members leave.
     */
    void peersAlive(long sweep, Collection<NodeRoster> live);

    /** Another node stopped cleanly: its members leave now. */
    void peerLeft(String nodeId);
}
