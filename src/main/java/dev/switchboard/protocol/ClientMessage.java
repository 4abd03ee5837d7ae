package dev.switchboard.protocol;

/**
 * A message a client sends, decoded and validated. The shapes are those of the PHP Ratchet server this replaces, plus the token on
 * {@code auth}, so existing pages keep working.
 */
public sealed interface ClientMessage {

    /** The {@code type} field of the frame, echoed as {@code request} in errors. */
    String type();

    /**
     * {@code {"type":"auth","token":"...","user_id":123,"last_event_id":9001,"epoch":"..."}}; {@code userId} is
     * optional and must match the token. {@code token} is {@code null} when the frame carried none.
     * {@code lastEventId} (with the {@code epoch} it belongs to) asks for the events missed since that id;
     * either is {@code null} when not sent.
     */
    record Auth(String token, Long userId, Long lastEventId, String epoch) implements ClientMessage {
        /** An auth that asks for no resume. */
        public Auth(String token, Long userId) {
            this(token, userId, null, null);
        }

        @Override
        public String type() {
            return "auth";
        }

        /** Never prints the token: messages end up in debug logs. */
        @Override
        public String toString() {
            return "Auth[userId=" + userId + ", lastEventId=" + lastEventId + ", epoch=" + epoch + "]";
        }
    }

    /**
     * {@code {"type":"subscribe","conversation_id":456,"last_event_id":9001}}; {@code lastEventId} (optional,
     * {@code null} when not sent) asks for the conversation's events missed since that id.
     */
    record Subscribe(long conversationId, Long lastEventId) implements ClientMessage {
        /** A subscribe that asks for no resume. */
        public Subscribe(long conversationId) {
            this(conversationId, null);
        }

        @Override
        public String type() {
            return "subscribe";
        }
    }

    /** {@code {"type":"unsubscribe","conversation_id":456}}. */
    record Unsubscribe(long conversationId) implements ClientMessage {
        @Override
        public String type() {
            return "unsubscribe";
        }
    }

    /** {@code {"type":"typing","conversation_id":456,"is_typing":true}}. */
    record Typing(long conversationId, boolean isTyping) implements ClientMessage {
        @Override
        public String type() {
            return "typing";
        }
    }

    /** {@code {"type":"admin_subscribe"}}: the operations stream, for {@code admin} tokens only. */
    record AdminSubscribe() implements ClientMessage {
        @Override
        public String type() {
            return "admin_subscribe";
        }
    }

    /** {@code {"type":"ping"}}. */
    record Ping() implements ClientMessage {
        @Override
        public String type() {
            return "ping";
        }
    }
}
