package dev.switchboard.presence;

import java.util.Map;

/**
 * One node's full presence: every agent with a connection open on it, as of a version of its state.
 *
 * @param nodeId      the node
 * @param incarnation which run of that node (a restarted node starts its versions again under a new one)
 * @param version     the node's presence version this snapshot was taken at
 * @param agents      agents with at least one open connection there, by agent id
 */
public record PeerPresence(String nodeId, String incarnation, long version, Map<Long, AgentCount> agents) {
    public PeerPresence {
        agents = Map.copyOf(agents);
    }
}
