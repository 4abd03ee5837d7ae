package dev.switchboard.pusher;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One Pusher app: clients connect to {@code /app/{key}}; channel authorisations, user sign-ins and HTTP API
 * requests are signed with its secret (HMAC-SHA256, lowercase hex), which never leaves the server.
 *
 * @param id     the app id of the HTTP API's paths ({@code /apps/{id}/events})
 * @param key    the public key pusher-js connects with, and the prefix of every channel authorisation
 * @param secret the shared secret of the app's backend
 */
public record PusherApp(String id, String key, String secret) {
    private static final HexFormat HEX = HexFormat.of();

    public PusherApp {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(secret, "secret");
    }

    /** The lowercase hex HMAC-SHA256 of {@code text} under this app's secret. */
    public String sign(String text) {
        return HEX.formatHex(hmac(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Whether {@code hexSignature} is this app's signature of {@code text}, compared in constant time so the
     * answer's timing tells nothing about how much of a forged signature was right.
     */
    public boolean signatureMatches(String text, String hexSignature) {
        if (hexSignature == null) {
            return false;
        }
        byte[] expected = sign(text).getBytes(StandardCharsets.US_ASCII);
        byte[] given = hexSignature.getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }

    private byte[] hmac(byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Never prints the secret, so a logged config cannot leak it. */
    @Override
    public String toString() {
        return "PusherApp[id=" + id + ", key=" + key + ", secret=***]";
    }
}
