package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.pusher.ChannelDirectory;
import dev.switchboard.pusher.PusherApp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * <p>Presence is per node: a presence channel's members are those connected to this node.
 */
public final class Channels implements ChannelDirectory {
    private static final Logger log = LoggerFactory.getLogger(Channels.class);
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
    private final ArrayDeque<Delivery> pending = new ArrayDeque<>();
    private boolean delivering;

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
                    pending.addLast(new Delivery(to, frame));
                }
            }
        }
        flush();
    }

    /** Queues a frame to one connection behind the frames already decided for it. */
    void send(Subscriber to, String frame) {
        synchronized (lock) {
            pending.addLast(new Delivery(to, frame));
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
                        pending.addLast(new Delivery(subscriber, frame));
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
                    list.add(state.summary());
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
                return state.summary();
            }
        }
        boolean presence = ChannelName.parse(channel).map(c -> c.kind() == ChannelName.Kind.PRESENCE).orElse(false);
        return new ChannelSummary(channel, 0, presence ? Optional.of(0) : Optional.empty());
    }

    @Override
    public List<String> users(PusherApp app, String presenceChannel) {
        synchronized (lock) {
            ChannelState state = state(app, presenceChannel);
            return state == null ? List.of() : List.copyOf(state.roster.keySet());
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
        if (member != null && state != null && !state.roster.containsKey(member.userId())
                && state.roster.size() >= maxPresenceMembers) {
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
                firstOfUser = true;
            } else {
                presence.connections++;
            }
        }
        succeeded(subscriber, state);
        if (firstOfUser) {
            String added = frames.memberAdded(name, member.userId(), member.userInfo());
            for (Subscriber other : state.subscribers.keySet()) {
                if (other != subscriber) {
                    pending.addLast(new Delivery(other, added));
                }
            }
        }
        if (channel.cached()) {
            String cached = cache.get(cacheKey(subscriber.app(), name));
            pending.addLast(new Delivery(subscriber, cached != null ? cached : frames.cacheMiss(name)));
        }
    }

    /** Called under the lock. */
    private void succeeded(Subscriber subscriber, ChannelState state) {
        String frame;
        if (state.name.kind() == ChannelName.Kind.PRESENCE) {
            Map<String, JsonNode> members = new LinkedHashMap<>();
            state.roster.forEach((id, presence) -> members.put(id, presence.userInfo));
            frame = frames.presenceSucceeded(state.name.name(), members);
        } else {
            frame = frames.subscriptionSucceeded(state.name.name());
        }
        pending.addLast(new Delivery(subscriber, frame));
    }

    /** Called under the lock. */
    private void refuse(Subscriber subscriber, String channel, String type, String error, int status) {
        pending.addLast(new Delivery(subscriber, frames.subscriptionError(channel, type, error, status)));
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
                String removed = frames.memberRemoved(channel, member.userId());
                for (Subscriber other : state.subscribers.keySet()) {
                    pending.addLast(new Delivery(other, removed));
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
        Map<String, ChannelState> channels = apps.get(app.id());
        return channels == null ? null : channels.get(channel);
    }

    private static String cacheKey(PusherApp app, String channel) {
        return app.id() + '\n' + channel;
    }

    /** Hands what is queued to the connections, unless another thread already is; never under the lock. */
    private void flush() {
        synchronized (lock) {
            if (delivering) {
                return;
            }
            delivering = true;
        }
        while (true) {
            Delivery next;
            synchronized (lock) {
                next = pending.pollFirst();
                if (next == null) {
                    delivering = false;
                    return;
                }
            }
            try {
                next.to.send(next.frame);
            } catch (RuntimeException e) {
                // One broken connection must not stop the deliveries queued behind it.
                log.error("Delivery to {} failed", next.to.socketId(), e);
            }
        }
    }

    private record Delivery(Subscriber to, String frame) {
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

        ChannelSummary summary() {
            return new ChannelSummary(name.name(), subscribers.size(),
                    name.kind() == ChannelName.Kind.PRESENCE ? Optional.of(roster.size()) : Optional.empty());
        }
    }
}
