package dev.switchboard.pusher.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Encodes the frames the server sends, as pusher-js reads them: {@code event}, then {@code channel}, then
 * {@code data}. Where pusher-js expects {@code data} to be a JSON string (the connection handshake, channel
 * events, the pusher_internal events) it is one; errors carry it as an object, as Pusher's protocol documents.
 */
public final class PusherFrames {
    private final ObjectMapper mapper;

    public PusherFrames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The first frame of every accepted connection. */
    public String connectionEstablished(String socketId, long activityTimeoutSeconds) {
        ObjectNode data = mapper.createObjectNode();
        data.put("socket_id", socketId);
        data.put("activity_timeout", activityTimeoutSeconds);
        return frame("pusher:connection_established", null, text(data));
    }

    /** {@code pusher:error}, the code telling pusher-js what to do (see {@link PusherCodes}). */
    public String error(int code, String message) {
        ObjectNode data = mapper.createObjectNode();
        data.put("code", code);
        data.put("message", message);
        return frame("pusher:error", null, data);
    }

    /** The answer to {@code pusher:ping}. */
    public String pong() {
        return frame("pusher:pong", null, "{}");
    }

    /** The server's own ping to a silent connection; pusher-js answers {@code pusher:pong}. */
    public String ping() {
        return frame("pusher:ping", null, "{}");
    }

    /** A subscription to a channel that is not a presence channel was accepted. */
    public String subscriptionSucceeded(String channel) {
        return frame("pusher_internal:subscription_succeeded", channel, "{}");
    }

    /**
     * A presence subscription was accepted: every member, the joiner included.
     *
     * @param members user id to {@code user_info} (null when the member's channel data had none), in join order
     */
    public String presenceSucceeded(String channel, Map<String, JsonNode> members) {
        ObjectNode presence = mapper.createObjectNode();
        presence.put("count", members.size());
        presence.putArray("ids").addAll(members.keySet().stream().map(mapper.getNodeFactory()::textNode).toList());
        ObjectNode hash = presence.putObject("hash");
        members.forEach((id, info) -> hash.set(id, info == null ? mapper.getNodeFactory().nullNode() : info));
        ObjectNode data = mapper.createObjectNode();
        data.set("presence", presence);
        return frame("pusher_internal:subscription_succeeded", channel, text(data));
    }

    /** A user's first connection joined a presence channel. */
    public String memberAdded(String channel, String userId, JsonNode userInfo) {
        ObjectNode data = mapper.createObjectNode();
        data.put("user_id", userId);
        if (userInfo != null) {
            data.set("user_info", userInfo);
        }
        return frame("pusher_internal:member_added", channel, text(data));
    }

    /** A user's last connection left a presence channel. */
    public String memberRemoved(String channel, String userId) {
        ObjectNode data = mapper.createObjectNode();
        data.put("user_id", userId);
        return frame("pusher_internal:member_removed", channel, text(data));
    }

    /** A refused subscription: pusher-js hands {@code data} to the channel's error callbacks (Echo's .error()). */
    public String subscriptionError(String channel, String type, String error, int status) {
        ObjectNode data = mapper.createObjectNode();
        data.put("type", type);
        data.put("error", error);
        data.put("status", status);
        return frame("pusher:subscription_error", channel, data);
    }

    /** A {@code cache-} channel has no event to replay yet. */
    public String cacheMiss(String channel) {
        return frame("pusher:cache_miss", channel, null);
    }

    /** An event from the backend, {@code data} passed on exactly as it was sent. */
    public String event(String channel, String event, String data) {
        return frame(event, channel, data);
    }

    /** A client event relayed to the channel's other members, with the sender's user id on presence channels. */
    public String clientEvent(String channel, String event, JsonNode data, String userId) {
        ObjectNode frame = mapper.createObjectNode();
        frame.put("event", event);
        frame.put("channel", channel);
        frame.set("data", data);
        if (userId != null) {
            frame.put("user_id", userId);
        }
        return text(frame);
    }

    /** {@code pusher:signin} was accepted. */
    public String signinSuccess(String userData) {
        ObjectNode data = mapper.createObjectNode();
        data.put("user_data", userData);
        return frame("pusher:signin_success", null, data);
    }

    private String frame(String event, String channel, Object data) {
        ObjectNode frame = mapper.createObjectNode();
        frame.put("event", event);
        if (channel != null) {
            frame.put("channel", channel);
        }
        if (data instanceof String text) {
            frame.put("data", text);
        } else if (data instanceof JsonNode node) {
            frame.set("data", node);
        }
        return text(frame);
    }

    private String text(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
