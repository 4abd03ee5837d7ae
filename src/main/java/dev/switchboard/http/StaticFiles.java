package dev.switchboard.http;

import org.glassfish.grizzly.http.server.CLStaticHttpHandler;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.util.MimeType;

/** Static files served from the jar's resources. */
public final class StaticFiles {
    static {
        // Browsers refuse to run an ES module served with a non-JavaScript type.
        MimeType.add("mjs", "text/javascript; charset=utf-8");
        MimeType.add("js", "text/javascript; charset=utf-8");
        MimeType.add("css", "text/css; charset=utf-8");
        MimeType.add("html", "text/html; charset=utf-8");
        MimeType.add("ts", "text/plain; charset=utf-8");
        MimeType.add("mts", "text/plain; charset=utf-8");
    }

    private StaticFiles() {
    }

    /**
     * A handler for the resources under {@code resourceRoot} (e.g. {@code "static/assets/"}), meant to be mapped
     * at the matching URL prefix (e.g. {@code "/assets/*"}).
     */
    public static HttpHandler fromClasspath(String resourceRoot) {
        CLStaticHttpHandler handler = new CLStaticHttpHandler(StaticFiles.class.getClassLoader(), "/" + resourceRoot);
        handler.setFileCacheEnabled(false);
        return handler;
    }
}
