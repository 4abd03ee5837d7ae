package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.pusher.NodeRoster;
import dev.switchboard.pusher.RosterEntry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The other nodes' presence members, merged: a user is on a channel somewhere else when at least one other live
 * node has it there. Every change reports the users whose presence elsewhere flipped, so {@link Channels} can
 * tell its own subscribers of a user who is not also connected here.
 *
 * <p>Not thread-safe: {@link Channels} owns it and calls it under its lock only.
 */
final class PeerRosters {
    private final Map<String, Peer> peers = new HashMap<>();
    /** Counts {@link #beginSweep} calls, so a sweep never drops a node first heard of after it began. */
    private long sweeps;

    /**
     * A user whose presence on a channel elsewhere changed.
     *
     * @param userInfo the info another node holds for it, when {@code present}
     */
    record Flip(String appId, String channel, String userId, JsonNode userInfo, boolean present) {
    }

    /** Whether another node has {@code userId} on the channel. */
    boolean has(String appId, String channel, String userId) {
        ChannelKey key = new ChannelKey(appId, channel);
        for (Peer peer : peers.values()) {
            Map<String, JsonNode> users = peer.channels.get(key);
            if (users != null && users.containsKey(userId)) {
                return true;
            }
        }
        return false;
    }

    /** The users other nodes have on the channel, with the info of the first node found holding each. */
    Map<String, JsonNode> members(String appId, String channel) {
        ChannelKey key = new ChannelKey(appId, channel);
        Map<String, JsonNode> members = new LinkedHashMap<>();
        for (Peer peer : peers.values()) {
            Map<String, JsonNode> users = peer.channels.get(key);
            if (users != null) {
                users.forEach(members::putIfAbsent);
            }
        }
        return members;
    }

    /** The presence channels of an app with members on other nodes. */
    Set<String> channels(String appId) {
        Set<String> names = new LinkedHashSet<>();
        for (Peer peer : peers.values()) {
            peer.channels.keySet().forEach(key -> {
                if (key.appId.equals(appId)) {
                    names.add(key.channel);
                }
            });
        }
        return names;
    }

    /** The nodes whose members are known. */
    Set<String> nodes() {
        return Set.copyOf(peers.keySet());
    }

    long beginSweep() {
        return ++sweeps;
    }

    /**
     * One user joined or left a channel on another node. A change older than what was applied from that node is
     * ignored; one from a new incarnation (the node restarted) forgets what the old one had.
     */
    List<Flip> changed(String nodeId, String incarnation, long version, RosterEntry entry, boolean present) {
        Peer peer = peers.get(nodeId);
        Set<UserKey> touched = new LinkedHashSet<>();
        touched.add(UserKey.of(entry));
        if (peer != null && !peer.incarnation.equals(incarnation)) {
            touched.addAll(peer.users());
        } else if (peer != null && version <= peer.version) {
            return List.of();
        }
        Map<UserKey, Boolean> before = presence(touched);
        if (peer == null || !peer.incarnation.equals(incarnation)) {
            peer = new Peer(incarnation, sweeps);
            peers.put(nodeId, peer);
        }
        peer.version = version;
        if (present) {
            peer.put(entry);
        } else {
            peer.remove(entry);
        }
        return flips(before);
    }

    /**
     * The live nodes' full rosters, read after {@code sweep} began: each replaces what was known of its node
     * unless it is older than a change already applied; a known node missing from them, and known before the
     * sweep began, is dead and its users leave.
     */
    List<Flip> alive(long sweep, Collection<NodeRoster> live) {
        Set<UserKey> touched = new LinkedHashSet<>();
        Set<String> aliveNodes = new HashSet<>();
        List<NodeRoster> applied = new ArrayList<>();
        for (NodeRoster roster : live) {
            aliveNodes.add(roster.nodeId());
            Peer peer = peers.get(roster.nodeId());
            if (peer != null && peer.incarnation.equals(roster.incarnation()) && roster.version() < peer.version) {
                continue;
            }
            if (peer != null) {
                touched.addAll(peer.users());
            }
            roster.entries().forEach(entry -> touched.add(UserKey.of(entry)));
            applied.add(roster);
        }
        List<String> dead = new ArrayList<>();
        peers.forEach((nodeId, peer) -> {
            if (!aliveNodes.contains(nodeId) && peer.bornInSweep < sweep) {
                dead.add(nodeId);
                touched.addAll(peer.users());
            }
        });
        Map<UserKey, Boolean> before = presence(touched);
        for (NodeRoster roster : applied) {
            Peer peer = new Peer(roster.incarnation(), sweeps);
            Peer previous = peers.get(roster.nodeId());
            if (previous != null && previous.incarnation.equals(roster.incarnation())) {
                peer = new Peer(roster.incarnation(), previous.bornInSweep);
            }
            peer.version = roster.version();
            roster.entries().forEach(peer::put);
            peers.put(roster.nodeId(), peer);
        }
        dead.forEach(peers::remove);
        return flips(before);
    }

    /** A node stopped cleanly: its users leave. */
    List<Flip> left(String nodeId) {
        Peer peer = peers.get(nodeId);
        if (peer == null) {
            return List.of();
        }
        Map<UserKey, Boolean> before = presence(peer.users());
        peers.remove(nodeId);
        return flips(before);
    }

    private Map<UserKey, Boolean> presence(Collection<UserKey> users) {
        Map<UserKey, Boolean> present = new LinkedHashMap<>();
        for (UserKey user : users) {
            present.put(user, has(user.appId, user.channel, user.userId));
        }
        return present;
    }

    private List<Flip> flips(Map<UserKey, Boolean> before) {
        List<Flip> flips = new ArrayList<>();
        before.forEach((user, was) -> {
            boolean is = has(user.appId, user.channel, user.userId);
            if (is != was) {
                JsonNode info = is ? members(user.appId, user.channel).get(user.userId) : null;
                flips.add(new Flip(user.appId, user.channel, user.userId, info, is));
            }
        });
        return flips;
    }

    private record ChannelKey(String appId, String channel) {
    }

    private record UserKey(String appId, String channel, String userId) {
        static UserKey of(RosterEntry entry) {
            return new UserKey(entry.appId(), entry.channel(), entry.userId());
        }
    }

    /** What one other node has, as of a version of its roster. */
    private static final class Peer {
        final String incarnation;
        /** When this node was first heard of, in sweeps. */
        final long bornInSweep;
        long version = Long.MIN_VALUE;
        final Map<ChannelKey, Map<String, JsonNode>> channels = new HashMap<>();

        Peer(String incarnation, long bornInSweep) {
            this.incarnation = incarnation;
            this.bornInSweep = bornInSweep;
        }

        void put(RosterEntry entry) {
            channels.computeIfAbsent(new ChannelKey(entry.appId(), entry.channel()), k -> new LinkedHashMap<>())
                    .put(entry.userId(), entry.userInfo());
        }

        void remove(RosterEntry entry) {
            ChannelKey key = new ChannelKey(entry.appId(), entry.channel());
            Map<String, JsonNode> users = channels.get(key);
            if (users != null) {
                users.remove(entry.userId());
                if (users.isEmpty()) {
                    channels.remove(key);
                }
            }
        }

        List<UserKey> users() {
            List<UserKey> users = new ArrayList<>();
            channels.forEach((key, members) -> members.keySet()
                    .forEach(userId -> users.add(new UserKey(key.appId, key.channel, userId))));
            return users;
        }
    }
}
