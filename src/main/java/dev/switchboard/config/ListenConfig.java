package dev.switchboard.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where the node accepts connections and from which browser pages.
 *
 * @param host           interface to bind; loopback unless the operator says otherwise
 * @param port           TCP port for WebSocket and HTTP; 0 picks a free port (tests)
 * @param allowedOrigins browser origins allowed to open a WebSocket besides the server's own, lower case;
 *                       empty means same-origin only
 * @param allowAnyOrigin {@code ALLOWED_ORIGINS=*}
 */
public record ListenConfig(String host, int port, Set<String> allowedOrigins, boolean allowAnyOrigin) {
    static final Setting PORT = Setting.of("PORT", "8080", "TCP port for WebSocket and HTTP");
    static final Setting HOST = Setting.of("HOST", "127.0.0.1",
            "address to bind; it binds exactly there. Set a private address (or 0.0.0.0) deliberately");
    static final Setting ALLOWED_ORIGINS = Setting.computed("ALLOWED_ORIGINS", "(same origin only)",
            "more browser origins allowed to connect besides the server's own, comma-separated, e.g."
                    + " https://app.example.com; * for any. Clients without an Origin (servers, scripts) are always"
                    + " allowed; they still need a token");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(PORT, HOST, ALLOWED_ORIGINS);

    public ListenConfig {
        allowedOrigins = Set.copyOf(allowedOrigins);
    }

    static ListenConfig from(EnvReader r) {
        String host = r.string(HOST);
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            r.problem(HOST, "is not an address or resolvable host name: '" + host + "'");
        }
        int port = r.integer(PORT, 0, 65535);

        Set<String> origins = new LinkedHashSet<>();
        boolean anyOrigin = false;
        String rawOrigins = r.string(ALLOWED_ORIGINS);
        if (rawOrigins != null) {
            for (String part : rawOrigins.split(",")) {
                String origin = part.trim();
                if (origin.isEmpty()) {
                    continue;
                }
                if (origin.equals("*")) {
                    anyOrigin = true;
                } else if (validOrigin(origin)) {
                    origins.add(origin.toLowerCase(Locale.ROOT));
                } else {
                    r.problem(ALLOWED_ORIGINS, "entry '" + origin
                            + "' is not an origin like https://app.example.com (scheme://host[:port], no path)");
                }
            }
        }
        return new ListenConfig(host, port, origins, anyOrigin);
    }

    private static boolean validOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            String scheme = uri.getScheme();
            return scheme != null
                    && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                    && uri.getRawQuery() == null;
        } catch (Exception e) {
            return false;
        }
    }
}
