package dev.switchboard.pusher.http;

import dev.switchboard.pusher.PusherApp;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The authentication of a Pusher HTTP API request, as the server SDKs sign it: {@code auth_signature} is the
 * app's HMAC-SHA256 of {@code METHOD\npath\nk1=v1&k2=v2...}, the query parameters other than the signature
 * sorted by name ({@code auth_key}, {@code auth_timestamp}, {@code auth_version}, {@code body_md5} among them).
 *
 * <p>Beyond the signature, a request is refused when {@code auth_timestamp} is more than {@link #MAX_CLOCK_SKEW}
 * from the server's clock (a captured request cannot be replayed later) and when a body's {@code body_md5} is not
 * its MD5 (the signature would otherwise not cover the body).
 *
 * @param method the HTTP method, upper case
 * @param path   the request path exactly as sent, without the query
 * @param query  the decoded query parameters (the first value of each)
 * @param body   the request body, empty when there is none
 */
public record SignedRequest(String method, String path, Map<String, String> query, byte[] body) {
    /** How far {@code auth_timestamp} may be from the server's clock, either way. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(600);

    private static final HexFormat HEX = HexFormat.of();

    /** Parses a raw query string ({@code a=1&b=2}); a name given twice keeps its first value. */
    public static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new TreeMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            query.putIfAbsent(name, value);
        }
        return query;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // A malformed escape: kept as sent, so the signature check refuses it rather than a 500.
            return text;
        }
    }

    /** Why {@code app} refuses this request, or empty when it is authentic and fresh. */
    public Optional<String> refusal(PusherApp app, Instant now) {
        String signature = query.get("auth_signature");
        if (signature == null || !app.key().equals(query.get("auth_key"))) {
            return Optional.of("Authentication signature invalid.");
        }
        if (!app.signatureMatches(stringToSign(), signature)) {
            return Optional.of("Authentication signature invalid.");
        }
        String timestamp = query.getOrDefault("auth_timestamp", "");
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return Optional.of("auth_timestamp must be a Unix time in seconds.");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > MAX_CLOCK_SKEW.toSeconds()) {
            return Optional.of("Timestamp expired: given timestamp (" + seconds + ") not within "
                    + MAX_CLOCK_SKEW.toSeconds() + "s of server time (" + now.getEpochSecond() + ").");
        }
        if (body.length > 0 && !md5Hex(body).equals(query.get("body_md5"))) {
            return Optional.of("body_md5 does not match the request body.");
        }
        return Optional.empty();
    }

    /** What the client signed: method, path and the sorted parameters except the signature. */
    String stringToSign() {
        String params = new TreeMap<>(query).entrySet().stream()
                .filter(e -> !e.getKey().equals("auth_signature"))
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
        return method + "\n" + path + "\n" + params;
    }

    /** Lowercase hex MD5, as {@code body_md5} carries it. */
    static String md5Hex(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JDK", e);
        }
    }
}
