package dev.switchboard.routing;

/** A connection as routing sees it: who it is and where its frames go. Implemented by the WebSocket session. */
public interface Recipient {

    /** Unique per connection across the cluster ({@code nodeId-n}). */
    String connectionId();

    /** The authenticated user. */
    long userId();

    /** Agents and admins: they receive inbox events for every conversation. */
    boolean isStaff();

    /** Queues a frame for this connection. Never blocks: a client that cannot keep up is disconnected instead. */
    void send(String frame);
}
