package dev.switchboard.demo;

import java.util.Map;

/**
 * A request the demo API refuses, with the HTTP status and a message that is safe to show: it becomes
 * {@code {"error": message}}. Unchecked so it can leave a transaction's work, which then rolls back.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    ApiError(int status, String message) {
        this(status, message, Map.of());
    }

    private ApiError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    int status() {
        return status;
    }

    /** Response headers the status calls for, e.g. {@code Allow} with 405. */
    Map<String, String> headers() {
        return headers;
    }

    static ApiError methodNotAllowed(String allowed) {
        return new ApiError(405, "method not allowed; use " + allowed, Map.of("Allow", allowed));
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, message);
    }

    static ApiError forbidden(String message) {
        return new ApiError(403, message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, message);
    }

    static ApiError conflict(String message) {
        return new ApiError(409, message);
    }
}
