package dev.switchboard.protocol;

/**
 * WebSocket close codes the server uses, and what a client should do after each. The browser client keys its
 * reconnect decision off these, so they are part of the protocol.
 */
public final class CloseCodes {
    /** Server shutting down or restarting: reconnect (to another node). */
    public static final int GOING_AWAY = 1001;
    /** The client flooded past its rate limit: reconnect after a backoff. */
    public static final int POLICY_VIOLATION = 1008;
    /** A frame was larger than {@code MAX_FRAME_BYTES}. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The server could not start the session (internal failure): reconnect after a backoff. */
    public static final int INTERNAL_ERROR = 1011;
    /** The client read too slowly and its send queue filled up: reconnect and resume. */
    public static final int TRY_AGAIN_LATER = 1013;
    /** Bad or missing token, or no {@code auth} within the timeout: do not reconnect with the same token. */
    public static final int UNAUTHORIZED = 4001;
    /** The token the connection authenticated with has expired: reconnect with a fresh token. */
    public static final int TOKEN_EXPIRED = 4002;

    private CloseCodes() {
    }
}
