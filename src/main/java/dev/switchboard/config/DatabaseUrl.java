package dev.switchboard.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the database is: a JDBC URL plus optional credentials. Accepts the two forms teams already have in
 * their {@code .env}: {@code postgres://user:pass@host:5432/db?sslmode=require} (Heroku/Laravel style) and
 * {@code jdbc:postgresql://host:5432/db}.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {
    private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9_.-]+)(?::([0-9]{1,5}))?");

    /**
     * Parses either form.
     *
     * @throws IllegalArgumentException with a message fit for an operator when the URL is not usable
     */
    public static DatabaseUrl parse(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(url, null, null);
        }
        if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException(
                    "must start with postgres://, postgresql:// or jdbc:postgresql://");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a valid URL (" + e.getReason() + ")");
        }
        String host = uri.getHost();
        int port = uri.getPort();
        String userInfo = uri.getRawUserInfo();
        if (host == null && uri.getRawAuthority() != null) {
            // java.net.URI leaves the authority unparsed for host names it deems invalid, such as Docker Compose
            // service names with underscores (db_primary), which PostgreSQL clients accept: split it by hand.
            String authority = uri.getRawAuthority();
            int at = authority.lastIndexOf('@');
            Matcher hostPort = HOST_PORT.matcher(authority.substring(at + 1));
            if (hostPort.matches()) {
                userInfo = at < 0 ? null : authority.substring(0, at);
                host = hostPort.group(1);
                port = hostPort.group(2) == null ? -1 : Integer.parseInt(hostPort.group(2));
            }
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("has no host");
        }
        String path = uri.getRawPath();
        if (path == null || path.length() <= 1) {
            throw new IllegalArgumentException("has no database name (postgres://user:pass@host:5432/DBNAME)");
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(host);
        if (port != -1) {
            jdbc.append(':').append(port);
        }
        jdbc.append(path);
        if (uri.getRawQuery() != null) {
            jdbc.append('?').append(uri.getRawQuery());
        }
        String user = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        return new DatabaseUrl(jdbc.toString(), user, password);
    }

    /** The same location with other credentials, used for {@code DATABASE_USER}/{@code DATABASE_PASSWORD}. */
    public DatabaseUrl withCredentials(String overrideUser, String overridePassword) {
        return new DatabaseUrl(jdbcUrl,
                overrideUser != null ? overrideUser : user,
                overridePassword != null ? overridePassword : password);
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Never prints the password: this ends up in logs. */
    @Override
    public String toString() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***") + (user != null ? " as " + user : "");
    }
}
