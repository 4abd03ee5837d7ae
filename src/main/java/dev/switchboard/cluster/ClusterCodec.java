package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.presence.AgentCount;

import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON of the cluster channel's notifications and of a node's agents in {@code realtime.cluster_presence}.
 * Anyone who can reach the database can {@code pg_notify} this channel, so decoding checks every field and
 * refuses what it does not understand.
 */
final class ClusterCodec {
    /** Names longer than this are cut, which keeps every notification far below PostgreSQL's 8000 bytes. */
    static final int NAME_LIMIT = 200;

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
