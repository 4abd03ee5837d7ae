package dev.switchboard.pusher;

import dev.switchboard.routing.Target;

import java.util.List;

/**
 * The Pusher channels on which Echo clients receive the helpdesk events that the {@code realtime.notify_*}
 * functions write, so a Laravel page can use Echo for them without a second integration:
 *
 * <pre>
 *   new_message, conversation_updated   private-conversation.{id} and private-agents (the agents' inbox)
 *   message_read, typing                private-conversation.{id}
 *   new_conversation, agent_status      private-agents
 *   custom events (notify_user)         private-user.{id}
 * </pre>
 *
 * The audiences are those of the native protocol, one channel per audience part; every channel is private, so
 * the app's own channel authorization decides who may listen (it must keep the native rule: a contact only on its
 * own conversations, agents alone on {@code private-agents}).
 */
public final class HelpdeskChannels {
    /** Every agent and admin: the inbox events and agent status. */
    public static final String AGENTS = "private-agents";

    private HelpdeskChannels() {
    }

    /** One conversation's channel. */
    public static String conversation(long conversationId) {
        return "private-conversation." + conversationId;
    }

    /** One user's channel, for the custom events of {@code notify_user}. */
    public static String user(long userId) {
        return "private-user." + userId;
    }

    /**
     * The channels a stored helpdesk event goes to; empty for targets that are not helpdesk audiences (a
     * broadcast names its own channels, and the relays the server makes itself are never stored).
     */
    public static List<String> of(Target target) {
        if (target instanceof Target.Conversation conversation) {
            return List.of(conversation(conversation.conversationId()));
        }
        if (target instanceof Target.ConversationAndStaff both) {
            return List.of(conversation(both.conversationId()), AGENTS);
        }
        if (target instanceof Target.Staff) {
            return List.of(AGENTS);
        }
        if (target instanceof Target.User user) {
            return List.of(user(user.userId()));
        }
        return List.of();
    }
}
