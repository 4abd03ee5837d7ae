package dev.switchboard.presence;

/**
 * Where the trackers tell the other nodes what changed on this one: an agent's connection count here, and the
 * typing of this node's clients. Called with no tracker lock held, in the order the changes were decided; an
 * implementation only queues (it must not block, nor do I/O on the caller's thread) and may drop what it cannot
 * queue, since the periodic presence resync heals a lost count and a typing indicator ends on its own.
 */
public interface ClusterLink {
    /** A single node: nothing to tell. */
    ClusterLink NONE = new ClusterLink() {
        @Override
        public void presenceChanged(long version, long agentId, AgentCount count) {
        }

        @Override
        public void typingChanged(long conversationId, long userId, boolean isTyping) {
        }
    };

    /**
     * An agent's open connections on this node changed.
     *
     * @param version this node's presence version after the change; it orders the change against the snapshots
     *                the node publishes, see {@link PresenceTracker#localPresence()}
     */
    void presenceChanged(long version, long agentId, AgentCount count);

    /** A client of this node started or stopped typing (including the ends the server decided itself). */
    void typingChanged(long conversationId, long userId, boolean isTyping);

    /**
     * A link whose target is attached after the trackers exist: the database side is started after the core,
     * and what the trackers say before that (no client is connected yet) is dropped.
     */
    final class Deferred implements ClusterLink {
        private volatile ClusterLink target = NONE;

        /** From now on, changes go to {@code link}. */
        public void attach(ClusterLink link) {
            target = link;
        }

        @Override
        public void presenceChanged(long version, long agentId, AgentCount count) {
            target.presenceChanged(version, agentId, count);
        }

        @Override
        public void typingChanged(long conversationId, long userId, boolean isTyping) {
            target.typingChanged(conversationId, userId, isTyping);
        }
    }
}
