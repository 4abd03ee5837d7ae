package dev.switchboard.presence;

import dev.switchboard.protocol.ServerFrames;
import dev.switchboard.protocol.ServerFrames.AgentPresence;
import dev.switchboard.routing.ConversationRegistry;
import dev.switchboard.routing.Recipient;
import dev.switchboard.routing.Target;
import dev.switchboard.time.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Derives agent presence from connections instead of trusting the page: an agent is online while at least one
 * of her connections is open on any node, and goes offline only after her last one has been closed for a grace
 * period, so a page reload or a second tab closing does not flap the status other agents see, even when the
 * reload lands on another node.
 *
 * <p>Each node counts its own connections per agent and tells the others every change ({@link ClusterLink});
 * it keeps the counts the other nodes told it, per node, and every node applies the same rules to the same
 * counts, so each decides the same online and offline broadcasts for its own clients and serves the same
 * snapshot. Changes carry the sending node's presence version, so a periodic full snapshot of a node
 * ({@link #peersAlive}) replaces its counts only when it is not older than what was already applied: it heals a
 * lost change without undoing a newer one. A node whose lease lapsed (it died) is dropped with its counts, and
 * agents counted only there go offline at once: they have been gone longer than a reload already.
 *
 * <p>The web app may still set a status through {@code realtime.notify_agent_status} (away, busy); it is kept
 * for the snapshot while the agent stays online.
 *
 * <p>One lock keeps the state; the broadcasts and the changes for the other nodes are decided under it and
 * delivered after it is released, in the same order, through an {@link Outbox}. Grace timers are started after
 * it is released too.
 */
public final class PresenceTracker {
    private final ServerFrames frames;
    private final Scheduler scheduler;
    private final Duration grace;
    private final Outbox outbox;
    /** Agents shown online: counted somewhere, or within their grace period. */
    private final Map<Long, AgentState> agents = new HashMap<>();
    /** This node's connections per agent; only agents with at least one. */
    private final Map<Long, AgentCount> local = new HashMap<>();
    /** What the other nodes said, by node id. */
    private final Map<String, Peer> peers = new HashMap<>();
    /** Counts this node's changes; sent with each, and with each full snapshot of this node. */
    private long version;
    /** Counts {@link #beginSweep} calls, so a sweep never drops a node first heard of after it began. */
    private long sweeps;

    public PresenceTracker(ConversationRegistry registry, ServerFrames frames, Scheduler scheduler,
                           Duration grace) {
        this(registry, frames, scheduler, grace, ClusterLink.NONE);
    }

    /**
     * @param cluster where this node's count changes are told to the other nodes
     */
    public PresenceTracker(ConversationRegistry registry, ServerFrames frames, Scheduler scheduler,
                           Duration grace, ClusterLink cluster) {
        this.frames = frames;
        this.scheduler = scheduler;
        this.grace = grace;
        this.outbox = new Outbox(registry, this, cluster);
    }

    /**
     * Records a newly authenticated staff connection, before it joins the registry. The {@code online} broadcast
     * goes to the other agents only; the newcomer learns its own status from its snapshot.
     */
    public void connected(Recipient connection, String name) {
        if (!connection.isStaff()) {
            return;
        }
        long agentId = connection.userId();
        List<Grace> graces;
        synchronized (this) {
            AgentCount before = local.get(agentId);
            String known = name != null ? name : before != null ? before.name() : null;
            changeLocal(agentId, new AgentCount(before == null ? 1 : before.connections() + 1, known));
            if (name != null) {
                AgentState state = agents.get(agentId);
                if (state != null) {
                    state.name = name;
                }
            }
            graces = reconcile(agentId, Leaving.AFTER_GRACE);
        }
        finish(graces);
    }

    /** Records a closed staff connection; the last one in the cluster starts the grace period. */
    public void disconnected(Recipient connection) {
        if (!connection.isStaff()) {
            return;
        }
        long agentId = connection.userId();
        List<Grace> graces;
        synchronized (this) {
            AgentCount before = local.get(agentId);
            if (before == null) {
                return;
            }
            changeLocal(agentId, new AgentCount(before.connections() - 1, before.name()));
            graces = reconcile(agentId, Leaving.AFTER_GRACE);
        }
        finish(graces);
    }

    /** The web app set a status (away, busy...) through the notifier; remembered while the agent is online. */
    public synchronized void statusSet(long agentId, String status) {
        AgentState state = agents.get(agentId);
        if (state != null) {
            state.status = status;
        }
    }

    /** The agents online in the cluster, for the snapshot a newly authenticated agent receives. */
    public synchronized List<AgentPresence> snapshot() {
        List<AgentPresence> list = new ArrayList<>(agents.size());
        agents.forEach((id, state) -> list.add(new AgentPresence(id, state.status, state.name)));
        list.sort((a, b) -> Long.compare(a.agentId(), b.agentId()));
        return list;
    }

    /**
     * This node's full presence, to publish for the other nodes: its agents' connection counts as of its current
     * version.
     */
    public synchronized PeerPresence localPresence(String nodeId, String incarnation) {
        return new PeerPresence(nodeId, incarnation, version, local);
    }

    /**
     * Another node changed an agent's count. A change not newer than what was already applied from that node
     * (its last change or snapshot) is ignored; a change from a new incarnation of the node (it restarted)
     * replaces everything known of the old one.
     */
    public void peerChanged(String nodeId, String incarnation, long peerVersion, long agentId, AgentCount count) {
        List<Grace> graces = new ArrayList<>();
        synchronized (this) {
            Peer peer = peers.get(nodeId);
            if (peer == null || !peer.incarnation.equals(incarnation)) {
                Map<Long, AgentCount> forgotten = peer == null ? Map.of() : peer.agents;
                peer = new Peer(incarnation, sweeps);
                peers.put(nodeId, peer);
                for (Long gone : forgotten.keySet()) {
                    graces.addAll(reconcile(gone, Leaving.AFTER_GRACE));
                }
            } else if (peerVersion <= peer.version) {
                return;
            }
            peer.version = peerVersion;
            if (count.connections() > 0) {
                peer.agents.put(agentId, count);
                nameFrom(agentId, count);
            } else {
                peer.agents.remove(agentId);
            }
            graces.addAll(reconcile(agentId, Leaving.AFTER_GRACE));
        }
        finish(graces);
    }

    /**
     * Another node stopped cleanly (it said so): its agents leave as if their connections there had closed, with
     * the grace period, since its clients are reconnecting elsewhere.
     */
    public void peerLeft(String nodeId) {
        List<Grace> graces;
        synchronized (this) {
            Peer peer = peers.remove(nodeId);
            if (peer == null) {
                return;
            }
            graces = reconcileAll(peer.agents.keySet(), Leaving.AFTER_GRACE);
        }
        finish(graces);
    }

    /**
     * Starts a resync: call before reading the live nodes from the database, and pass the result to
     * {@link #peersAlive} with the live nodes read after it.
     */
    public synchronized long beginSweep() {
        return ++sweeps;
    }

    /**
     * The nodes whose lease is current, each with its full presence as last published: replaces each node's
     * counts with its snapshot unless a newer change was already applied, and drops the nodes missing from the
     * list (their lease lapsed: they died or lost the database), taking their agents offline at once where no
     * other node counts them. A node first heard of after {@code sweep} began is kept; this node's own entry is
     * the caller's to leave out.
     *
     * @param sweep what {@link #beginSweep} returned before {@code live} was read
     */
    public void peersAlive(long sweep, Collection<PeerPresence> live) {
        List<Grace> graces = new ArrayList<>();
        synchronized (this) {
            Set<String> alive = new HashSet<>();
            for (PeerPresence snapshot : live) {
                alive.add(snapshot.nodeId());
                Peer peer = peers.get(snapshot.nodeId());
                Set<Long> touched = new HashSet<>(snapshot.agents().keySet());
                if (peer == null || !peer.incarnation.equals(snapshot.incarnation())) {
                    if (peer != null) {
                        touched.addAll(peer.agents.keySet());
                    }
                    peer = new Peer(snapshot.incarnation(), sweeps);
                    peers.put(snapshot.nodeId(), peer);
                } else if (snapshot.version() < peer.version) {
                    continue;
                } else {
                    touched.addAll(peer.agents.keySet());
                }
                peer.version = snapshot.version();
                peer.agents.clear();
                for (Map.Entry<Long, AgentCount> entry : snapshot.agents().entrySet()) {
                    if (entry.getValue().connections() > 0) {
                        peer.agents.put(entry.getKey(), entry.getValue());
                        nameFrom(entry.getKey(), entry.getValue());
                    }
                }
                graces.addAll(reconcileAll(touched, Leaving.AFTER_GRACE));
            }
            List<String> lapsed = new ArrayList<>();
            peers.forEach((nodeId, peer) -> {
                if (!alive.contains(nodeId) && peer.bornInSweep < sweep) {
                    lapsed.add(nodeId);
                }
            });
            for (String nodeId : lapsed) {
                Peer peer = peers.remove(nodeId);
                graces.addAll(reconcileAll(peer.agents.keySet(), Leaving.AT_ONCE));
            }
        }
        finish(graces);
    }

    /** The other nodes this one currently counts agents from, for health and tests. */
    public synchronized Set<String> knownPeers() {
        return Set.copyOf(peers.keySet());
    }

    /** Called under the lock: sets this node's count for an agent and queues the change for the other nodes. */
    private void changeLocal(long agentId, AgentCount count) {
        if (count.connections() > 0) {
            local.put(agentId, count);
        } else {
            local.remove(agentId);
        }
        long changed = ++version;
        outbox.announce(cluster -> cluster.presenceChanged(changed, agentId, count));
    }

    /** Called under the lock. */
    private void nameFrom(long agentId, AgentCount count) {
        AgentState state = agents.get(agentId);
        if (state != null && count.name() != null && state.name == null) {
            state.name = count.name();
        }
    }

    /** Called under the lock. */
    private List<Grace> reconcileAll(Collection<Long> agentIds, Leaving leaving) {
        List<Grace> graces = new ArrayList<>();
        for (Long agentId : agentIds) {
            graces.addAll(reconcile(agentId, leaving));
        }
        return graces;
    }

    /**
     * Called under the lock after an agent's counts changed: broadcasts {@code online} when she was not shown
     * online, and starts her grace period (or takes her offline) when no node counts her any more.
     *
     * @return the grace timer to start once the lock is released, if any
     */
    private List<Grace> reconcile(long agentId, Leaving leaving) {
        String name = null;
        int total = 0;
        AgentCount here = local.get(agentId);
        if (here != null) {
            total += here.connections();
            name = here.name();
        }
        for (Peer peer : peers.values()) {
            AgentCount there = peer.agents.get(agentId);
            if (there != null) {
                total += there.connections();
                if (name == null) {
                    name = there.name();
                }
            }
        }
        AgentState state = agents.get(agentId);
        if (total > 0) {
            if (state == null) {
                state = new AgentState();
                state.name = name;
                agents.put(agentId, state);
                outbox.add(new Target.StaffExceptUser(agentId), frames.agentStatus(agentId, "online"));
            }
            if (!state.counted) {
                // Back within the grace period, the others never saw her leave; the pending timer sees this.
                state.counted = true;
                state.generation++;
            }
            return List.of();
        }
        if (state == null || !state.counted) {
            return List.of();
        }
        state.counted = false;
        if (leaving == Leaving.AT_ONCE || grace.isZero()) {
            goOffline(agentId, state);
            return List.of();
        }
        return List.of(new Grace(agentId, state, state.generation));
    }

    private void finish(List<Grace> graces) {
        for (Grace pending : graces) {
            // Not cancelled on return: the generation tells this timer that the agent came back.
            scheduler.schedule(() -> expire(pending), grace);
        }
        outbox.flush();
    }

    private void expire(Grace pending) {
        synchronized (this) {
            AgentState state = pending.state;
            if (agents.get(pending.agentId) != state || state.counted || state.generation != pending.generation) {
                return;
            }
            goOffline(pending.agentId, state);
        }
        outbox.flush();
    }

    /** Called under the lock. */
    private void goOffline(long agentId, AgentState state) {
        agents.remove(agentId, state);
        outbox.add(Target.STAFF, frames.agentStatus(agentId, "offline"));
    }

    /** How an agent no node counts any more leaves. */
    private enum Leaving {
        /** Her last connection closed: she may be reloading, so she stays online for the grace period. */
        AFTER_GRACE,
        /** The node that counted her died long enough ago that a reload would have landed already. */
        AT_ONCE
    }

    private record Grace(long agentId, AgentState state, long generation) {
    }

    private static final class AgentState {
        /** Whether some node counts her; false during her grace period. */
        boolean counted;
        /** Counts returns from the grace period, so a grace timer can tell whether she came back. */
        long generation;
        String name;
        String status = "online";
    }

    /** What is known of another node. */
    private static final class Peer {
        final String incarnation;
        /** When this node was first heard of, in sweeps. */
        final long bornInSweep;
        long version = Long.MIN_VALUE;
        final Map<Long, AgentCount> agents = new HashMap<>();

        Peer(String incarnation, long bornInSweep) {
            this.incarnation = incarnation;
            this.bornInSweep = bornInSweep;
        }
    }
}
