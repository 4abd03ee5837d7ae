package dev.switchboard.pusher.ws;

/**
 * The error and close codes of Pusher's protocol. pusher-js acts on the class of a close code: 4000-4099 it does
 * not reconnect, 4100-4199 it reconnects after a back-off, 4200-4299 it reconnects at once. So every close of ours
 * carries one of these, and the same code as the {@code pusher:error} frame sent just before it.
 */
public final class PusherCodes {
    /** No app has the key in the URL. */
    public static final int APP_NOT_FOUND = 4001;
    /** The client speaks a protocol version this server does not. */
    public static final int UNSUPPORTED_PROTOCOL = 4007;
    /** The client named no protocol version. */
    public static final int NO_PROTOCOL = 4008;
    /** Not allowed: a bad sign-in, a client event where it may not go, a connection terminated by the backend. */
    public static final int UNAUTHORIZED = 4009;
    /** A message that is not a Pusher event: malformed JSON, no event name, an unknown pusher: event. */
    public static final int INVALID_MESSAGE = 4200;
    /** The client did not answer the server's ping. */
    public static final int PONG_NOT_RECEIVED = 4201;
    /** Client events refused: over the rate, or switched off. */
    public static final int CLIENT_EVENT_REJECTED = 4301;
    /** The node is shutting down: reconnect at once, to another node if there is one. */
    public static final int RECONNECT_NOW = 4200;
    /** WebSocket's own: a message over the size limit. */
    public static final int MESSAGE_TOO_BIG = 1009;

    private PusherCodes() {
    }
}
