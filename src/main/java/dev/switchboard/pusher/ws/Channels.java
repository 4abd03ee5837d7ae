package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.pusher.ChannelDirectory;
import dev.switchboard.pusher.NodeRoster;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.pusher.RosterEntry;
import dev.switchboard.pusher.RosterLink;
import dev.switchboard.pusher.RosterSync;
import dev.switchboard.routing.OrderedHandoff;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's Pusher channels: who is subscribed to what, the presence rosters, the last event of each cache
 * channel, and the delivery of events to subscribers.
 *
 * <p>One lock guards it all. Every frame is decided under it and queued in an outbox, which one thread at a time
 * hands to the connections after the lock is released, in the order decided: a joiner's
 * {@code subscription_succeeded} before any event published after it, a {@code member_added} before the same
 * user's {@code member_removed}. Handing over only queues frames on connections, so no socket is touched here.
 *
 * <p>Presence is cluster-wide: a presence channel's members are this node's and those the other nodes report
 * ({@link RosterSync}, merged in {@link PeerRosters} under the same lock). {@code member_added} goes out when a
 * user's first connection anywhere joins, {@code member_removed} when its last one anywhere leaves (or its node's
 * lease lapses). What this node tells the others ({@link RosterLink}) is queued in the same outbox as the frames,
 * so the changes leave in the order of their versions.
 */
public final class Channels implements ChannelDirectory, RosterSync {
    /** Cache channels remembered across the node, least recently published forgotten first. */
    static final int MAX_CACHED_CHANNELS = 10_000;

