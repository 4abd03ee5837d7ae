package dev.switchboard.auth;

/** A token that is malformed, badly signed, expired or lacks a required claim. The message is safe to send. */
public final class TokenRejectedException extends Exception {
    private final Reason reason;

    public TokenRejectedException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** What was wrong, as a fixed word for logs and metrics; the message is for the client. */
    public Reason reason() {
        return reason;
    }

    /** What was wrong with a token. */
    public enum Reason {
        /** Not a signed JWT, or one that cannot be parsed. */
        MALFORMED,
        /** Signed with an algorithm this node does not accept. */
        ALGORITHM,
        /** The signature does not match the secret or key. */
        BAD_SIGNATURE,
        /** Past {@code exp} plus the allowed clock skew. */
        EXPIRED,
        /** A claim is missing or invalid ({@code sub}, {@code role}, {@code conversations}, {@code nbf}). */
        INVALID_CLAIMS;

        /** The reason as logs write it: {@code bad_signature}. */
        public String logName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
