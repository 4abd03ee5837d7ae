package dev.switchboard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.glassfish.grizzly.http.server.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An HTTP status and a body to send as JSON.
 *
 * @param status HTTP status code
 * @param body    anything Jackson writes; errors are {@code {"error": "..."}}
 * @param headers extra response headers
 */
record JsonReply(int status, Object body, Map<String, String> headers) {

    static JsonReply ok(Object body) {
        return new JsonReply(200, body, Map.of());
    }

    static JsonReply created(Object body) {
        return new JsonReply(201, body, Map.of());
    }

    static JsonReply error(int status, String message) {
        return new JsonReply(status, Map.of("error", message), Map.of());
    }

    static JsonReply of(ApiError error) {
        return new JsonReply(error.status(), Map.of("error", error.getMessage()), error.headers());
    }

    /** Writes status, headers and body; never cached, since it is per user and changes all the time. */
    void writeTo(Response response, ObjectMapper mapper) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        headers.forEach(response::setHeader);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
