package dev.switchboard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.http.Offload;
import org.glassfish.grizzly.http.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;

/** How the demo API answers through {@link Offload}: JSON errors, and {@link ApiError}s as the client's fault. */
final class DemoReplies implements Offload.Replies<JsonReply> {
    private static final Logger log = LoggerFactory.getLogger(DemoReplies.class);

    private final ObjectMapper mapper;

    DemoReplies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public JsonReply refusal(Offload.Refusal refusal, int maxBodyBytes) {
        return switch (refusal) {
            case TOO_LARGE -> new JsonReply(413, Map.of("error", "request body is larger than " + maxBodyBytes
                    + " bytes"), Map.of());
            case BUSY -> JsonReply.error(503, "the demo is busy, try again");
            case BAD_BODY -> JsonReply.error(400, "request body could not be read");
            case BODY_TIMEOUT -> JsonReply.error(408, "the request body did not arrive in time");
            case SHUTTING_DOWN -> JsonReply.error(503, "the server is shutting down");
        };
    }

    @Override
    public JsonReply failed(Exception failure) {
        if (failure instanceof ApiError error) {
            return JsonReply.of(error);
        }
        // Logged here with its stack trace; the client only learns that it failed.
        log.error("Demo API request failed", failure);
        return JsonReply.error(500, "internal error");
    }

    @Override
    public void write(Response response, JsonReply reply) throws IOException {
        reply.writeTo(response, mapper);
    }
}
