package dev.switchboard.pusher;

import java.util.List;

/**
 * One node's full Pusher presence: every user on every presence channel there, as of a version of its state.
 *
 * @param nodeId      the node
 * @param incarnation which run of that node (a restarted node starts its versions again under a new one)
 * @param version     the node's roster version the entries were taken at
 * @param entries     one per user and presence channel
 */
public record NodeRoster(String nodeId, String incarnation, long version, List<RosterEntry> entries) {
    public NodeRoster {
        entries = List.copyOf(entries);
    }
}
