package dev.switchboard.pusher.ws;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Pusher channel name and what its prefix makes of it: who may subscribe, whether client events are allowed,
 * whether the last event is kept for new subscribers.
 *
 * @param name   the name as the client and the backend write it
 * @param kind   how a subscription is authorised
 * @param cached a {@code cache-} channel (any kind): its last event is replayed to each new subscriber
 */
public record ChannelName(String name, Kind kind, boolean cached) {
    /** Pusher's own limit on channel names, and its alphabet, plus {@code #} for the server-to-user channels. */
    static final int MAX_LENGTH = 200;
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_\\-=@,.;#]+");
    static final String USER_PREFIX = "#server-to-user-";

    /** How a channel is authorised. */
    public enum Kind {
        /** Anyone may subscribe. */
        PUBLIC,
        /** {@code private-}: signed by the app's backend over socket id and channel. */
        PRIVATE,
        /** {@code private-encrypted-}: authorised like private; payloads are end-to-end encrypted, never read. */
        ENCRYPTED,
        /** {@code presence-}: signed over socket id, channel and the member's channel data. */
        PRESENCE,
        /** {@code #server-to-user-{id}}: only the connection signed in as that user. */
        USER;

        /** Whether a subscription needs the backend's signature. */
        boolean signed() {
            return this == PRIVATE || this == ENCRYPTED || this == PRESENCE;
        }

        /** Whether members may send {@code client-*} events on it (not on encrypted ones: the server cannot). */
        boolean allowsClientEvents() {
            return this == PRIVATE || this == PRESENCE;
        }
    }

    /** Parses a name, or empty when it is not a valid channel name. */
    public static Optional<ChannelName> parse(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH || !ALLOWED.matcher(name).matches()) {
            return Optional.empty();
        }
        if (name.startsWith(USER_PREFIX)) {
            return name.length() > USER_PREFIX.length()
                    ? Optional.of(new ChannelName(name, Kind.USER, false)) : Optional.empty();
        }
        if (name.startsWith("#")) {
            return Optional.empty();
        }
        if (name.startsWith("private-encrypted-")) {
            return Optional.of(new ChannelName(name, Kind.ENCRYPTED, name.startsWith("private-encrypted-cache-")));
        }
        if (name.startsWith("private-")) {
            return Optional.of(new ChannelName(name, Kind.PRIVATE, name.startsWith("private-cache-")));
        }
        if (name.startsWith("presence-")) {
            return Optional.of(new ChannelName(name, Kind.PRESENCE, name.startsWith("presence-cache-")));
        }
        return Optional.of(new ChannelName(name, Kind.PUBLIC, name.startsWith("cache-")));
    }

    /** The user a {@link Kind#USER} channel belongs to. */
    String userId() {
        return name.substring(USER_PREFIX.length());
    }
}
