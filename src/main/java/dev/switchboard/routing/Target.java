package dev.switchboard.routing;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who receives a frame. Durable events carry one in their {@code realtime.events.audience} column (the event name
 * alone does not say it: a custom event sent to one user may be called {@code new_message} too). Typing relays and
 * presence broadcasts use {@link ConversationExceptUser} and {@link StaffExceptUser}, which are never stored.
 */
public sealed interface Target {

    /** The audience names the events table accepts, in the order of its {@code events_audience} constraint. */
    List<String> AUDIENCES = List.of(Conversation.AUDIENCE, ConversationAndStaff.AUDIENCE, Staff.AUDIENCE,
            User.AUDIENCE, Channels.AUDIENCE);

    /** Every connected agent/admin: new_conversation, agent_status. */
    Staff STAFF = new Staff();

    /**
     * The target a stored event row names.
     *
     * @param audience       the {@code audience} column
     * @param conversationId the {@code conversation_id} column, {@code null} when SQL NULL
     * @param userId         the {@code user_id} column, {@code null} when SQL NULL
     * @throws IllegalArgumentException for an unknown audience or a missing id it needs
     */
    static Target fromAudience(String audience, Long conversationId, Long userId) {
        return fromAudience(audience, conversationId, userId, null, null, null);
    }

    /**
     * The target a stored event row names, broadcasts to Pusher channels included.
     *
     * @param channels       the {@code channels} column, {@code null} when SQL NULL
     * @param exceptSocketId the {@code except_socket_id} column, {@code null} when SQL NULL
     * @param appId          the {@code app_id} column, {@code null} when SQL NULL
     * @throws IllegalArgumentException for an unknown audience or a missing column it needs
     */
    static Target fromAudience(String audience, Long conversationId, Long userId, List<String> channels,
                               String exceptSocketId, String appId) {
        if (Channels.AUDIENCE.equals(audience)) {
            if (channels == null || channels.isEmpty()) {
                throw new IllegalArgumentException("audience '" + audience + "' needs channels");
            }
            return new Channels(channels, Optional.ofNullable(exceptSocketId), Optional.ofNullable(appId));
        }
        if (audience == null) {
            throw new IllegalArgumentException("audience is missing");
        }
        switch (audience) {
            case Conversation.AUDIENCE:
                return new Conversation(required(conversationId, audience, "conversation_id"));
            case ConversationAndStaff.AUDIENCE:
                return new ConversationAndStaff(required(conversationId, audience, "conversation_id"));
            case Staff.AUDIENCE:
                return STAFF;
            case User.AUDIENCE:
                return new User(required(userId, audience, "user_id"));
            default:
                throw new IllegalArgumentException("unknown audience '" + audience + "'");
        }
    }

    private static long required(Long id, String audience, String column) {
        if (id == null) {
            throw new IllegalArgumentException("audience '" + audience + "' needs " + column);
        }
        return id;
    }

    /** The conversation's subscribers: typing, message_read. */
    record Conversation(long conversationId) implements Target {
        static final String AUDIENCE = "conversation";
    }

    /** The conversation's subscribers and every connected agent/admin (their inbox), each once. */
    record ConversationAndStaff(long conversationId) implements Target {
        static final String AUDIENCE = "conversation_and_staff";
    }

    /** Every connected agent/admin. Use {@link Target#STAFF}. */
    record Staff() implements Target {
        static final String AUDIENCE = "staff";
    }

    /** Every connection of one user: custom events. */
    record User(long userId) implements Target {
        static final String AUDIENCE = "user";
    }

    /**
     * Subscribers of Pusher channels ({@code realtime.broadcast} and the Pusher HTTP API), each connection once.
     *
     * @param channels       one to a hundred channel names
     * @param exceptSocketId the Pusher connection that must not receive it (the sender's own), if any
     * @param appId          the Pusher app; empty means the node's first configured app
     */
    record Channels(List<String> channels, Optional<String> exceptSocketId, Optional<String> appId)
            implements Target {
        static final String AUDIENCE = "channels";

        public Channels {
            channels = List.copyOf(channels);
            Objects.requireNonNull(exceptSocketId, "exceptSocketId");
            Objects.requireNonNull(appId, "appId");
        }
    }

    /**
     * Every connected agent/admin except one user's connections: an agent's own "online", which its newly
     * authenticated connection learns from its presence snapshot instead, whichever thread delivers it.
     */
    record StaffExceptUser(long userId) implements Target {
    }

    /**
     * The conversation's subscribers except one user's connections: a typing relay, which the typist's other tabs
     * must not show as "you are typing".
     */
    record ConversationExceptUser(long conversationId, long userId) implements Target {
    }
}
