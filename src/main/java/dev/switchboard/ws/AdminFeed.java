package dev.switchboard.ws;

import dev.switchboard.routing.Recipient;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operations stream: admin connections that sent {@code admin_subscribe}, and the latest frame of each kind
 * ({@code status}, {@code metrics}, {@code health}) so a new subscriber sees the current state at once rather
 * than after the next tick. The frames come from outside the core (the node's sampler); this class only fans
 * them out, which only queues.
 */
public final class AdminFeed {
    private final Set<Recipient> subscribers = ConcurrentHashMap.newKeySet();
    private final Map<String, String> latest = new ConcurrentHashMap<>();

    /** Adds an admin connection and queues the latest frames for it. */
    void subscribe(Recipient recipient) {
        if (subscribers.add(recipient)) {
            for (String frame : latest.values()) {
                recipient.send(frame);
            }
        }
    }

    /** Removes a connection; a no-op for one that never subscribed. */
    void unsubscribe(Recipient recipient) {
        subscribers.remove(recipient);
    }

    /**
     * Sends a frame to every subscriber and keeps it as the latest of its kind.
     *
     * @param kind  the frame's event name
     * @param frame the encoded frame
     */
    public void publish(String kind, String frame) {
        latest.put(kind, frame);
        for (Recipient recipient : subscribers) {
            recipient.send(frame);
        }
    }

    /** Admin connections subscribed now. */
    public int size() {
        return subscribers.size();
    }
}
