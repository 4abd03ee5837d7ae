package dev.switchboard.http;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * Serves a request as plain HTTP even when it offers a protocol upgrade the node does not speak. Java's
 * HttpClient offers {@code Upgrade: h2c} by default, and Grizzly then drops the response's header changes
 * (Content-Type among them) as if the connection were being handed over. WebSocket upgrades never get here: Tyrus
 * takes them first.
 */
final class PlainHttpHandler extends HttpHandler {
    private final HttpHandler delegate;

    PlainHttpHandler(HttpHandler delegate) {
        this.delegate = delegate;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        request.getRequest().setIgnoreContentModifiers(false);
        delegate.service(request, response);
    }
}
