package dev.switchboard.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.PositiveId;

import java.io.IOException;

/**
 * A request's JSON object with typed, validated field access; every problem becomes a 400 that names the
 * field.
 */
final class JsonBody {
    private final JsonNode root;

    private JsonBody(JsonNode root) {
        this.root = root;
    }

    /** Parses a body that must be a JSON object. */
    static JsonBody parse(ObjectMapper mapper, byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiError.badRequest("request body must be a JSON object");
        }
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            throw ApiError.badRequest("request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw ApiError.badRequest("request body must be a JSON object");
        }
        return new JsonBody(root);
    }

    /**
     * A string field of {@code min..max} characters (Unicode code points, as PostgreSQL counts them) that is
     * not only whitespace. Returned as sent: chat text keeps its spacing.
     */
    String text(String field, int min, int max) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw ApiError.badRequest(field + " is required");
        }
        if (!node.isTextual()) {
            throw ApiError.badRequest(field + " must be a string");
        }
        String value = node.textValue();
        int length = value.codePointCount(0, value.length());
        if (value.isBlank() || length < min) {
            throw ApiError.badRequest(field + " must not be empty");
        }
        if (length > max) {
            throw ApiError.badRequest(field + " must be at most " + max + " characters, got " + length);
        }
        return value;
    }

    /** A positive whole-number id, given as a JSON number or a string of digits ({@link PositiveId}). */
    long id(String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw ApiError.badRequest(field + " is required");
        }
        return PositiveId.fromJson(node)
                .orElseThrow(() -> ApiError.badRequest(field + " must be a positive whole number"));
    }
}
