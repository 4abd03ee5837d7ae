package dev.switchboard.auth;

/** A token that is malformed, badly signed, expired or lacks a required claim. The message is safe to send. */
public final class TokenRejectedException extends Exception {
    /** Why, in a few fixed words an operator can count by (metrics, logs); the message says it for the client. */
    public enum Reason {
        /** Not a signed JWT at all. */
        MALFORMED,
        /** Signed with an algorithm this server does not accept. */
        BAD_ALGORITHM,
        /** The signature does not verify with the configured key. */
        BAD_SIGNATURE,
        /** Past {@code exp} (plus the allowed skew). */
        EXPIRED,
        /** Signed and current, but a claim is missing or invalid. */
        INVALID_CLAIMS;

        /** The lowercase name used as a metric tag. */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    public TokenRejectedException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** Why the token was refused. */
    public Reason reason() {
        return reason;
    }
}
