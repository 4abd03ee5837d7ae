package dev.switchboard.pusher.http;

import java.nio.charset.StandardCharsets;

/**
 * A status and a body to send. Successes are JSON (the PHP SDK decodes every 200); refusals are short text like
 * Reverb's, except validation errors, which are a JSON object of messages by field as Laravel's.
 *
 * @param status      HTTP status
 * @param contentType its media type
 * @param body        the bytes to send
 */
record Reply(int status, String contentType, byte[] body) {

    static Reply json(int status, byte[] json) {
        return new Reply(status, "application/json", json);
    }

    static Reply text(int status, String message) {
        return new Reply(status, "text/plain", message.getBytes(StandardCharsets.UTF_8));
    }
}
