package dev.switchboard.auth;

/** A token that is malformed, badly signed, expired or lacks a required claim. The message is safe to send. */
public final class TokenRejectedException extends Exception {
    public TokenRejectedException(String message) {
        super(message, null, false, false);
    }
}
