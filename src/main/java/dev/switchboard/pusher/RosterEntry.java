package dev.switchboard.pusher;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One user on one presence channel of one node, as the nodes tell each other.
 *
 * @param appId    the app whose channel it is
 * @param channel  the presence channel
 * @param userId   the member's user id
 * @param userInfo the {@code user_info} of the member's first connection on that node; null when it had none or
 *                 when it was too large to travel between nodes
 */
public record RosterEntry(String appId, String channel, String userId, JsonNode userInfo) {
}
