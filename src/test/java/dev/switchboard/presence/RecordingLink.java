package dev.switchboard.presence;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ClusterLink} that writes down what a tracker tells the other nodes, and notes any call made while the
 * tracker's lock is held.
 */
final class RecordingLink implements ClusterLink {
    record Presence(long version, long agentId, AgentCount count) {
    }

    record Typing(long conversationId, long userId, boolean isTyping) {
    }

    private final List<Object> told = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private Object lock;

    /** Watches this lock (the tracker) from now on. */
    RecordingLink watching(Object trackerLock) {
        this.lock = trackerLock;
        return this;
    }

    @Override
    public synchronized void presenceChanged(long version, long agentId, AgentCount count) {
        check();
        told.add(new Presence(version, agentId, count));
    }

    @Override
    public synchronized void typingChanged(long conversationId, long userId, boolean isTyping) {
        check();
        told.add(new Typing(conversationId, userId, isTyping));
    }

    synchronized List<Object> told() {
        return List.copyOf(told);
    }

    /** Hands back and forgets what was told so far. */
    synchronized List<Object> take() {
        List<Object> taken = List.copyOf(told);
        told.clear();
        return taken;
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    private void check() {
        if (lock != null && Thread.holdsLock(lock)) {
            violations.add("told the cluster with the tracker's lock held");
        }
    }
}
