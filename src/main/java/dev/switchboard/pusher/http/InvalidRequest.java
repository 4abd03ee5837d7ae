package dev.switchboard.pusher.http;

import java.util.List;
import java.util.Map;

/** A request body that names the wrong things: answered 422 with messages by field, as Laravel's validator. */
final class InvalidRequest extends RuntimeException {
    private final transient Map<String, List<String>> errors;

    InvalidRequest(String field, String message) {
        super(field + ": " + message, null, false, false);
        this.errors = Map.of(field, List.of(message));
    }

    Map<String, List<String>> errors() {
        return errors;
    }
}
