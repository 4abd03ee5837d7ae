package dev.switchboard.presence;

import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.protocol.ServerFrames.AgentPresence;
import dev.switchboard.routing.Audience;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Recipient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Derives agent presence from connections instead of trusting the page: an agent is online while at least one
 * of its connections is open, and goes offline only after its last one has been closed for a grace period, so
 * a page reload or a second tab closing does not flap the status other agents see.
 *
 * <p>The web app may still set a status through {@code realtime.notify_agent_status} (away, busy); it is kept
 * for the snapshot while the agent stays connected.
 *
 * <p>Changes are rare next to messages, so one lock keeps the online/offline broadcasts in a consistent order.
 */
public final class PresenceTracker {
    private final ConversationRegistry registry;
    private final ServerFrames frames;
    private final ScheduledExecutorService timers;
    private final long graceMillis;
    private final Map<Long, AgentState> agents = new HashMap<>();

    public PresenceTracker(ConversationRegistry registry, ServerFrames frames, ScheduledExecutorService timers,
                           Duration grace) {
        this.registry = registry;
        this.frames = frames;
        this.timers = timers;
        this.graceMillis = grace.toMillis();
    }

    /**
     * Records a newly authenticated staff connection. Call before the connection joins the registry, so the
     * {@code online} broadcast reaches the other agents and the newcomer learns it from its snapshot instead.
     */
    public synchronized void connected(Recipient connection, String name) {
        if (!connection.isStaff()) {
            return;
        }
        AgentState state = agents.get(connection.userId());
        if (state == null) {
            state = new AgentState();
            agents.put(connection.userId(), state);
            registry.deliver(Audience.STAFF, 0, 0, frames.agentStatus(connection.userId(), "online"));
        } else if (state.offlineTimer != null) {
            // Back within the grace period: the others never saw it leave.
            state.offlineTimer.cancel(false);
            state.offlineTimer = null;
        }
        state.connections++;
        if (name != null) {
            state.name = name;
        }
    }

    /** Records a closed staff connection; the last one starts the grace period. */
    public synchronized void disconnected(Recipient connection) {
        if (!connection.isStaff()) {
            return;
        }
        long agentId = connection.userId();
        AgentState state = agents.get(agentId);
        if (state == null || --state.connections > 0) {
            return;
        }
        if (graceMillis == 0) {
            goOffline(agentId, state);
        } else {
            AgentState leaving = state;
            state.offlineTimer = timers.schedule(() -> expire(agentId, leaving), graceMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The web app set a status (away, busy...) through the notifier; remembered while the agent is connected. */
    public synchronized void statusSet(long agentId, String status) {
        AgentState state = agents.get(agentId);
        if (state != null) {
            state.status = status;
        }
    }

    /** The agents online on this node, for the snapshot a newly authenticated agent receives. */
    public synchronized List<AgentPresence> snapshot() {
        List<AgentPresence> list = new ArrayList<>(agents.size());
        agents.forEach((id, state) -> list.add(new AgentPresence(id, state.status, state.name)));
        list.sort((a, b) -> Long.compare(a.agentId(), b.agentId()));
        return list;
    }

    private synchronized void expire(long agentId, AgentState state) {
        if (agents.get(agentId) == state && state.connections == 0) {
            goOffline(agentId, state);
        }
    }

    private void goOffline(long agentId, AgentState state) {
        agents.remove(agentId, state);
        registry.deliver(Audience.STAFF, 0, 0, frames.agentStatus(agentId, "offline"));
    }

    private static final class AgentState {
        int connections;
        String name;
        String status = "online";
        ScheduledFuture<?> offlineTimer;
    }
}
