package dev.switchboard.protocol;

/**
 * A message a client sends, decoded and validated. The shapes are those of the PHP Ratchet server this replaces, plus the token on
 * {@code auth}, so existing pages keep working.
 */
public sealed interface ClientMessage {

    /** The {@code type} field of the frame, echoed as {@code request} in errors. */
    String type();

    /**
     * {@code {"type":"auth","token":"...","user_id":123}}; {@code userId} is optional and must match the token.
     * {@code token} is {@code null} when the frame carried none.
     */
    record Auth(String token, Long userId) implements ClientMessage {
        @Override
        public String type() {
            return "auth";
        }

        /** Never prints the token: messages end up in debug logs. */
        @Override
        public String toString() {
            return "Auth[userId=" + userId + "]";
        }
    }

    /** {@code {"type":"subscribe","conversation_id":456}}. */
    record Subscribe(long conversationId) implements ClientMessage {
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
