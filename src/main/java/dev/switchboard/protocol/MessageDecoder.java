package dev.switchboard.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import java.util.OptionalLong;

/**
 * Turns a text frame into a {@link ClientMessage}, or a {@link ProtocolException} naming what is wrong.
 * Unknown extra fields are ignored, so newer clients can talk to older servers.
 *
 * <p>Ids follow {@link PositiveId}: JSON integers or strings of digits, because PHP pages often print ids as strings.
 */
public final class MessageDecoder {
    /** Epochs are uuids (36 characters); a little room, and a bound. */
    static final int MAX_EPOCH_LENGTH = 64;

    private final ObjectReader reader;

    public MessageDecoder(ObjectMapper mapper) {
        // A frame is one JSON value: '{"type":"ping"} junk' is not JSON and must not be read as a ping.
        this.reader = mapper.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** Decodes and validates one frame. */
    public ClientMessage decode(String frame) throws ProtocolException {
        JsonNode root;
        try {
            root = reader.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "frame is not valid JSON", null);
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "frame must be a JSON object", null);
        }
        JsonNode typeNode = root.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "type is required and must be a string", null);
        }
        String type = typeNode.textValue();
        switch (type) {
            case "auth":
                return new ClientMessage.Auth(token(root), optionalId(root, "user_id", type),
                        position(root, type), epoch(root));
            case "subscribe":
                return new ClientMessage.Subscribe(requiredId(root, "conversation_id", type),
                        position(root, type));
            case "unsubscribe":
                return new ClientMessage.Unsubscribe(requiredId(root, "conversation_id", type));
            case "typing":
                return new ClientMessage.Typing(requiredId(root, "conversation_id", type), isTyping(root));
            case "ping":
                return new ClientMessage.Ping();
            case "admin_subscribe":
                return new ClientMessage.AdminSubscribe();
            default:
                throw new ProtocolException(ErrorCode.UNKNOWN_TYPE,
                        "unknown message type; expected auth, subscribe, unsubscribe, typing, ping or admin_subscribe",
                        type.length() > 64 ? type.substring(0, 64) : type);
        }
    }

    /**
     * The token, or {@code null} when there is none: a Ratchet-era page sends {@code auth} with a bare
     * {@code user_id}, and that is an authentication failure (unauthorized, 4001), not a malformed message.
     */
    private static String token(JsonNode root) {
        JsonNode token = root.get("token");
        if (token == null || !token.isTextual() || token.textValue().isBlank()) {
            return null;
        }
        return token.textValue();
    }

    /**
     * {@code last_event_id}: an event id, or 0, the position of a history with no event yet (what
     * {@code realtime.current_event_id()} answers on a fresh database).
     */
    private static Long position(JsonNode root, String type) throws ProtocolException {
        JsonNode value = root.get("last_event_id");
        if (value == null || value.isNull()) {
            return null;
        }
        if ((value.isIntegralNumber() && value.canConvertToLong() && value.longValue() == 0)
                || (value.isTextual() && value.textValue().equals("0"))) {
            return 0L;
        }
        OptionalLong id = PositiveId.fromJson(value);
        if (id.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "last_event_id must be an event id or 0", type);
        }
        return id.getAsLong();
    }

    /** The epoch a resume's id belongs to: text the server handed out, so anything long or odd is no epoch. */
    private static String epoch(JsonNode root) throws ProtocolException {
        JsonNode value = root.get("epoch");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.textValue().isEmpty() || value.textValue().length() > MAX_EPOCH_LENGTH) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "epoch must be the string the server sent in authenticated", "auth");
        }
        return value.textValue();
    }

    private static boolean isTyping(JsonNode root) throws ProtocolException {
        JsonNode value = root.get("is_typing");
        if (value == null || !value.isBoolean()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "is_typing is required and must be true or false",
                    "typing");
        }
        return value.booleanValue();
    }

    private static long requiredId(JsonNode root, String field, String type) throws ProtocolException {
        Long id = optionalId(root, field, type);
        if (id == null) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, field + " is required", type);
        }
        return id;
    }

    private static Long optionalId(JsonNode root, String field, String type) throws ProtocolException {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        OptionalLong id = PositiveId.fromJson(value);
        if (id.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, field + " must be a positive integer", type);
        }
        return id.getAsLong();
    }
}
