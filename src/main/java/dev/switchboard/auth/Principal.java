package dev.switchboard.auth;

import java.time.Instant;
import java.util.Set;

/**
 * A verified user, as its token describes it.
 *
 * @param userId        the token's {@code sub}, as the number the rest of the protocol uses
 * @param role          agent, admin or contact
 * @param name          display name from the token, or {@code null}
 * @param conversations for contacts: the only conversations they may subscribe to
 * @param expiresAt     the token's {@code exp}
 */
public record Principal(long userId, Role role, String name, Set<Long> conversations, Instant expiresAt) {

    public Principal {
        conversations = Set.copyOf(conversations);
    }

    /** Whether this user may see the conversation's messages and typing. */
    public boolean mayAccess(long conversationId) {
        return role.isStaff() || conversations.contains(conversationId);
    }
}
