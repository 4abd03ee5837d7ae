package dev.switchboard.routing;

import java.util.Locale;

/**
 * Who receives an event. Stored with every durable event (column {@code realtime.events.audience}), because the
 * event name alone does not say it: a custom event sent to one user may be called {@code new_message} too.
 */
public enum Audience {
    /** The conversation's subscribers: typing, message_read. */
    CONVERSATION,
    /** The conversation's subscribers and every connected agent/admin (their inbox): new_message, conversation_updated. */
    CONVERSATION_AND_STAFF,
    /** Every connected agent/admin: new_conversation, agent_status. */
    STAFF,
    /** Every connection of one user: custom events. */
    USER;

    /** The name stored in the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a stored name. */
    public static Audience fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
