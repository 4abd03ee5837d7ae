package dev.switchboard.config;

import dev.switchboard.auth.PemKeys;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The keys that verify the web app's tokens.
 *
 * @param secret       HS256 key shared with the web app; {@code null} when only RS256 is used, or until the
 *                     embedded default has generated one
 * @param publicKeyPem RS256 public key (PEM text) of the web app, or {@code null}
 */
public record JwtConfig(String secret, String publicKeyPem) {
    /** HS256 needs a 256-bit key; shorter secrets are refused by the JWT library anyway. */
    public static final int MIN_SECRET_BYTES = 32;

    static final Setting JWT_SECRET = Setting.computed("JWT_SECRET", "(generated in DATA_DIR when embedded)",
            "HS256 secret shared with the web app, at least " + MIN_SECRET_BYTES + " bytes. Required with"
                    + " DATABASE_URL unless JWT_PUBLIC_KEY is set");
    static final Setting JWT_PUBLIC_KEY = Setting.computed("JWT_PUBLIC_KEY", "(none)",
            "RS256 public key of the web app: PEM text or a path to a PEM file");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(JWT_SECRET, JWT_PUBLIC_KEY);

    /** The same public key with {@code resolvedSecret}, once the embedded default has loaded or generated it. */
    public JwtConfig withSecret(String resolvedSecret) {
        return new JwtConfig(resolvedSecret, publicKeyPem);
    }

    /** @param databaseUrlGiven whether the operator set {@code DATABASE_URL}: then a key is required */
    static JwtConfig from(EnvReader r, boolean databaseUrlGiven) {
        String secret = r.string(JWT_SECRET);
        if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            r.problem(JWT_SECRET, "must be at least " + MIN_SECRET_BYTES
                    + " bytes (256 bits) for HS256; generate one with: openssl rand -base64 48");
        }
        String publicKey = r.string(JWT_PUBLIC_KEY);
        if (publicKey != null) {
            try {
                publicKey = PemKeys.readPemText(publicKey);
                PemKeys.parseRsaPublicKey(publicKey);
            } catch (IllegalArgumentException e) {
                r.problem(JWT_PUBLIC_KEY, e.getMessage());
            }
        }
        if (databaseUrlGiven && secret == null && publicKey == null) {
            r.problem(JWT_SECRET, "is required when DATABASE_URL is set (or set JWT_PUBLIC_KEY for RS256 tokens)");
        }
        return new JwtConfig(secret, publicKey);
    }

    /** Says which kinds of key are set, never the keys: the configuration is logged at start. */
    @Override
    public String toString() {
        return "JwtConfig[secret=" + (secret == null ? "none" : "HS256 (hidden)")
                + ", publicKeyPem=" + (publicKeyPem == null ? "none" : "RS256") + "]";
    }
}
