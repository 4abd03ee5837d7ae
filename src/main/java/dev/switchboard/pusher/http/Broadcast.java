package dev.switchboard.pusher.http;

import java.util.List;
import java.util.Optional;

/**
 * One event the HTTP API accepted, as {@code realtime.broadcast} takes it.
 *
 * @param channels       one or more channel names
 * @param name           the event name
 * @param data           Pusher's data string, as the backend sent it
 * @param exceptSocketId the sender's connection, which must not receive it, if any
 */
record Broadcast(List<String> channels, String name, String data, Optional<String> exceptSocketId) {
    Broadcast {
        channels = List.copyOf(channels);
    }
}
