package dev.switchboard.ws;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every open WebSocket session of this node, authenticated or not: what shutdown closes and the heartbeat
 * checks. The routing registry only knows authenticated ones.
 */
public final class OpenSessions {
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();

    void add(ClientSession session) {
        sessions.add(session);
    }

    void remove(ClientSession session) {
        sessions.remove(session);
    }

    /** Sessions open now. */
    public int size() {
        return sessions.size();
    }

    /** Sessions open now whose role tag is {@code role} ({@code unauthenticated} before auth); for metrics. */
    public int countByRole(String role) {
        int count = 0;
        for (ClientSession session : sessions) {
            if (role.equals(session.roleTag())) {
                count++;
            }
        }
        return count;
    }

    /** A copy, safe to iterate while sessions come and go. */
    List<ClientSession> snapshot() {
        return new ArrayList<>(sessions);
    }

    /**
     * Closes every session after what is already queued for it, for a graceful shutdown.
     *
     * @param code   close code, 1001 on shutdown
     * @param reason close reason
     */
    public void closeAll(int code, String reason) {
        for (ClientSession session : snapshot()) {
            session.closeAfterFlush(code, reason);
        }
    }

    /**
     * Sends a WebSocket ping to every session and closes those that have been silent longer than
     * {@code idleTimeoutNanos}: a laptop that went to sleep must not keep its agent "online" for hours.
     */
    public void heartbeat(long now, long idleTimeoutNanos) {
        for (ClientSession session : snapshot()) {
            session.heartbeat(now, idleTimeoutNanos);
        }
    }
}
