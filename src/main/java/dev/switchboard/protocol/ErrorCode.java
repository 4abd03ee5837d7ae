package dev.switchboard.protocol;

import java.util.Locale;

/** The {@code code} of an {@code error} event. Every one but {@link #UNAUTHORIZED} leaves the connection open. */
public enum ErrorCode {
    /** The frame is not a JSON object. */
    INVALID_JSON,
    /** {@code type} names no message the server knows. */
    UNKNOWN_TYPE,
    /** A field is missing or has the wrong type or range. */
    INVALID_FIELD,
    /** Anything but {@code auth} before the connection has authenticated. */
    UNAUTHENTICATED,
    /** The token was refused; followed by close code 4001. */
    UNAUTHORIZED,
    /** The user may not see that conversation. */
    FORBIDDEN,
    /** Too many messages; the message was dropped. */
    RATE_LIMITED,
    /** The server failed to handle a valid message; the details are in the server log, never in the frame. */
    INTERNAL_ERROR;

    /** The lowercase name used on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
