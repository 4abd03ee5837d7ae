package dev.switchboard.ws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every open WebSocket session of this node, authenticated or not: what shutdown closes and the heartbeat
 * checks. The routing registry only knows authenticated ones.
 */
public final class OpenSessions {
    /** The role tag of a session before it authenticates. */
    static final String UNAUTHENTICATED = "unauthenticated";

    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    /**
     * Open sessions by role tag, kept as they open, authenticate and close, so a metrics read costs a lookup, not a
     * walk over every session. A session's role never changes once it has one (a re-auth cannot change it).
     */
    private final Map<String, AtomicInteger> byRole = new ConcurrentHashMap<>();

    void add(ClientSession session) {
        if (sessions.add(session)) {
            count(UNAUTHENTICATED).incrementAndGet();
        }
    }

    /**
     * A session open here has authenticated, once, as {@code role}: it counts under that role from now on. Call it
     * after the session's role tag reads {@code role}, so a close at the same moment takes it off the right count.
     */
    void authenticated(ClientSession session, String role) {
        count(UNAUTHENTICATED).decrementAndGet();
        count(role).incrementAndGet();
    }

    void remove(ClientSession session) {
        if (sessions.remove(session)) {
            count(session.roleTag()).decrementAndGet();
        }
    }

    /** Sessions open now. */
    public int size() {
        return sessions.size();
    }

    /** Sessions open now whose role tag is {@code role} ({@code unauthenticated} before auth); for metrics. */
    public int countByRole(String role) {
        AtomicInteger count = byRole.get(role);
        // Briefly negative when a session closes between authenticating and being counted as authenticated.
        return count == null ? 0 : Math.max(0, count.get());
    }

    private AtomicInteger count(String role) {
        AtomicInteger count = byRole.get(role);
        return count != null ? count : byRole.computeIfAbsent(role, r -> new AtomicInteger());
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
