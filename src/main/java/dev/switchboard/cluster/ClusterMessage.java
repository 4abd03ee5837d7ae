package dev.switchboard.cluster;

import dev.switchboard.presence.AgentCount;
import dev.switchboard.pusher.RosterEntry;

/**
 * What one node tells the others over the cluster channel. Every message names its sender, so a node can ignore
 * its own (it delivered locally already).
 */
public sealed interface ClusterMessage {
    /** The node that sent it. */
    String nodeId();

    /** An agent's connection count on the sender changed. */
    record PresenceChanged(String nodeId, String incarnation, long version, long agentId, AgentCount count)
            implements ClusterMessage {
    }

    /** A client of the sender started or stopped typing. */
    record TypingChanged(String nodeId, long conversationId, long userId, boolean isTyping)
            implements ClusterMessage {
    }

    /** A user's first connection on the sender joined a Pusher presence channel ({@code present}), or its last left. */
    record MemberChanged(String nodeId, String incarnation, long version, RosterEntry entry, boolean present)
            implements ClusterMessage {
    }

    /**
     * The sender is starting: the others renew at once, so the rows it reads before serving include every change
     * made before it listened.
     */
    record NodeJoined(String nodeId) implements ClusterMessage {
    }

    /** The sender is stopping cleanly: its clients are reconnecting elsewhere. */
    record NodeLeft(String nodeId, String incarnation) implements ClusterMessage {
    }
}
