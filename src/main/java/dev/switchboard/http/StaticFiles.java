package dev.switchboard.http;

import org.glassfish.grizzly.http.server.CLStaticHttpHandler;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.MimeType;

/** Static files served from the jar's resources. */
public final class StaticFiles {
    static {
        // Browsers refuse to run an ES module served with a non-JavaScript type.
        MimeType.add("mjs", "text/javascript");
        MimeType.add("ts", "text/plain");
    }

    private StaticFiles() {
    }

    /**
     * A handler for the resources under {@code resourceRoot} (e.g. {@code "static/assets/"}), meant to be mapped
     * at the matching URL prefix (e.g. {@code "/assets/*"}).
     */
    public static HttpHandler fromClasspath(String resourceRoot) {
        CLStaticHttpHandler handler = new CLStaticHttpHandler(StaticFiles.class.getClassLoader(), "/" + resourceRoot) {
            @Override
            protected boolean handle(String resourcePath, Request request, Response response) throws Exception {
                // A request offering another protocol upgrade (Java's HttpClient offers h2c) makes Grizzly drop
                // response header changes, Content-Type included; this is a plain file response either way.
                request.getRequest().setIgnoreContentModifiers(false);
                return super.handle(resourcePath, request, response);
            }
        };
        handler.setFileCacheEnabled(false);
        return handler;
    }
}
