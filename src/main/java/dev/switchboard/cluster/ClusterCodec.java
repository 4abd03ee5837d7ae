package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.presence.AgentCount;
import dev.switchboard.pusher.NodeRoster;
import dev.switchboard.pusher.RosterEntry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON of the cluster channel's notifications and of a node's agents in {@code realtime.cluster_presence}.
 * Anyone who can reach the database can {@code pg_notify} this channel, so decoding checks every field and
 * refuses what it does not understand.
 */
final class ClusterCodec {
    /** Names longer than this are cut, which keeps every notification far below PostgreSQL's 8000 bytes. */
    static final int NAME_LIMIT = 200;
    /**
     * A presence member's {@code user_info} travels only up to this many characters of JSON; a larger one reaches
     * the other nodes as no info at all, since cutting JSON would break it. With the app id, channel and user id
     * (each at most {@link #ID_LIMIT}) it keeps a notification far below PostgreSQL's 8000 bytes.
     */
    static final int USER_INFO_LIMIT = 2000;
    /** App ids, channel names and user ids longer than this are refused: they cannot be cut. */
    static final int ID_LIMIT = 200;

    private final ObjectMapper mapper;

    ClusterCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    String encode(ClusterMessage message) {
        ObjectNode node = mapper.createObjectNode();
        node.put("node", message.nodeId());
        if (message instanceof ClusterMessage.PresenceChanged p) {
            node.put("kind", "presence");
            node.put("incarnation", p.incarnation());
            node.put("version", p.version());
            node.put("agent_id", p.agentId());
            node.put("connections", p.count().connections());
            putName(node, p.count().name());
        } else if (message instanceof ClusterMessage.TypingChanged t) {
            node.put("kind", "typing");
            node.put("conversation_id", t.conversationId());
            node.put("user_id", t.userId());
            node.put("is_typing", t.isTyping());
        } else if (message instanceof ClusterMessage.MemberChanged m) {
            node.put("kind", "pusher_member");
            node.put("incarnation", m.incarnation());
            node.put("version", m.version());
            node.put("present", m.present());
            putEntry(node, m.entry());
        } else if (message instanceof ClusterMessage.NodeJoined) {
            node.put("kind", "joined");
        } else if (message instanceof ClusterMessage.NodeLeft l) {
            node.put("kind", "left");
            node.put("incarnation", l.incarnation());
        }
        return node.toString();
    }

    /**
     * The message in a notification's payload.
     *
     * @throws IllegalArgumentException when it is not one this codec writes
     */
    ClusterMessage decode(String payload) {
        JsonNode node;
        try {
            node = mapper.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        String sender = text(node, "node");
        switch (node.path("kind").asText()) {
            case "presence":
                return new ClusterMessage.PresenceChanged(sender, text(node, "incarnation"), number(node, "version"),
                        number(node, "agent_id"), count(node));
            case "typing":
                JsonNode isTyping = node.path("is_typing");
                if (!isTyping.isBoolean()) {
                    throw new IllegalArgumentException("is_typing is not a boolean");
                }
                return new ClusterMessage.TypingChanged(sender, number(node, "conversation_id"),
                        number(node, "user_id"), isTyping.asBoolean());
            case "pusher_member":
                JsonNode present = node.path("present");
                if (!present.isBoolean()) {
                    throw new IllegalArgumentException("present is not a boolean");
                }
                return new ClusterMessage.MemberChanged(sender, text(node, "incarnation"), number(node, "version"),
                        entry(node), present.asBoolean());
            case "joined":
                return new ClusterMessage.NodeJoined(sender);
            case "left":
                return new ClusterMessage.NodeLeft(sender, text(node, "incarnation"));
            default:
                throw new IllegalArgumentException("unknown kind");
        }
    }

    /** A node's agents, as stored in its lease row. */
    String encodeAgents(Map<Long, AgentCount> agents) {
        ObjectNode node = mapper.createObjectNode();
        agents.forEach((agentId, count) -> {
            ObjectNode entry = node.putObject(Long.toString(agentId));
            entry.put("connections", count.connections());
            putName(entry, count.name());
        });
        return node.toString();
    }

    /**
     * The agents of a lease row.
     *
     * @throws IllegalArgumentException when the row holds something else
     */
    Map<Long, AgentCount> decodeAgents(String json) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        Map<Long, AgentCount> agents = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            long agentId;
            try {
                agentId = Long.parseLong(entry.getKey());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("agent id is not a number");
            }
            agents.put(agentId, count(entry.getValue()));
        }
        return agents;
    }

    /** A node's Pusher presence members, as stored in its lease row: {@code [{"app","channel","user_id","user_info"}]}. */
    String encodeRoster(NodeRoster roster) {
        var array = mapper.createArrayNode();
        for (RosterEntry entry : roster.entries()) {
            putEntry(array.addObject(), entry);
        }
        return array.toString();
    }

    /**
     * The Pusher presence members of a lease row.
     *
     * @throws IllegalArgumentException when the row holds something else
     */
    List<RosterEntry> decodeRoster(String json) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("members are not an array");
        }
        List<RosterEntry> entries = new ArrayList<>(node.size());
        for (JsonNode entry : node) {
            entries.add(entry(entry));
        }
        return entries;
    }

    private static void putEntry(ObjectNode node, RosterEntry entry) {
        node.put("app", entry.appId());
        node.put("channel", entry.channel());
        node.put("user_id", entry.userId());
        if (entry.userInfo() != null && !entry.userInfo().isNull()
                && entry.userInfo().toString().length() <= USER_INFO_LIMIT) {
            node.set("user_info", entry.userInfo());
        }
    }

    private static RosterEntry entry(JsonNode node) {
        JsonNode info = node.get("user_info");
        if (info != null && info.toString().length() > USER_INFO_LIMIT) {
            throw new IllegalArgumentException("user_info too large");
        }
        return new RosterEntry(id(node, "app"), id(node, "channel"), id(node, "user_id"),
                info == null || info.isNull() ? null : info);
    }

    private static String id(JsonNode node, String field) {
        String value = text(node, field);
        if (value.length() > ID_LIMIT) {
            throw new IllegalArgumentException(field + " too long");
        }
        return value;
    }

    private static AgentCount count(JsonNode node) {
        long connections = number(node, "connections");
        if (connections < 0 || connections > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connections out of range");
        }
        JsonNode name = node.path("name");
        return new AgentCount((int) connections, name.isTextual() ? name.asText() : null);
    }

    private static void putName(ObjectNode node, String name) {
        if (name != null) {
            node.put("name", name.length() > NAME_LIMIT ? name.substring(0, NAME_LIMIT) : name);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value.asText();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(field + " is not a whole number");
        }
        return value.asLong();
    }
}
