package dev.switchboard.http;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;

/**
 * A folder of static files mapped at {@code path/*} that also answers the bare {@code path}, with a redirect to
 * {@code path/} so the page's relative links resolve (Grizzly sends the bare path to the same mapping).
 */
public final class FolderHandler extends HttpHandler {
    private final String path;
    private final HttpHandler files;

    /**
     * @param path  the folder's URL without the trailing slash, e.g. {@code /admin}
     * @param files serves what is under it
     */
    public FolderHandler(String path, HttpHandler files) {
        this.path = path;
        this.files = files;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        if (path.equals(request.getRequestURI())) {
            response.setStatus(HttpStatus.MOVED_PERMANENTLY_301);
            response.setHeader("Location", path + "/");
            response.setContentLength(0);
            return;
        }
        files.service(request, response);
    }
}
