package dev.switchboard.demo;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo's pages, scripts and styles: a fixed list of resources read once at start and served from memory.
 * A fixed list rather than a folder mapping, so no request path ever reaches the class loader, and every file
 * goes out with an explicit UTF-8 charset (the i18n strings are Portuguese).
 */
final class DemoAssets extends HttpHandler {
    /**
     * The pages' own security policy: scripts, styles and connections only from this server, so a chat
     * message that slipped past escaping still could not run code.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self';"
            + " frame-ancestors 'none'";

    private record Asset(byte[] bytes, String contentType) {
    }

    private final Map<String, Asset> byPath;

    private DemoAssets(Map<String, Asset> byPath) {
        this.byPath = byPath;
    }

    /**
     * Loads the resources now, failing at start rather than on a request if one is missing.
     *
     * @param resourcesByPath class path resource by URL path, e.g. {@code "/" -> "demo/pages/console.html"}
     */
    static DemoAssets load(Map<String, String> resourcesByPath) {
        Map<String, Asset> assets = new LinkedHashMap<>();
        ClassLoader loader = DemoAssets.class.getClassLoader();
        resourcesByPath.forEach((path, resource) -> {
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("demo resource missing from the jar: " + resource);
                }
                assets.put(path, new Asset(in.readAllBytes(), contentType(resource)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read demo resource " + resource, e);
            }
        });
        return new DemoAssets(Map.copyOf(assets));
    }

    @Override
    public void service(Request request, Response response) throws IOException {
        Asset asset = byPath.get(request.getRequestURI());
        if (asset == null) {
            response.sendError(HttpStatus.NOT_FOUND_404.getStatusCode());
            return;
        }
        Method method = request.getMethod();
        if (method != Method.GET && method != Method.HEAD) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.setHeader("Allow", "GET, HEAD");
            return;
        }
        response.setStatus(HttpStatus.OK_200);
        response.setContentType(asset.contentType());
        // Revalidate every time: a demo edited and restarted must not show yesterday's script.
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (asset.contentType().startsWith("text/html")) {
            response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.setHeader("Referrer-Policy", "no-referrer");
        }
        response.setContentLength(asset.bytes().length);
        if (method == Method.GET) {
            response.getOutputStream().write(asset.bytes());
        }
    }

    private static String contentType(String resource) {
        String name = resource.substring(resource.lastIndexOf('/') + 1);
        String extension = name.substring(name.lastIndexOf('.') + 1);
        switch (extension) {
            case "html":
                return "text/html; charset=utf-8";
            case "js":
                return "text/javascript; charset=utf-8";
            case "css":
                return "text/css; charset=utf-8";
            case "svg":
                return "image/svg+xml; charset=utf-8";
            default:
                throw new IllegalArgumentException("no content type known for demo resource " + resource);
        }
    }
}
