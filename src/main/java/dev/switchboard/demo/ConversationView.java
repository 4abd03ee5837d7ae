package dev.switchboard.demo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * A conversation as the list shows it, in API responses and in {@code new_conversation} /
 * {@code conversation_updated} events alike, so a page handles both with one renderer.
 *
 * <p>Events go to every agent at once, so they cannot carry "the caller's" unread count: {@code unread} holds the
 * count of every user who takes part (each agent, and the contact), and each page picks its own entry.
 *
 * @param unread      unread messages by user id: the other side's messages after that user's read mark
 * @param unreadCount the caller's own entry of {@code unread}; only in API responses, omitted in events
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ConversationView(
        @JsonProperty("id") long id,
        @JsonProperty("contact_id") long contactId,
        @JsonProperty("contact_name") String contactName,
        @JsonProperty("agent_id") @JsonInclude(JsonInclude.Include.ALWAYS) Long agentId,
        @JsonProperty("agent_name") @JsonInclude(JsonInclude.Include.ALWAYS) String agentName,
        @JsonProperty("subject") String subject,
        @JsonProperty("status") String status,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("updated_at") String updatedAt,
        @JsonProperty("last_message_at") String lastMessageAt,
        @JsonProperty("last_message") LastMessage lastMessage,
        @JsonProperty("unread") Map<Long, Integer> unread,
        @JsonProperty("unread_count") Integer unreadCount) {

    /** The same conversation with the given user's unread count filled in. */
    ConversationView forUser(long userId) {
        return new ConversationView(id, contactId, contactName, agentId, agentName, subject, status, createdAt,
                updatedAt, lastMessageAt, lastMessage, unread, unread.getOrDefault(userId, 0));
    }

    /** The newest message, shortened for the list. */
    record LastMessage(
            @JsonProperty("id") long id,
            @JsonProperty("preview") String preview,
            @JsonProperty("sender_type") String senderType,
            @JsonProperty("sender_name") String senderName,
            @JsonProperty("created_at") String createdAt) {
    }
}
