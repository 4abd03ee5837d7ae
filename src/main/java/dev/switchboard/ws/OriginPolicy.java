package dev.switchboard.ws;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Which browser origins may open a WebSocket. Tokens travel in the first message rather than in cookies, so a
 * foreign page cannot ride an agent's session; the check still stops other sites from using the server as theirs.
 *
 * <p>The same origin is always allowed: the {@code Origin} names the host the request was sent to (nginx forwards
 * {@code Host}). {@code ALLOWED_ORIGINS} adds the web app's other origins. Requests without {@code Origin} come
 * from non-browser clients and are allowed: a token is still required.
 */
public final class OriginPolicy {
    private final Set<String> allowed;
    private final boolean allowAny;

    public OriginPolicy(Set<String> allowed, boolean allowAny) {
        this.allowed = allowed.stream().map(o -> o.trim().toLowerCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.allowAny = allowAny;
    }

    /**
     * @param origin the {@code Origin} header, or {@code null}
     * @param host   the {@code Host} header, or {@code null}
     */
    public boolean permits(String origin, String host) {
        if (origin == null || allowAny) {
            return true;
        }
        String normalized = origin.trim().toLowerCase(Locale.ROOT);
        if (allowed.contains(normalized)) {
            return true;
        }
        if (host == null) {
            return false;
        }
        try {
            URI uri = new URI(normalized);
            if (uri.getHost() == null) {
                return false;
            }
            String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            String requestHost = host.trim().toLowerCase(Locale.ROOT);
            return authority.equals(requestHost) || authority.equals(stripDefaultPort(requestHost, uri.getScheme()));
        } catch (Exception e) {
            return false;
        }
    }

    private static String stripDefaultPort(String host, String scheme) {
        if (("http".equals(scheme) || "ws".equals(scheme)) && host.endsWith(":80")) {
            return host.substring(0, host.length() - 3);
        }
        if (("https".equals(scheme) || "wss".equals(scheme)) && host.endsWith(":443")) {
            return host.substring(0, host.length() - 4);
        }
        return host;
    }
}