    private final PusherFrames frames;
    private final int maxChannelsPerConnection;
    private final int maxPresenceMembers;
    private final Set<Subscriber> connected = ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    /** App id, then channel name: occupied channels only. */
    private final Map<String, Map<String, ChannelState>> apps = new HashMap<>();
    private final Map<Subscriber, Set<String>> subscriptions = new HashMap<>();
    /** App id and channel to the last event's frame, in access order: the least recently used is forgotten. */
    private final Map<String, String> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_CACHED_CHANNELS;
        }
    };
    /** Frames and roster changes decided under the lock, handed on after it in the order decided. */
    private final OrderedHandoff<Delivery> pending = new OrderedHandoff<>(lock, this::handOn);
    /** The other nodes' presence members. */
    private final PeerRosters peers = new PeerRosters();
    /** Bumped on every change of this node's presence members; orders them against its roster snapshots. */
    private long rosterVersion;
    private volatile RosterLink cluster = RosterLink.NONE;

    /**
     * @param maxChannelsPerConnection channels one connection may be subscribed to
     * @param maxPresenceMembers       distinct users one presence channel may hold
     */
    public Channels(PusherFrames frames, int maxChannelsPerConnection, int maxPresenceMembers) {
        this.frames = frames;
        this.maxChannelsPerConnection = maxChannelsPerConnection;
        this.maxPresenceMembers = maxPresenceMembers;
    }

    /** A presence member as its channel data named it. */
    record Member(String userId, JsonNode userInfo) {
    }

    /** From now on, this node's presence changes are told to {@code link}; before, nobody listens. */
    public void attachCluster(RosterLink link) {
        cluster = link;
    }

    /** A new connection, counted and reachable by {@link #terminateUserConnections}. */
    void connected(Subscriber subscriber) {
        connected.add(subscriber);
    }

    /** A closed connection leaves every channel it was on. */
    void disconnected(Subscriber subscriber) {
        connected.remove(subscriber);
        synchronized (lock) {
            Set<String> channels = subscriptions.remove(subscriber);
            if (channels != null) {
                for (String channel : channels) {
                    leave(subscriber, channel);
                }
            }
        }
        flush();
    }

    /**
     * Subscribes a connection whose authorisation is already checked, answering it with
     * {@code subscription_succeeded} (and the cached event, or {@code cache_miss}), or with
     * {@code subscription_error} when a limit refuses it.
     *
     * @param member the presence member, for presence channels; null otherwise
     */
    void subscribe(Subscriber subscriber, ChannelName channel, Member member) {
        synchronized (lock) {
            subscribeLocked(subscriber, channel, member);
        }
        flush();
    }

    /** Unsubscribes; nothing is sent to the connection, as pusher-js expects no answer. */
    void unsubscribe(Subscriber subscriber, String channel) {
        synchronized (lock) {
            Set<String> channels = subscriptions.get(subscriber);
            if (channels == null || !channels.remove(channel)) {
                return;
            }
            if (channels.isEmpty()) {
                subscriptions.remove(subscriber);
            }
            leave(subscriber, channel);
        }
        flush();
    }

    /**
     * The connection's membership of a channel, for client events: empty when it is not subscribed; a member
     * whose user id is null on channels other than presence ones.
     */
    Optional<Member> membership(Subscriber subscriber, String channel) {
        synchronized (lock) {
            ChannelState state = state(subscriber.app(), channel);
            if (state == null || !state.subscribers.containsKey(subscriber)) {
                return Optional.empty();
            }
            Member member = state.subscribers.get(subscriber);
            return Optional.of(member == null ? new Member(null, null) : member);
        }
    }

    /** Sends {@code frame} to every subscriber of {@code channel} but the sender. */
    void relay(Subscriber from, String channel, String frame) {
        synchronized (lock) {
            ChannelState state = state(from.app(), channel);
            if (state == null) {
                return;
            }
            for (Subscriber to : state.subscribers.keySet()) {
                if (to != from) {
                    pending.add(new ToSubscriber(to, frame));
                }
            }
        }
        flush();
    }

    /** Queues a frame to one connection behind the frames already decided for it. */
    void send(Subscriber to, String frame) {
        synchronized (lock) {
            pending.add(new ToSubscriber(to, frame));
        }
        flush();
    }

    /** Open Pusher connections on this node. */
    public int connectionCount() {
        return connected.size();
    }

    /** Occupied channels on this node, over every app. */
    public int channelCount() {
        synchronized (lock) {
            return apps.values().stream().mapToInt(Map::size).sum();
        }
    }

    /** Every open connection, for a graceful shutdown. */
    List<Subscriber> connections() {
        return new ArrayList<>(connected);
    }

    @Override
    public void publish(PusherApp app, List<String> channels, String event, String data,
                       Optional<String> exceptSocketId) {
        synchronized (lock) {
            Set<Subscriber> reached = new LinkedHashSet<>();
            for (String channel : channels) {
                String frame = frames.event(channel, event, data);
                if (ChannelName.parse(channel).map(ChannelName::cached).orElse(false)) {
                    cache.put(cacheKey(app, channel), frame);
                }
                ChannelState state = state(app, channel);
                if (state == null) {
                    continue;
                }
                for (Subscriber subscriber : state.subscribers.keySet()) {
                    if (exceptSocketId.isPresent() && exceptSocketId.get().equals(subscriber.socketId())) {
                        continue;
                    }
                    if (reached.add(subscriber)) {
                        pending.add(new ToSubscriber(subscriber, frame));
                    }
                }
            }
        }
        flush();
    }

    @Override
    public List<ChannelSummary> occupied(PusherApp app, String prefix) {
        synchronized (lock) {
            Map<String, ChannelState> channels = apps.getOrDefault(app.id(), Map.of());
            List<ChannelSummary> list = new ArrayList<>();
            for (ChannelState state : channels.values()) {
                if (prefix == null || state.name.name().startsWith(prefix)) {
                    list.add(summary(app.id(), state));
                }
            }
            // Presence channels whose members are all on other nodes are occupied too.
            for (String name : peers.channels(app.id())) {
                if (!channels.containsKey(name) && (prefix == null || name.startsWith(prefix))) {
                    list.add(new ChannelSummary(name, 0, Optional.of(peers.members(app.id(), name).size())));
                }
            }
            return list;
        }
    }

    @Override
    public ChannelSummary channel(PusherApp app, String channel) {
        synchronized (lock) {
            ChannelState state = state(app, channel);
            if (state != null) {
                return summary(app.id(), state);
            }
            boolean presence = ChannelName.parse(channel).map(c -> c.kind() == ChannelName.Kind.PRESENCE)
                    .orElse(false);
            return new ChannelSummary(channel, 0,
                    presence ? Optional.of(peers.members(app.id(), channel).size()) : Optional.empty());
        }
    }

    @Override
    public List<String> users(PusherApp app, String presenceChannel) {
        synchronized (lock) {
            return List.copyOf(members(app.id(), presenceChannel, state(app, presenceChannel)).keySet());
        }
    }

    @Override
    public int terminateUserConnections(PusherApp app, String userId) {
        Set<Subscriber> doomed = new LinkedHashSet<>();
        for (Subscriber subscriber : connected) {
            if (subscriber.app().id().equals(app.id()) && subscriber.signedInUser().filter(userId::equals).isPresent()) {
                doomed.add(subscriber);
            }
        }
        synchronized (lock) {
            for (ChannelState state : apps.getOrDefault(app.id(), Map.of()).values()) {
                state.subscribers.forEach((subscriber, member) -> {
                    if (member != null && userId.equals(member.userId())) {
                        doomed.add(subscriber);
                    }
                });
            }
        }
        for (Subscriber subscriber : doomed) {
            subscriber.terminate(PusherCodes.UNAUTHORIZED, "Connection terminated by the backend");
        }
        return doomed.size();
    }

    /** Called under the lock. */
    private void subscribeLocked(Subscriber subscriber, ChannelName channel, Member member) {
        Set<String> mine = subscriptions.computeIfAbsent(subscriber, s -> new LinkedHashSet<>());
        String name = channel.name();
        ChannelState state = state(subscriber.app(), name);
        if (state != null && state.subscribers.containsKey(subscriber)) {
            // Subscribing twice is harmless; answer again so a client waiting for it is not left hanging.
            Member previous = state.subscribers.get(subscriber);
            if (member == null || member.equals(previous)) {
                succeeded(subscriber, state);
                return;
            }
            // The same connection as another presence member: leave as the old one first.
            mine.remove(name);
            leave(subscriber, name);
            state = state(subscriber.app(), name);
        }
        if (mine.size() >= maxChannelsPerConnection) {
            refuse(subscriber, name, "LimitReached", "a connection may be subscribed to at most "
                    + maxChannelsPerConnection + " channels", 429);
            if (mine.isEmpty()) {
                subscriptions.remove(subscriber);
            }
            return;
        }
        if (member != null && !members(subscriber.app().id(), name, state).containsKey(member.userId())
                && members(subscriber.app().id(), name, state).size() >= maxPresenceMembers) {
            refuse(subscriber, name, "LimitReached", "presence channel " + name + " already has "
                    + maxPresenceMembers + " members", 403);
            if (mine.isEmpty()) {
                subscriptions.remove(subscriber);
            }
            return;
        }
        if (state == null) {
            state = new ChannelState(channel);
            apps.computeIfAbsent(subscriber.app().id(), id -> new HashMap<>()).put(name, state);
        }
        mine.add(name);
        state.subscribers.put(subscriber, member);
        boolean firstOfUser = false;
        if (member != null) {
            Presence presence = state.roster.get(member.userId());
            if (presence == null) {
                state.roster.put(member.userId(), new Presence(member.userInfo()));
                tell(subscriber.app().id(), name, member, true);
                firstOfUser = !peers.has(subscriber.app().id(), name, member.userId());
            } else {
                presence.connections++;
            }
        }
        succeeded(subscriber, state);
        if (firstOfUser) {
            String added = frames.memberAdded(name, member.userId(), member.userInfo());
            for (Subscriber other : state.subscribers.keySet()) {
                if (other != subscriber) {
                    pending.add(new ToSubscriber(other, added));
                }
            }
        }
        if (channel.cached()) {
            String cached = cache.get(cacheKey(subscriber.app(), name));
            pending.add(new ToSubscriber(subscriber, cached != null ? cached : frames.cacheMiss(name)));
        }
    }

    /** Called under the lock. */
    private void succeeded(Subscriber subscriber, ChannelState state) {
        String frame;
        if (state.name.kind() == ChannelName.Kind.PRESENCE) {
            frame = frames.presenceSucceeded(state.name.name(),
                    members(subscriber.app().id(), state.name.name(), state));
        } else {
            frame = frames.subscriptionSucceeded(state.name.name());
        }
        pending.add(new ToSubscriber(subscriber, frame));
    }

    /** Called under the lock. */
    private void refuse(Subscriber subscriber, String channel, String type, String error, int status) {
        pending.add(new ToSubscriber(subscriber, frames.subscriptionError(channel, type, error, status)));
    }

    /** Takes a connection off a channel it was on; called under the lock, its own subscription set updated. */
    private void leave(Subscriber subscriber, String channel) {
        Map<String, ChannelState> channels = apps.get(subscriber.app().id());
        ChannelState state = channels == null ? null : channels.get(channel);
        if (state == null || !state.subscribers.containsKey(subscriber)) {
            return;
        }
        Member member = state.subscribers.remove(subscriber);
        if (member != null) {
            Presence presence = state.roster.get(member.userId());
            if (presence != null && --presence.connections == 0) {
                state.roster.remove(member.userId());
                tell(subscriber.app().id(), channel, member, false);
                if (!peers.has(subscriber.app().id(), channel, member.userId())) {
                    String removed = frames.memberRemoved(channel, member.userId());
                    for (Subscriber other : state.subscribers.keySet()) {
                        pending.add(new ToSubscriber(other, removed));
                    }
                }
            }
        }
        if (state.subscribers.isEmpty()) {
            channels.remove(channel);
            if (channels.isEmpty()) {
                apps.remove(subscriber.app().id());
            }
        }
    }

    /** Called under the lock. */
    private ChannelState state(PusherApp app, String channel) {
        return state(app.id(), channel);
    }

    /** Called under the lock. */
    private ChannelState state(String appId, String channel) {
        Map<String, ChannelState> channels = apps.get(appId);
        return channels == null ? null : channels.get(channel);
    }

    /**
     * A presence channel's members on every node: this node's in join order, then the others' not also here.
     * Called under the lock; {@code state} is the channel's local state, or null.
     */
    private Map<String, JsonNode> members(String appId, String channel, ChannelState state) {
        Map<String, JsonNode> members = new LinkedHashMap<>();
        if (state != null) {
            state.roster.forEach((id, presence) -> members.put(id, presence.userInfo));
        }
        peers.members(appId, channel).forEach((id, info) -> {
            if (!members.containsKey(id)) {
                members.put(id, info);
            }
        });
        return members;
    }

    /** Called under the lock. */
    private ChannelSummary summary(String appId, ChannelState state) {
        return new ChannelSummary(state.name.name(), state.subscribers.size(),
                state.name.kind() == ChannelName.Kind.PRESENCE
                        ? Optional.of(members(appId, state.name.name(), state).size()) : Optional.empty());
    }

    /** Queues the news of a user's first joining or last leaving here for the other nodes; under the lock. */
    private void tell(String appId, String channel, Member member, boolean present) {
        rosterVersion++;
        pending.add(new ToCluster(rosterVersion,
                new RosterEntry(appId, channel, member.userId(), present ? member.userInfo() : null), present));
    }

    /** Tells this node's subscribers of users who joined or left elsewhere and are not on it here; under the lock. */
    private void applyFlips(List<PeerRosters.Flip> flips) {
        for (PeerRosters.Flip flip : flips) {
            ChannelState state = state(flip.appId(), flip.channel());
            if (state == null || state.roster.containsKey(flip.userId())) {
                continue;
            }
            String frame = flip.present()
                    ? frames.memberAdded(flip.channel(), flip.userId(), flip.userInfo())
                    : frames.memberRemoved(flip.channel(), flip.userId());
            for (Subscriber subscriber : state.subscribers.keySet()) {
                pending.add(new ToSubscriber(subscriber, frame));
            }
        }
    }

    @Override
    public long beginSweep() {
        synchronized (lock) {
            return peers.beginSweep();
        }
    }

    @Override
    public NodeRoster localRoster(String nodeId, String incarnation) {
        synchronized (lock) {
            List<RosterEntry> entries = new ArrayList<>();
            apps.forEach((appId, channels) -> channels.forEach((name, state) -> state.roster.forEach(
                    (userId, presence) -> entries.add(new RosterEntry(appId, name, userId, presence.userInfo)))));
            return new NodeRoster(nodeId, incarnation, rosterVersion, entries);
        }
    }

    @Override
    public void peerMemberChanged(String nodeId, String incarnation, long version, RosterEntry entry,
                                  boolean present) {
        synchronized (lock) {
            applyFlips(peers.changed(nodeId, incarnation, version, entry, present));
        }
        flush();
    }

    @Override
    public void peersAlive(long sweep, Collection<NodeRoster> live) {
        synchronized (lock) {
            applyFlips(peers.alive(sweep, live));
        }
        flush();
    }

    @Override
    public void peerLeft(String nodeId) {
        synchronized (lock) {
            applyFlips(peers.left(nodeId));
        }
        flush();
    }

    /** The other nodes whose presence members this node knows. */
    public Set<String> knownPeers() {
        synchronized (lock) {
            return peers.nodes();
        }
    }

    private static String cacheKey(PusherApp app, String channel) {
        return app.id() + '\n' + channel;
    }

    /** Hands what is queued to the connections, unless another thread already is; never under the lock. */
    private void flush() {
        pending.flush();
    }

    private void handOn(Delivery next) {
        if (next instanceof ToSubscriber frame) {
            frame.to.send(frame.frame);
        } else if (next instanceof ToCluster told) {
            cluster.memberChanged(told.version, told.entry, told.present);
        }
    }

    /** Something decided under the lock, to hand over after it. */
    private sealed interface Delivery {
    }

    private record ToSubscriber(Subscriber to, String frame) implements Delivery {
    }

    private record ToCluster(long version, RosterEntry entry, boolean present) implements Delivery {
    }

    /** A user on a presence channel: the info of its first connection, and how many of its connections are on. */
    private static final class Presence {
        final JsonNode userInfo;
        int connections = 1;

        Presence(JsonNode userInfo) {
            this.userInfo = userInfo;
        }
    }

    /** An occupied channel. */
    private static final class ChannelState {
        final ChannelName name;
        /** Each subscriber's presence member, or null on other channels. */
        final Map<Subscriber, Member> subscribers = new LinkedHashMap<>();
        /** User id to presence, in join order; empty on other channels. */
        final Map<String, Presence> roster = new LinkedHashMap<>();

        ChannelState(ChannelName name) {
            this.name = name;
        }
    }
}
