package dev.switchboard.notifier;

import dev.switchboard.routing.Audience;

/**
 * One committed row of {@code realtime.events}.
 *
 * @param id             commit-ordered id, sent to clients
 * @param event          event name
 * @param audience       who receives it
 * @param conversationId the conversation, for conversation audiences (0 otherwise)
 * @param userId         the user, for {@link Audience#USER} (0 otherwise)
 * @param dataJson       the {@code data} object as JSON text, spliced into the frame unchanged
 */
public record EventRecord(long id, String event, Audience audience, long conversationId, long userId,
                          String dataJson) {
}
