package dev.switchboard.demo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A message as the API returns it and as {@code new_message} carries it: the PHP server's shape plus the sender's
 * name, so pages need no extra look-up to render it.
 *
 * @param read whether someone on the other side has read it; only in conversation details, omitted in events
 *             (a message is unread when it is announced)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record MessageView(
        @JsonProperty("id") long id,
        @JsonProperty("content") String content,
        @JsonProperty("sender_type") String senderType,
        @JsonProperty("sender_id") long senderId,
        @JsonProperty("sender_name") String senderName,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("read") Boolean read) {
}
