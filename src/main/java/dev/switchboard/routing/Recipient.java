package dev.switchboard.routing;

import dev.switchboard.protocol.EncodedFrame;

/**
 * An authenticated connection as routing sees it: who it is and where its frames go. Its user and role are fixed
 * for its whole life (a fresh token may not change them), so it exists only once the connection has authenticated.
 */
public interface Recipient {

    /** Unique per connection across the cluster ({@code nodeId-n}). */
    String connectionId();

    /** The authenticated user. */
    long userId();

    /** Agents and admins: they receive inbox events for every conversation. */
    boolean isStaff();

    /**
     * Queues a frame for this connection and returns: the socket write happens later on the connection's own
     * writer, never on the calling thread. Never blocks; a client that cannot keep up is disconnected instead.
     */
    void send(String frame);

    /**
     * The same for a frame encoded once for all its recipients: a connection writes its bytes as they are. Same
     * contract as {@link #send(String)}, which it defaults to for recipients that only take text.
     */
    default void send(EncodedFrame frame) {
        send(frame.text());
    }

    /**
     * Queues a durable event's frame, like {@link #send(EncodedFrame)}; the id and target let a connection that is
     * resuming hold it until its replay is sent, and drop it when the replay already carried it.
     *
     * @param eventId the event's id in {@code realtime.events}
     * @param target  who the event is stored for
     */
    default void sendDurable(long eventId, Target target, EncodedFrame frame) {
        send(frame);
    }
}
