package dev.switchboard.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;

/**
 * Encodes everything the server sends: {@code {"event":NAME,"data":{...}}}, plus {@code "id"} on durable events.
 *
 * <p>Each event is encoded exactly once into a String, and that String once into an {@link EncodedFrame} whose
 * bytes every recipient's send queue shares; nothing here is per-connection.
 */
public final class ServerFrames {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectMapper mapper;

    public ServerFrames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * A durable event from the notifier. {@code dataJson} is the stored JSON text and is spliced in as is,
     * so the payload the web app wrote is never parsed and re-serialised on the way out.
     */
    public String durable(long id, String event, String dataJson) {
        return "{\"event\":" + quote(event) + ",\"id\":" + id + ",\"data\":" + dataJson + "}";
    }

    /** An event without an id (typing, presence, replies). */
    public String event(String event, ObjectNode data) {
        ObjectNode root = NODES.objectNode();
        root.put("event", event);
        root.set("data", data);
        return write(root);
    }

    public String authenticated(long userId, String role, String connectionId) {
        ObjectNode data = NODES.objectNode();
        data.put("user_id", userId);
        data.put("role", role);
        data.put("connection_id", connectionId);
        return event("authenticated", data);
    }

    public String subscribed(long conversationId) {
        return event("subscribed", NODES.objectNode().put("conversation_id", conversationId));
    }

    /**
     * {@code authenticated} with the epoch every durable id belongs to, and, when the client asked to resume,
     * whether it was ({@code recovered}) and how many events follow ({@code replayed}).
     */
    public String authenticated(long userId, String role, String connectionId, String epoch, Resumed resumed) {
        ObjectNode data = NODES.objectNode();
        data.put("user_id", userId);
        data.put("role", role);
        data.put("connection_id", connectionId);
        data.put("epoch", epoch);
        if (resumed != null) {
            resumed.into(data);
        }
        return event("authenticated", data);
    }

    /** {@code subscribed} answering a subscribe that asked to resume. */
    public String subscribed(long conversationId, Resumed resumed) {
        ObjectNode data = NODES.objectNode().put("conversation_id", conversationId);
        resumed.into(data);
        return event("subscribed", data);
    }

    /**
     * {@code resync_required}: a resume could not be served, so the client must reload its state (all of it after
     * {@code auth}, that conversation's after {@code subscribe}) from the web app.
     *
     * @param reason         why, e.g. {@code retention}
     * @param request        {@code auth} or {@code subscribe}
     * @param conversationId the conversation of a subscribe, or {@code null}
     */
    public String resyncRequired(String reason, String request, Long conversationId) {
        ObjectNode data = NODES.objectNode();
        data.put("reason", reason);
        data.put("request", request);
        if (conversationId != null) {
            data.put("conversation_id", conversationId);
        }
        return event("resync_required", data);
    }

    /** How a resume went: {@code "recovered"} and {@code "replayed"} in the reply. */
    public record Resumed(boolean recovered, int replayed) {
        void into(ObjectNode data) {
            data.put("recovered", recovered);
            data.put("replayed", replayed);
        }
    }

    public String unsubscribed(long conversationId) {
        return event("unsubscribed", NODES.objectNode().put("conversation_id", conversationId));
    }

    public String pong(Instant now) {
        return event("pong", NODES.objectNode().put("server_time", now.truncatedTo(ChronoUnit.MILLIS).toString()));
    }

    public String typing(long conversationId, long userId, boolean isTyping) {
        ObjectNode data = NODES.objectNode();
        data.put("conversation_id", conversationId);
        data.put("user_id", userId);
        data.put("is_typing", isTyping);
        return event("typing", data);
    }

    /** {@code agent_status} derived from connections (no id: it is not a notifier event). */
    public String agentStatus(long agentId, String status) {
        ObjectNode data = NODES.objectNode();
        data.put("agent_id", agentId);
        data.put("status", status);
        return event("agent_status", data);
    }

    /** The snapshot a freshly authenticated agent receives. */
    public String presence(Collection<AgentPresence> agents) {
        ArrayNode list = NODES.arrayNode();
        for (AgentPresence agent : agents) {
            ObjectNode item = list.addObject();
            item.put("agent_id", agent.agentId());
            item.put("status", agent.status());
            if (agent.name() != null) {
                item.put("name", agent.name());
            }
        }
        ObjectNode data = NODES.objectNode();
        data.set("agents", list);
        return event("presence", data);
    }

    /**
     * An {@code error} event: {@code {"code":..., "message":..., "request":<type of the refused message or null>}}.
     * {@code request} is the message's {@code type} name, never the message itself: echoing a client's frame
     * back would let it grow the reply and repeat whatever it held.
     */
    public String error(ErrorCode code, String message, String request) {
        return event("error", errorData(code, message, request));
    }

    /**
     * An {@code error} event refusing a message about one conversation (a forbidden subscribe or typing, the
     * subscription cap): the data also carries {@code conversation_id}, so a client can tell which of its
     * conversations was refused (and stop asking for it) without remembering what it sent.
     */
    public String conversationError(ErrorCode code, String message, String request, long conversationId) {
        return event("error", errorData(code, message, request).put("conversation_id", conversationId));
    }

    private static ObjectNode errorData(ErrorCode code, String message, String request) {
        ObjectNode data = NODES.objectNode();
        data.put("code", code.wireName());
        data.put("message", message);
        if (request == null) {
            data.putNull("request");
        } else {
            data.put("request", request);
        }
        return data;
    }

    public String error(ProtocolException e) {
        return error(e.code(), e.getMessage(), e.request());
    }

    private String quote(String text) {
        try {
            return mapper.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String write(ObjectNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line of the presence snapshot. */
    public record AgentPresence(long agentId, String status, String name) {
    }
}
