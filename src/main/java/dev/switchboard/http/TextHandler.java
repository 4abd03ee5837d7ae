package dev.switchboard.http;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

import java.nio.charset.StandardCharsets;

/** Answers {@code GET /} with a fixed line of text and everything else under it with 404. */
public final class TextHandler extends HttpHandler {
    private final byte[] body;

    public TextHandler(String text) {
        this.body = text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        String path = request.getRequestURI();
        if (!"/".equals(path)) {
            response.sendError(HttpStatus.NOT_FOUND_404.getStatusCode());
            return;
        }
        response.setContentType("text/plain");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
