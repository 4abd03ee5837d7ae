package dev.switchboard.presence;

import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.protocol.ServerFrames.AgentPresence;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Recipient;
import dev.switchboard.routing.Target;
import dev.switchboard.time.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Derives agent presence from connections instead of trusting the page: an agent is online while at least one
 * of its connections is open, and goes offline only after its last one has been closed for a grace period, so
 * a page reload or a second tab closing does not flap the status other agents see.
 *
 * <p>The web app may still set a status through {@code realtime.notify_agent_status} (away, busy); it is kept
 * for the snapshot while the agent stays connected.
 *
 * <p>One lock keeps the state; the online/offline broadcasts are decided under it and delivered after it is
 * released, in the same order, through an {@link Outbox}.
 */
public final class PresenceTracker {
    private final ServerFrames frames;
    private final Scheduler scheduler;
    private final Duration grace;
    private final Outbox outbox;
    private final Map<Long, AgentState> agents = new HashMap<>();

    public PresenceTracker(ConversationRegistry registry, ServerFrames frames, Scheduler scheduler,
                           Duration grace) {
        this.frames = frames;
        this.scheduler = scheduler;
        this.grace = grace;
        this.outbox = new Outbox(registry, this);
    }

    /**
     * Records a newly authenticated staff connection, before it joins the registry. The {@code online} broadcast
     * goes to the other agents only; the newcomer learns its own status from its snapshot.
     */
    public void connected(Recipient connection, String name) {
        if (!connection.isStaff()) {
            return;
        }
        synchronized (this) {
            AgentState state = agents.get(connection.userId());
            if (state == null) {
                state = new AgentState();
                agents.put(connection.userId(), state);
                outbox.add(new Target.StaffExceptUser(connection.userId()),
                        frames.agentStatus(connection.userId(), "online"));
            }
            // Back within the grace period, the others never saw it leave; the pending timer finds it here again.
            state.connections++;
            state.generation++;
            if (name != null) {
                state.name = name;
            }
        }
        outbox.flush();
    }

    /** Records a closed staff connection; the last one starts the grace period. */
    public void disconnected(Recipient connection) {
        if (!connection.isStaff()) {
            return;
        }
        long agentId = connection.userId();
        AgentState leaving;
        long generation;
        synchronized (this) {
            AgentState state = agents.get(agentId);
            if (state == null || --state.connections > 0) {
                return;
            }
            if (grace.isZero()) {
                goOffline(agentId, state);
                leaving = null;
                generation = 0;
            } else {
                leaving = state;
                generation = state.generation;
            }
        }
        if (leaving == null) {
            outbox.flush();
        } else {
            // Not cancelled on reconnect: the generation tells this timer that the agent came back.
            scheduler.schedule(() -> expire(agentId, leaving, generation), grace);
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

    private void expire(long agentId, AgentState state, long generation) {
        synchronized (this) {
            if (agents.get(agentId) != state || state.connections != 0 || state.generation != generation) {
                return;
            }
            goOffline(agentId, state);
        }
        outbox.flush();
    }

    /** Called under the lock. */
    private void goOffline(long agentId, AgentState state) {
        agents.remove(agentId, state);
        outbox.add(Target.STAFF, frames.agentStatus(agentId, "offline"));
    }

    private static final class AgentState {
        int connections;
        /** Counts connects, so a grace timer can tell whether the agent came back since it was started. */
        long generation;
        String name;
        String status = "online";
    }
}
