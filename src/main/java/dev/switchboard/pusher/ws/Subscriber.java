package dev.switchboard.pusher.ws;

import dev.switchboard.pusher.PusherApp;

import java.util.Optional;

/**
 * One Pusher connection as {@link Channels} sees it. Its methods only queue or read volatile state, so the
 * directory may call them in any order, but never while holding its lock.
 */
interface Subscriber {
    /** The {@code socket_id} the connection was given. */
    String socketId();

    /** The app it connected to. */
    PusherApp app();

    /** The user it signed in as with {@code pusher:signin}, if it did. */
    Optional<String> signedInUser();

    /** Queues a frame; never blocks. */
    void send(String frame);

    /** Closes the connection with {@code code} after an error frame saying why. */
    void terminate(int code, String message);
}
